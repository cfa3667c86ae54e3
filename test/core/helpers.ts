import { createXRay, MemoryEmitter, Tracer, type Logger, type TracerOptions } from "../../adapters/host/index.ts";

/** A logger that keeps what it was told. */
export function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (m: string) => void messages.push(m) };
}

/** A tracer on its own core with a memory emitter and a recording logger; samples everything. */
export function setup(options: TracerOptions = {}) {
  const x = createXRay();
  const emitter = new MemoryEmitter();
  const logger = recordingLogger();
  const tracer = new Tracer({ xray: x, emitter, logger, sampler: { shouldSample: () => ({ sampled: true, rule: "test" }) }, ...options });
  return { x, emitter, logger, tracer };
}

export const ROOT = "1-5759e988-bd862e3fe1be46a994272793";
export const PARENT = "53995c3f42cd8ad8";
export const SAMPLED = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
