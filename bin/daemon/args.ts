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
  --trace-timeout-ms N
                     print a trace not finished N ms after its first document as
                     incomplete, and drop it, however busy it is (default 60000)
  --max-memory SIZE  the budget for what the daemon holds (open traces and, with
                     --forward, documents waiting to be sent); beyond it the oldest
                     traces are printed as incomplete and dropped. SIZE: bytes, or a
                     number with kb, mb or gb (1 kb = 1024 bytes) (default 64mb)
  --receive-buffer SIZE
                     the UDP receive buffer to ask the kernel for (default 8mb; the
                     kernel may give less: the buffer obtained is printed at start)
  --forward          also send every valid document to X-Ray (PutTraceSegments),
                     using the usual AWS credentials
  --region R         the X-Ray region for --forward (default: $AWS_REGION)
  --endpoint URL     a different X-Ray endpoint for --forward (e.g. a local stand-in)
  --forward-timeout-ms N
                     give up on a PutTraceSegments request after N ms (default 5000);
                     a timed-out request is retried like a network error
  --sampling-rules FILE
                     serve centralized sampling on the TCP address (POST /GetSamplingRules,
                     POST /SamplingTargets, as AWS's daemon proxies them) from FILE: X-Ray's
                     form ({"SamplingRuleRecords": [...]}) or a local rules document
                     (versions 1 and 2); without it, X-Ray's default rule (1/s, then 5%)
  --quiet            no per-datagram messages (violations, drops, kernel drops) on stderr
  -h, --help         show this help

Status lines ("listening on ...", the receive buffer, violations, the kernel's drops for the
socket, the summary) go to stderr; stdout carries only the waterfalls or the JSON lines.
SIGINT/SIGTERM print the unfinished traces and a summary, exit 0.
The waterfall fits the terminal width ($COLUMNS, else 100, when stdout is not a terminal): labels
and what follows a bar are cut, never wrapped. Each row shows the call it records (AWS operation
and resource, HTTP method, path and status). It is coloured when stdout is a terminal, NO_COLOR is
unset and TERM is not "dumb", or when FORCE_COLOR is set.
`;

export interface DaemonArgs {
  address?: string;
  json: boolean;
  quiet: boolean;
  settleMs: number;
  traceTimeoutMs: number;
  maxMemoryBytes: number;
  receiveBufferBytes: number;
  forward?: { region: string; endpoint?: string; requestTimeoutMs: number };
  /** The rules served on the TCP address. */
  samplingRules?: string;
  help: boolean;
}

export const DEFAULT_SETTLE_MS = 1000;
export const DEFAULT_TRACE_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_MEMORY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;
export const DEFAULT_FORWARD_TIMEOUT_MS = 5000;

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** `64mb`, `512kb`, `1g`, `65536` (bytes) → bytes, within [min, max]; else a UsageError naming `flag`. */
export function parseByteSize(flag: string, text: string, min: number, max: number): number {
  const m = /^(\d{1,15})\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max) {
    throw new UsageError(
      `${flag} must be a size from ${min} bytes to ${max / 1024 ** 3} gb: bytes, or a number with kb, mb or gb, not "${text}"`,
    );
  }
  return bytes;
}

/** A whole number of milliseconds within [1, max]; else a UsageError naming `flag`. */
function parseMs(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${flag} must be a whole number of milliseconds from 1 to ${max}, not "${text}"`);
  }
  return n;
}

export { UsageError };

const VALUE_OPTIONS = new Set([
  "--address",
  "--sampling-rules",
  "--region",
  "--endpoint",
  "--settle-ms",
  "--trace-timeout-ms",
  "--max-memory",
  "--receive-buffer",
  "--forward-timeout-ms",
]);
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
    settleMs: DEFAULT_SETTLE_MS,
    traceTimeoutMs: DEFAULT_TRACE_TIMEOUT_MS,
    maxMemoryBytes: DEFAULT_MAX_MEMORY_BYTES,
    receiveBufferBytes: DEFAULT_RECEIVE_BUFFER_BYTES,
    help: flags.has("--help"),
  };
  const address = values.get("--address");
  if (address !== undefined) args.address = address;
  const samplingRules = values.get("--sampling-rules");
  if (samplingRules !== undefined) args.samplingRules = samplingRules;

  const settle = values.get("--settle-ms");
  if (settle !== undefined) args.settleMs = parseMs("--settle-ms", settle, 3_600_000);
  const timeout = values.get("--trace-timeout-ms");
  if (timeout !== undefined) args.traceTimeoutMs = parseMs("--trace-timeout-ms", timeout, 86_400_000);
  const memory = values.get("--max-memory");
  if (memory !== undefined) args.maxMemoryBytes = parseByteSize("--max-memory", memory, 1024, 64 * 1024 ** 3);
  const buffer = values.get("--receive-buffer");
  if (buffer !== undefined) args.receiveBufferBytes = parseByteSize("--receive-buffer", buffer, 1024, 1024 ** 3);

  const region = values.get("--region");
  const endpoint = values.get("--endpoint");
  const forwardTimeout = values.get("--forward-timeout-ms");
  if (flags.has("--forward")) {
    const r = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!r) throw new UsageError("--forward needs --region R (or AWS_REGION)");
    if (!/^[a-z0-9-]{1,64}$/.test(r)) throw new UsageError(`--region: not a region name: "${r}"`);
    const requestTimeoutMs =
      forwardTimeout === undefined ? DEFAULT_FORWARD_TIMEOUT_MS : parseMs("--forward-timeout-ms", forwardTimeout, 600_000);
    args.forward = { region: r, requestTimeoutMs };
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
  } else if (region !== undefined || endpoint !== undefined || forwardTimeout !== undefined) {
    throw new UsageError("--region, --endpoint and --forward-timeout-ms only apply with --forward");
  }
  return args;
}
