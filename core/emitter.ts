/**
 * The transport contract every adapter implements (`xray-edge/udp`, the in-memory emitter, the
 * X-Ray API emitter). The tracer hands over complete daemon datagrams: the header line
 * `{"format": "json", "version": 1}`, `\n`, then one segment document as UTF-8 JSON.
 */
export interface Emitter {
  /**
   * Takes one datagram. The view points into the core's memory and is only valid during the call:
   * an emitter that sends later must copy it. Must never throw.
   */
  send(datagram: Uint8Array): void;
  /** Resolves when every datagram handed to `send` so far has been sent or counted as failed. */
  flush(): Promise<void>;
}

/** The bytes before the document in every datagram, as the X-Ray daemon expects them. */
export const DAEMON_HEADER = '{"format": "json", "version": 1}\n';

/** Keeps copies of every datagram, for tests and local inspection. */
export class MemoryEmitter implements Emitter {
  readonly datagrams: Uint8Array[] = [];

  send(datagram: Uint8Array): void {
    this.datagrams.push(datagram.slice());
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** The datagrams as text. */
  texts(): string[] {
    const decoder = new TextDecoder();
    return this.datagrams.map((d) => decoder.decode(d));
  }

  /** The documents, parsed (the header line removed). Throws if a datagram is malformed. */
  documents(): Record<string, any>[] {
    return this.texts().map((text) => {
      if (!text.startsWith(DAEMON_HEADER)) throw new Error(`datagram without the daemon header: ${text.slice(0, 60)}`);
      return JSON.parse(text.slice(DAEMON_HEADER.length));
    });
  }

  clear(): void {
    this.datagrams.length = 0;
  }
}
