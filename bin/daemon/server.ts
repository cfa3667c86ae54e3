/**
 * `startDaemon`: the UDP listener behind `xray-edge daemon`, usable from code and tests. It
 * receives datagrams, drops those without the daemon header, validates every document, reports
 * violations, prints traces as waterfalls (or one JSON line per document) and optionally forwards
 * valid documents to X-Ray. No datagram can make it throw.
 */
import dgram from "node:dgram";
import { parseDaemonAddress } from "../../adapters/udp/address.ts";
import { DEFAULT_MAX_MEMORY_BYTES, DEFAULT_RECEIVE_BUFFER_BYTES, DEFAULT_SETTLE_MS, DEFAULT_TRACE_TIMEOUT_MS } from "./args.ts";
import { Assembler, type AssembledTrace, type Incomplete } from "./assembler.ts";
import { inspectDatagram, type Inspected } from "./datagram.ts";
import { Forwarder, xraySender, type ForwardOptions, type ForwardStats, type SendBatch } from "./forwarder.ts";
import { jsonLine, violationLines } from "./report.ts";
import { readSocketDrops } from "./socket-drops.ts";
import { escapeControls } from "./terminal.ts";
import { renderTrace, useColor } from "./waterfall.ts";

export interface DaemonAddress {
  host: string;
  port: number;
  family: 4 | 6;
}

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface DaemonOptions {
  /** The same forms as AWS_XRAY_DAEMON_ADDRESS, or a parsed address; default: that variable, else 127.0.0.1:2000. */
  address?: string | DaemonAddress;
  /** One JSON line per document instead of waterfalls. */
  json?: boolean;
  /** No per-datagram messages on stderr. */
  quiet?: boolean;
  /** Quiet period after which an unfinished trace is printed (default 1000 ms). */
  settleMs?: number;
  /** A trace not finished this long after its first document is printed as incomplete and dropped (default 60 s). */
  traceTimeoutMs?: number;
  /**
   * The budget for what the daemon holds, in bytes (default 64 MiB): open traces, and with
   * `forward` a quarter of it for the documents waiting to be sent.
   */
  maxMemoryBytes?: number;
  forward?: ForwardOptions & { send?: SendBatch };
  /** Where waterfalls / JSON lines go (default process.stdout). */
  stdout?: Output;
  /** Where violations and notices go (default process.stderr). */
  stderr?: Output;
  /** Colours in the waterfall; default: stdout is a TTY and NO_COLOR unset, or FORCE_COLOR set. */
  color?: boolean;
  /** Called with every trace when it is printed (finished, settled or flushed on stop). */
  onTrace?: (trace: AssembledTrace) => void;
  /** Called with every datagram after it has been looked at. */
  onDatagram?: (result: Inspected, received: number) => void;
  /** UDP receive buffer to ask the kernel for (default 8 MiB; the kernel may cap it). */
  receiveBufferBytes?: number;
  /** How often the kernel's drops for the socket are read, to report new ones on stderr (default 1000 ms). */
  dropsPollMs?: number;
}

export interface DaemonStats {
  /** Datagrams received. */
  received: number;
  /** Datagrams without an accepted header line, or with nothing after it. */
  dropped: number;
  /** Documents (datagrams with a header), valid or not. */
  documents: number;
  valid: number;
  /** Documents with at least one violation (including unparsable JSON). */
  invalid: number;
  /** Traces printed (or handed to onTrace). */
  traces: number;
  /** Of those, printed before they finished, for any of the reasons below. */
  unfinished: number;
  /** Unfinished traces by why they were printed: quiet for settleMs, past traceTimeoutMs, evicted over the budget, open at stop. */
  quiet: number;
  timedOut: number;
  evicted: number;
  stopped: number;
  /** Estimated bytes held: open traces (and the forwarding queue). */
  heldBytes: number;
  /** The kernel's drops for the socket (its receive buffer was full); undefined where unknown. */
  kernelDrops: number | undefined;
  /** Traces still being assembled. */
  openTraces: number;
  /** Internal errors caught while handling a datagram (should stay 0). */
  errors: number;
  forward?: ForwardStats;
}

export interface DaemonHandle {
  address: DaemonAddress;
  /** The receive buffer asked for, and the size the kernel reports having given (Linux doubles it for its bookkeeping). */
  receiveBuffer: { requested: number; obtained: number | undefined };
  /** Reads the kernel's drops for the socket now (the stats() figure is refreshed every dropsPollMs). */
  readKernelDrops(): Promise<number | undefined>;
  stats(): DaemonStats;
  /** Closes the socket, prints the unfinished traces, drains the forwarding queue. */
  stop(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonHandle> {
  const requested = typeof options.address === "object" ? options.address : parseDaemonAddress(options.address).udp;
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const color = options.color ?? useColor(out);
  const json = options.json === true;
  const quiet = options.quiet === true;
  // Lines on stderr may quote a document or an HTTP answer: no control character gets through.
  const log = (line: string): void => void err.write(`${escapeControls(line)}\n`);
  const counts = {
    received: 0,
    dropped: 0,
    documents: 0,
    valid: 0,
    invalid: 0,
    traces: 0,
    unfinished: 0,
    quiet: 0,
    timedOut: 0,
    evicted: 0,
    stopped: 0,
    errors: 0,
  };
  const countReason: Record<Incomplete, keyof typeof counts> = {
    quiet: "quiet",
    "timed out": "timedOut",
    evicted: "evicted",
    stopped: "stopped",
  };
  const maxMemory = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  const forwardShare = options.forward ? Math.floor(maxMemory / 4) : 0;
  let warnedEvicting = false;

  const onTrace = (trace: AssembledTrace): void => {
    counts.traces++;
    if (!trace.finished) counts.unfinished++;
    if (trace.incomplete) counts[countReason[trace.incomplete]]++;
    if (trace.incomplete === "evicted" && !warnedEvicting && !quiet) {
      warnedEvicting = true;
      log(
        `xray-edge daemon: holding more than --max-memory (${maxMemory - forwardShare} bytes for traces): the oldest open traces are printed as incomplete and dropped`,
      );
    }
    try {
      if (!json) out.write(renderTrace(trace, { columns: out.columns ?? columnsFromEnv(), color }));
      options.onTrace?.(trace);
    } catch (e) {
      counts.errors++;
      log(`xray-edge daemon: internal error printing trace ${trace.traceId}: ${String(e)}`);
    }
  };
  const assembler = new Assembler({
    settleMs: options.settleMs ?? DEFAULT_SETTLE_MS,
    traceTimeoutMs: options.traceTimeoutMs ?? DEFAULT_TRACE_TIMEOUT_MS,
    maxBytes: maxMemory - forwardShare,
    onTrace,
  });

  let forwarder: Forwarder | undefined;
  let destroySender = (): void => {};
  if (options.forward) {
    let send = options.forward.send;
    if (!send) {
      const sender = await xraySender(options.forward.region, options.forward.endpoint);
      send = sender.send;
      destroySender = sender.destroy;
    }
    forwarder = new Forwarder({ maxQueueBytes: forwardShare, ...options.forward }, send, log);
  }

  const handle = (datagram: Uint8Array): void => {
    const now = Date.now();
    counts.received++;
    const result = inspectDatagram(datagram);
    if (result.kind === "dropped") {
      counts.dropped++;
      if (json) out.write(`${JSON.stringify({ received: now, dropped: result.reason })}\n`);
      if (!quiet) log(`dropped datagram of ${datagram.length} bytes: ${result.reason}`);
    } else {
      counts.documents++;
      const valid = result.violations.length === 0;
      if (valid) counts.valid++;
      else counts.invalid++;
      if (!valid && !quiet) for (const line of violationLines(result)) log(line);
      if (json) out.write(jsonLine(now, result));
      if (result.document) assembler.add(result.document, !valid);
      if (valid) forwarder?.push(result.text);
    }
    options.onDatagram?.(result, now);
  };

  const socket = dgram.createSocket({ type: requested.family === 6 ? "udp6" : "udp4" });
  socket.on("message", (message) => {
    try {
      handle(message);
    } catch (e) {
      counts.errors++;
      log(`xray-edge daemon: internal error on a datagram: ${String(e)}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(requested.port, requested.host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", (e) => log(`xray-edge daemon: socket error: ${e.message}`));
  // AWS's daemon keeps the system's default (212,992 bytes on Linux): a burst beyond it is lost in
  // the kernel. Ask for more; the kernel caps it at net.core.rmem_max (doubled) without an error.
  const receiveBuffer = {
    requested: options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES,
    obtained: undefined as number | undefined,
  };
  try {
    socket.setRecvBufferSize(receiveBuffer.requested);
  } catch {
    // Refused outright: the default buffer still works, and `obtained` says what it is.
  }
  try {
    receiveBuffer.obtained = socket.getRecvBufferSize();
  } catch {
    // Not known on this system.
  }
  const bound = socket.address();
  const address: DaemonAddress = { host: requested.host, port: bound.port, family: requested.family };

  // The counter is the socket's own: it starts at 0 when the socket is made.
  let kernelDrops: number | undefined;
  const readKernelDrops = async (): Promise<number | undefined> => {
    const total = await readSocketDrops(address);
    if (total === undefined) return kernelDrops;
    const previous = kernelDrops ?? 0;
    kernelDrops = total;
    if (kernelDrops > previous && !quiet) {
      log(
        `xray-edge daemon: the kernel dropped ${kernelDrops - previous} datagrams (${kernelDrops} in all): the receive buffer (${receiveBuffer.obtained ?? "?"} bytes) was full`,
      );
    }
    return kernelDrops;
  };
  await readKernelDrops();
  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    void readKernelDrops().finally(() => (polling = false));
  }, options.dropsPollMs ?? 1000);
  poll.unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(poll);
      // The socket's line in /proc/net/udp goes with the socket: read the last figure first.
      await readKernelDrops();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      assembler.flushAll();
      assembler.close();
      if (forwarder) {
        await forwarder.drain(options.forward?.drainMs ?? 10_000);
        destroySender();
      }
    })());

  const stats = (): DaemonStats => {
    const s: DaemonStats = { ...counts, openTraces: assembler.openTraces, heldBytes: assembler.heldBytes, kernelDrops };
    if (forwarder) {
      s.forward = forwarder.stats();
      s.heldBytes += s.forward.heldBytes;
    }
    return s;
  };
  return { address, receiveBuffer, readKernelDrops, stats, stop };
}

/** The width when stdout is not a terminal: $COLUMNS, else 100. */
function columnsFromEnv(): number {
  const n = Number(process.env.COLUMNS);
  return Number.isInteger(n) && n >= 40 && n <= 1000 ? n : 100;
}

/** `udp 127.0.0.1:2000` / `udp [::1]:2000`. */
export function formatAddress(address: DaemonAddress): string {
  return `udp ${address.family === 6 ? `[${address.host}]` : address.host}:${address.port}`;
}
