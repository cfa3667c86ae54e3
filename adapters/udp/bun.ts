/**
 * Bun.udpSocket: sends synchronously from the bytes it is given (no copy), connected so that a
 * missing listener is reported, unref'd so that it never keeps the process alive. Bun does not
 * resolve names here (it wants an IP address): other hosts go through node:dgram, which Bun has.
 */
import type { DaemonEndpoint } from "./address.ts";
import { Accounting, udpEmitter, type UdpEmitter } from "./accounting.ts";
import { createNodeUdpEmitter } from "./node.ts";

interface BunConnectedSocket {
  send(data: Uint8Array): boolean;
  close(): void;
  unref(): void;
}
interface BunGlobal {
  udpSocket(options: {
    connect: { hostname: string; port: number };
    socket?: { error?(socket: unknown, error: Error): void };
  }): Promise<BunConnectedSocket>;
}

const IP = /^(\d{1,3}\.){3}\d{1,3}$|:/;

export function createBunUdpEmitter(to: DaemonEndpoint, bun: BunGlobal): UdpEmitter {
  if (!IP.test(to.host)) return createNodeUdpEmitter(to);
  const accounting = new Accounting();
  let socket: BunConnectedSocket | undefined;
  /** Datagrams handed over before the socket exists are copied and sent when it does. */
  let queue: Uint8Array[] | undefined;
  const write = (s: BunConnectedSocket, datagram: Uint8Array) => {
    try {
      if (s.send(datagram)) accounting.done(datagram.length);
      else accounting.done(datagram.length, Object.assign(new Error("not sent"), { code: "EAGAIN" }));
    } catch (error) {
      accounting.done(datagram.length, error);
    }
  };
  const open = () => {
    queue = [];
    const opening = bun.udpSocket({
      connect: { hostname: to.host, port: to.port },
      socket: { error: (_s, error) => accounting.fail(error) },
    });
    accounting.track(opening);
    opening.then(
      (s) => {
        s.unref();
        socket = s;
        for (const d of queue ?? []) write(s, d);
        queue = undefined;
      },
      (error) => {
        for (const d of queue ?? []) accounting.done(d.length, error);
        queue = undefined;
      },
    );
  };
  return udpEmitter(accounting, {
    send(datagram) {
      if (!socket && !queue) open(); // may throw: nothing counted yet, so flush() cannot hang
      accounting.begin();
      if (socket) write(socket, datagram);
      else queue!.push(datagram.slice());
    },
    close: () => socket?.close(),
  });
}
