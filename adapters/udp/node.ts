/**
 * node:dgram: Node, and Deno's last fallback. The socket is connected, so that a missing listener
 * comes back as ECONNREFUSED, and unref'd, so that it never keeps the process alive. dgram sends
 * asynchronously and keeps its buffer until the callback, so the datagram (a view into wasm memory
 * valid only during send) is copied once.
 *
 * Datagrams go out in bursts (burst.ts): the first of a turn at once, the rest of that turn back
 * to back at its end, and whatever waits at process exit (a script's process.exit() after its
 * closes: no microtask runs then) is sent from the 'exit' event, synchronously.
 *
 * Linux keeps one pending error per socket: after an ICMP refusal, whichever comes first, the next
 * send (which then fails: that datagram is counted failed) or dgram's read (an 'error' event),
 * reports it, never both. Each report is one datagram already counted as sent: `refusedLater`.
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import type { DaemonEndpoint } from "./address.ts";
import { type Accounting, type Batch, REFUSED, sendFailed } from "./accounting.ts";
import { type Burst, burst } from "./burst.ts";
import type { Link } from "./link.ts";
import { isIp } from "./resolve.ts";

type LookupCallback = (error: Error | null, address: string, family: number) => void;

/**
 * The socket's lookup: the addresses it is given (the bind's 0.0.0.0 or ::, the daemon's, which
 * link.ts resolved before opening) are IP literals, answered here on the next tick, as node:dns
 * answers them. Without it dgram.createSocket loads node:dns, about 1.2 ms of a cold start that an
 * IP literal never needed. Anything else goes to node:dns, imported then. Always asynchronous,
 * as dgram expects of a lookup.
 */
function ipLookup(host: string, family: unknown, callback: LookupCallback): void {
  if (isIp(host)) {
    const ipFamily = host.includes(":") ? 6 : 4;
    queueMicrotask(() => callback(null, host, ipFamily));
    return;
  }
  import("node:dns").then(
    (dns) => dns.lookup(host, family as 4 | 6, callback),
    (error) => callback(error, "", 0),
  );
}

/** The open sockets' bursts, sent on the process's 'exit' event (one listener for all). */
const open = new Set<Burst<unknown>>();
let exitHooked = false;
function sendAtExit(b: Burst<unknown>): void {
  open.add(b);
  if (exitHooked) return;
  exitHooked = true;
  try {
    (globalThis as { process?: { on?(event: string, fn: () => void): void } }).process?.on?.("exit", () => {
      for (const each of open) each.now();
    });
  } catch {
    // no process events: a burst still leaves at the end of its turn
  }
}

export function openNodeSocket(to: DaemonEndpoint, accounting: Accounting): Promise<Link> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: to.family === 6 ? "udp6" : "udp4", lookup: ipLookup as never });
    let connected = false;
    s.on("error", (error: NodeJS.ErrnoException) => {
      if (!connected) return reject(error);
      if (error?.code === REFUSED) accounting.refusedLater(error);
      else accounting.socketError(error);
    });
    s.unref();
    // The callback gets the connection's error (dgram calls it with the lookup's or bind's error).
    s.connect(to.port, to.host, (error?: Error) => {
      if (error) {
        s.close();
        return reject(error);
      }
      connected = true;
      const one = ([copy, batch]: [Buffer, Batch]) => {
        try {
          s.send(copy, (e) => {
            if (e) sendFailed(accounting, e, true);
            else accounting.sent(copy.length);
            accounting.release(batch);
          });
        } catch (e) {
          sendFailed(accounting, e, true);
          accounting.release(batch);
        }
      };
      const sends = burst(one);
      sendAtExit(sends as Burst<unknown>);
      resolve({
        write(datagram) {
          // allocUnsafe (pooled under 4 kB) plus set (a memcpy): Buffer.from(view) copies element by
          // element and was 15% of a traced segment's end-to-end time.
          const copy = Buffer.allocUnsafe(datagram.length);
          copy.set(datagram);
          sends.add([copy, accounting.hold()], copy.length);
        },
        close: () => {
          sends.now(); // handed to the kernel before the close: their callbacks still come
          open.delete(sends as Burst<unknown>);
          s.close();
        },
      });
    });
  });
}
