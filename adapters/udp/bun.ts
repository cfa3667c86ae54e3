/**
 * Bun.udpSocket: sends synchronously from the bytes it is given (no copy), connected so that a
 * missing listener is reported, unref'd so that it never keeps the process alive. It takes an IP
 * address only (link.ts resolves names first), and binds 0.0.0.0 unless told otherwise, which
 * cannot connect to an IPv6 daemon (EAFNOSUPPORT): an IPv6 daemon gets a socket bound to `::`.
 *
 * Measured on Bun 1.4 (a closed port on loopback): a send that meets the pending ICMP refusal
 * throws ECONNREFUSED (that datagram failed), and the error handler, `error(error)` with the socket
 * as `this`, is called once for every refused datagram, including those a throwing send already
 * reported. So only the handler counts `refusedLater` here: counting the throws too would count
 * each refusal twice.
 */
import type { DaemonEndpoint } from "./address.ts";
import { type Accounting, REFUSED, sendFailed } from "./accounting.ts";
import type { Link } from "./link.ts";

interface BunConnectedSocket {
  send(data: Uint8Array): boolean;
  close(): void;
  unref(): void;
}
export interface BunGlobal {
  udpSocket(options: {
    hostname?: string;
    connect: { hostname: string; port: number };
    socket?: { error?(error: Error): void };
  }): Promise<BunConnectedSocket>;
}

const notSent = (): Error => Object.assign(new Error("Bun's send returned false (the socket buffer is full)"), { code: "EAGAIN" });

export async function openBunSocket(to: DaemonEndpoint, bun: BunGlobal, accounting: Accounting): Promise<Link> {
  const s = await bun.udpSocket({
    ...(to.family === 6 ? { hostname: "::" } : {}),
    connect: { hostname: to.host, port: to.port },
    socket: {
      error(error) {
        if ((error as { code?: string } | undefined)?.code === REFUSED) accounting.refusedLater(error);
        else accounting.socketError(error);
      },
    },
  });
  s.unref();
  return {
    write(datagram) {
      try {
        if (s.send(datagram)) accounting.sent(datagram.length);
        else accounting.failed(notSent());
      } catch (error) {
        sendFailed(accounting, error, false);
      }
    },
    close: () => s.close(),
  };
}
