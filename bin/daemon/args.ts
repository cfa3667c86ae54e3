/**
 * Command-line parsing for `xray-edge daemon`. Kept apart from the server so that the server can be
 * started programmatically (tests, other tools) with the same options as plain values.
 */
import { UsageError, scanOptions } from "../options.ts";

export const DAEMON_USAGE = `Usage: xray-edge daemon [options]

A local stand-in for the AWS X-Ray daemon: receives segment documents over UDP, validates them,
assembles them into traces and prints each trace as a waterfall (or one JSON line per document).

Options:
  --address A        where to listen: host:port, [::1]:port, or "udp:h:p tcp:h:p"
                     (default: $AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000)
  --json             one JSON line per received document instead of the waterfall:
                     {"received":<epoch ms>,"valid":bool,"violations":[...],"document":{...}}
  --settle-ms N      print a trace that has not finished after N ms without new
                     documents for it (default 1000)
  --forward          also send every valid document to X-Ray (PutTraceSegments),
                     using the usual AWS credentials
  --region R         the X-Ray region for --forward (default: $AWS_REGION)
  --endpoint URL     a different X-Ray endpoint for --forward (e.g. a local stand-in)
  --quiet            no per-datagram messages (violations, drops) on stderr
  -h, --help         show this help

Status lines ("listening on ...", violations, the summary) go to stderr; stdout carries only the
waterfalls or the JSON lines. SIGINT/SIGTERM print the unfinished traces and a summary, exit 0.
The waterfall fits the terminal width ($COLUMNS, else 100, when stdout is not a terminal); it is
coloured when stdout is a terminal and NO_COLOR is unset, or when FORCE_COLOR is set.
`;

export interface DaemonArgs {
  address?: string;
  json: boolean;
  quiet: boolean;
  settleMs: number;
  forward?: { region: string; endpoint?: string };
  help: boolean;
}

export { UsageError };

const VALUE_OPTIONS = new Set(["--address", "--region", "--endpoint", "--settle-ms"]);
const FLAG_OPTIONS = new Set(["--json", "--forward", "--quiet", "--help", "-h"]);

/** Parses the arguments after `daemon`. Throws UsageError on anything it does not understand. */
export function parseDaemonArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): DaemonArgs {
  const scanned = scanOptions(argv, { command: "daemon", values: VALUE_OPTIONS, flags: FLAG_OPTIONS, repeatable: "all" });
  const flags = scanned.flags;
  // A repeated option: the last one counts.
  const values = new Map([...scanned.values].map(([name, list]) => [name, list[list.length - 1]!]));

  const args: DaemonArgs = {
    json: flags.has("--json"),
    quiet: flags.has("--quiet"),
    settleMs: 1000,
    help: flags.has("--help"),
  };
  const address = values.get("--address");
  if (address !== undefined) args.address = address;

  const settle = values.get("--settle-ms");
  if (settle !== undefined) {
    const n = Number(settle);
    if (!/^\d+$/.test(settle.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 3_600_000) {
      throw new UsageError(`--settle-ms must be a whole number of milliseconds from 1 to 3600000, not "${settle}"`);
    }
    args.settleMs = n;
  }

  const region = values.get("--region");
  const endpoint = values.get("--endpoint");
  if (flags.has("--forward")) {
    const r = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!r) throw new UsageError("--forward needs --region R (or AWS_REGION)");
    if (!/^[a-z0-9-]{1,64}$/.test(r)) throw new UsageError(`--region: not a region name: "${r}"`);
    args.forward = { region: r };
    if (endpoint !== undefined) {
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        throw new UsageError(`--endpoint: not a URL: "${endpoint}"`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new UsageError(`--endpoint must be an http:// or https:// URL, not "${endpoint}"`);
      }
      args.forward.endpoint = endpoint;
    }
  } else if (region !== undefined || endpoint !== undefined) {
    throw new UsageError("--region and --endpoint only apply with --forward");
  }
  return args;
}
