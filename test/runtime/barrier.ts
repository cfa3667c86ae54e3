/**
 * Handlers that wait for the test, not for time: a barrier answers its requests once `count` of
 * them have arrived (so invocations get past it only if they run at once), a gate once the test
 * opens it. A small node:http server on 127.0.0.1.
 */
import { createServer, type Server, type ServerResponse } from "node:http";

export class WaitServer {
  private readonly parked = new Map<string, ServerResponse[]>();
  private readonly opened = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<WaitServer> {
    let self: WaitServer | undefined;
    const server = createServer((req, res) => self!.arrive(new URL(req.url ?? "/", "http://x"), res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    self = new WaitServer(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    return self;
  }

  /** Requests to it wait until `count` have come. */
  barrier(name: string, count: number): string {
    return `${this.origin}/barrier/${encodeURIComponent(name)}?count=${count}`;
  }

  /** Requests to it wait until open(name). */
  gate(name: string): string {
    return `${this.origin}/gate/${encodeURIComponent(name)}`;
  }

  /** How many requests wait at `name` now. */
  waiting(name: string): number {
    return this.parked.get(name)?.length ?? 0;
  }

  open(name: string): void {
    this.opened.add(name);
    this.release(name);
  }

  async close(): Promise<void> {
    for (const list of this.parked.values()) for (const res of list) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private arrive(url: URL, res: ServerResponse): void {
    const [, kind, raw] = url.pathname.split("/");
    const name = decodeURIComponent(raw ?? "");
    const list = this.parked.get(name) ?? [];
    list.push(res);
    this.parked.set(name, list);
    if (kind === "barrier" && list.length >= Number(url.searchParams.get("count"))) this.open(name);
    else if (this.opened.has(name)) this.release(name);
  }

  private release(name: string): void {
    for (const res of this.parked.get(name)?.splice(0) ?? []) res.end("open");
  }
}
