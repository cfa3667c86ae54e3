/** Where xray-edge reports what it refused or could not do. Never throws into the caller. */
export interface Logger {
  warn(message: string): void;
}

export const consoleLogger: Logger = {
  warn(message) {
    console.warn(`[xray-edge] ${message}`);
  },
};

/** Kinds remembered at most: a source whose errors carry no code could make every message a kind of its own. */
const MAX_KINDS = 64;

/** Says each kind of problem once (per tracer, per transport): tracing must not flood the program's logs. */
export class Warnings {
  private readonly said = new Set<string>();
  constructor(private readonly logger: Logger) {}

  once(kind: string, message: string): void {
    if (this.said.has(kind) || this.said.size >= MAX_KINDS) return;
    this.said.add(kind);
    try {
      this.logger.warn(message);
    } catch {
      // a failing logger must not break tracing either
    }
  }
}
