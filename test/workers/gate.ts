/**
 * A proxy on 127.0.0.1 in front of the stand-in that holds every request until release(): while
 * it holds the Worker's PutTraceSegments call, the Worker's response can only have come first,
 * and the document can only arrive later if something (waitUntil) kept the request alive.
 */
import { createServer, request as forward } from "node:http";
import type { AddressInfo } from "node:net";

export interface Gate {
  url: string;
  /** Requests received and not yet forwarded. */
  held(): number;
  /** Holds the requests from now on, until release(). */
  hold(): void;
  /** Forwards the held requests, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

export async function startGate(target: string): Promise<Gate> {
  const to = new URL(target);
  const waiting: (() => void)[] = [];
  let open = true;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = () => {
        const out = forward({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.on("error", () => res.destroy());
        out.end(Buffer.concat(chunks));
      };
      if (open) send();
      else waiting.push(send);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => waiting.length,
    hold() {
      open = false;
    },
    release() {
      open = true;
      for (const send of waiting.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
