/**
 * For the in-process tests of xray-edge/sdk-core: a UDP socket standing for the daemon (pointed
 * at with setDaemonAddress), the documents it received, a wait for a condition, and a logger that
 * keeps what it was told.
 */
import dgram from "node:dgram";

export interface Daemon {
  address: string;
  documents: Record<string, any>[];
  /** Resolves when `count` documents arrived (more than 10 s: rejects). */
  received(count: number): Promise<Record<string, any>[]>;
  close(): void;
}

export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function daemon(): Promise<Daemon> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const documents: Record<string, any>[] = [];
  socket.on("message", (m) => {
    const text = m.toString("utf8");
    documents.push(JSON.parse(text.slice(text.indexOf("\n") + 1)));
  });
  return {
    address: `127.0.0.1:${socket.address().port}`,
    documents,
    async received(count) {
      await until(() => documents.length >= count, `${count} documents (got ${documents.length})`);
      return documents;
    },
    close: () => socket.close(),
  };
}

export interface Said {
  level: string;
  message: string;
}

export function recordingLogger(said: Said[]) {
  const at = (level: string) => (message: unknown) => void said.push({ level, message: String(message) });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
