/**
 * Configuration fails early: a malformed option throws where it is given (a constructor), with a
 * message naming the option and the form it takes. Nothing later throws for configuration.
 */

/** Describes what was given, briefly and without calling into it (no toString of user objects). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return Array.isArray(value) ? "an array" : "an object";
  }
}

/** `xray-edge: <where>: option "<name>" must be <expected>, got <value>`. */
export function optionError(where: string, name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`xray-edge: ${where}: option "${name}" must be ${expected}, got ${describeValue(value)}`);
}

/** Whether `value` is an object whose `names` are all functions (an emitter, a logger, a sampler). */
export function hasMethods(value: unknown, ...names: string[]): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    return names.every((n) => typeof (value as Record<string, unknown>)[n] === "function");
  } catch {
    return false;
  }
}

/** A plain object: not an array, not null (a Proxy or a class instance passes; JSON decides later). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
