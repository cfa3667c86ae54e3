// How the report writes a figure: one function per unit, shared by the console table and the
// README (the README holds nothing the report did not print).
export function formatValue(value, unit) {
  if (value === undefined || value === null || Number.isNaN(value)) return "n/a";
  switch (unit) {
    case "ns":
      return value >= 1000 ? `${(value / 1000).toFixed(2)} µs` : `${value.toFixed(0)} ns`;
    case "µs":
      return `${value.toFixed(1)} µs`;
    case "+µs":
      return `${value >= 0 ? "+" : ""}${value.toFixed(1)} µs`;
    case "ms":
      return `${value.toFixed(2)} ms`;
    case "+ms":
      return `${value >= 0 ? "+" : ""}${value.toFixed(1)} ms`;
    case "+%":
      return `${value >= 0 ? "+" : ""}${value.toFixed(1)}%`;
    case "/s":
      return `${value.toFixed(0)}/s`;
    case "B":
      return value >= 1e6 ? `${(value / 1e6).toFixed(2)} MB` : value >= 1e3 ? `${(value / 1e3).toFixed(1)} kB` : `${value} B`;
    case "±B": {
      const sign = value >= 0 ? "+" : "-";
      return `${sign}${formatValue(Math.abs(value), "B")}`;
    }
    default:
      return String(value);
  }
}

/** peer / ours: how many times what xray-edge costs the peer costs. */
export function formatRatio(peer, ours) {
  if (!Number.isFinite(peer) || !Number.isFinite(ours) || ours <= 0) return "";
  return `${(peer / ours).toFixed(1)}×`;
}
