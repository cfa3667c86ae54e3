/**
 * Deno: send(2) through FFI where it is granted on Linux (deno-ffi.ts); else Deno.listenDatagram
 * when the process runs with --unstable-net; else node:dgram. Measured here (Deno 2.9, 20,000
 * datagrams of 1 kB to a local listener, .tmp/deno-udp.ts in the session that chose this):
 * Deno.listenDatagram 6.8-7.1 µs a datagram, node:dgram 38-55 µs. The socket is only ever sent on
 * (never received from), so no pending operation keeps Deno alive.
 */
import type { DaemonEndpoint } from "./address.ts";
import { Accounting, udpEmitter, type UdpEmitter } from "./accounting.ts";
import { createNodeUdpEmitter } from "./node.ts";
import { ffiTransport, type DenoFfiGlobal } from "./deno-ffi.ts";

interface DenoAddr {
  transport: "udp";
  hostname: string;
  port: number;
}
interface DenoDatagramConn {
  send(data: Uint8Array, to: DenoAddr): Promise<number>;
  close(): void;
}
export interface DenoGlobal extends DenoFfiGlobal {
  listenDatagram?(options: { transport: "udp"; hostname: string; port: number }): DenoDatagramConn;
}

export function createDenoUdpEmitter(to: DaemonEndpoint, deno: DenoGlobal): UdpEmitter {
  const accounting = new Accounting();
  const ffi = ffiTransport(to, deno, accounting);
  if (ffi) return udpEmitter(accounting, ffi);
  if (typeof deno.listenDatagram !== "function") return createNodeUdpEmitter(to);
  const target: DenoAddr = { transport: "udp", hostname: to.host, port: to.port };
  let conn: DenoDatagramConn | undefined;
  return udpEmitter(accounting, {
    send(datagram) {
      conn ??= deno.listenDatagram!({ transport: "udp", hostname: to.family === 6 ? "::" : "0.0.0.0", port: 0 });
      const copy = datagram.slice(); // sent later: the view is only valid during this call
      accounting.begin();
      conn.send(copy, target).then(
        () => accounting.done(copy.length),
        (error) => accounting.done(copy.length, error),
      );
    },
    close: () => conn?.close(),
  });
}
