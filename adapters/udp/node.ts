/**
 * node:dgram: Node, and Deno, where it needs no --unstable-net flag and measured faster than
 * Deno.listenDatagram (see deno-choice in the README's UDP section). The socket is connected, so
 * that a missing listener comes back as ECONNREFUSED and is counted, and unref'd, so that it never
 * keeps the process alive. dgram sends asynchronously and keeps its buffer until the callback, so
 * the datagram (a view into wasm memory valid only during send) is copied once.
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import type { DaemonEndpoint } from "./address.ts";
import { Accounting, socketClosed, udpEmitter, type UdpEmitter } from "./accounting.ts";

export function createNodeUdpEmitter(to: DaemonEndpoint): UdpEmitter {
  const accounting = new Accounting();
  let socket: dgram.Socket | undefined;
  let connected = false;
  /**
   * Datagrams handed over before the socket is connected: Node's send(buffer, callback) counts a
   * connecting socket as unconnected (the callback would be taken for a port), so they wait.
   */
  let queue: Buffer[] = [];
  const write = (s: dgram.Socket, copy: Buffer) => {
    try {
      s.send(copy, (error) => accounting.done(copy.length, error));
    } catch (error) {
      accounting.done(copy.length, error);
    }
  };
  const open = (): dgram.Socket => {
    const s = dgram.createSocket(to.family === 6 ? "udp6" : "udp4");
    s.on("error", (error) => {
      // Before the connection, the error is the connection's (an unresolvable host): the waiting
      // datagrams fail with it. After, errors come with each send's callback.
      if (!connected) {
        for (const copy of queue) accounting.done(copy.length, error);
        queue = [];
      } else accounting.fail(error);
    });
    s.connect(to.port, to.host, () => {
      connected = true;
      for (const copy of queue) write(s, copy);
      queue = [];
    });
    s.unref();
    return s;
  };
  return udpEmitter(accounting, {
    send(datagram) {
      socket ??= open();
      // allocUnsafe (pooled under 4 kB) plus set (a memcpy): Buffer.from(view) copies element by
      // element and was 15% of a traced segment's end-to-end time.
      const copy = Buffer.allocUnsafe(datagram.length);
      copy.set(datagram);
      accounting.begin();
      if (connected) write(socket, copy);
      else queue.push(copy);
    },
    close() {
      for (const copy of queue) accounting.done(copy.length, socketClosed());
      queue = [];
      socket?.close();
    },
  });
}
