/**
 * Deno: send(2) through FFI where it is granted on Linux and the daemon is IPv4 (deno-ffi.ts); else
 * Deno.listenDatagram when the process runs with --unstable-net; else node:dgram. Measured here
 * (Deno 2.9, 20,000 datagrams of 1 kB to a local listener): Deno.listenDatagram 6.8-7.1 µs a
 * datagram, node:dgram 38-55 µs. The choice is made per opened socket, after a host name resolved,
 * since FFI takes IPv4 only. No socket is ever read, so no pending operation keeps Deno alive.
 */
import type { DaemonEndpoint } from "./address.ts";
import type { Accounting } from "./accounting.ts";
import { openFfiSocket, type DenoFfiGlobal } from "./deno-ffi.ts";
import type { Link } from "./link.ts";
import { openNodeSocket } from "./node.ts";

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
  permissions?: DenoFfiGlobal["permissions"] & { querySync?(descriptor: { name: "net"; host: string }): { state: string } };
}

/**
 * Deno's node:dgram binds in a later tick and throws NotCapable there, uncaught, when the process
 * may not use the network: it would crash the program. So the permission is queried (never
 * requested) first, and a refusal is this socket's failure to open.
 */
function mayUseNet(deno: DenoGlobal, to: DaemonEndpoint): boolean {
  const bind = to.family === 6 ? "[::]:0" : "0.0.0.0:0";
  const target = to.family === 6 ? `[${to.host}]:${to.port}` : `${to.host}:${to.port}`;
  const query = deno.permissions?.querySync;
  if (typeof query !== "function") return true;
  return [bind, target].every((host) => query.call(deno.permissions, { name: "net", host }).state === "granted");
}

export function openDenoSocket(to: DaemonEndpoint, deno: DenoGlobal, accounting: Accounting): Link | Promise<Link> {
  const ffi = openFfiSocket(to, deno, accounting);
  if (ffi) return ffi;
  if (typeof deno.listenDatagram !== "function") {
    if (!mayUseNet(deno, to)) throw Object.assign(new Error("Deno may not use the network here (run with --allow-net)"), { code: "EPERM" });
    return openNodeSocket(to, accounting);
  }
  const target: DenoAddr = { transport: "udp", hostname: to.host, port: to.port };
  const conn = deno.listenDatagram({ transport: "udp", hostname: to.family === 6 ? "::" : "0.0.0.0", port: 0 });
  return {
    write(datagram) {
      const copy = datagram.slice(); // sent later: the view is only valid during this call
      const batch = accounting.hold();
      // Unconnected: Deno reports no refusal here, so a missing daemon shows as sent.
      conn.send(copy, target).then(
        () => {
          accounting.sent(copy.length);
          accounting.release(batch);
        },
        (error) => {
          accounting.failed(error);
          accounting.release(batch);
        },
      );
    },
    close: () => conn.close(),
  };
}
