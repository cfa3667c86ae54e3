/**
 * `--memory`, enforced the way Lambda enforces it as far as this machine lets the emulator see:
 * Lambda caps the whole execution environment (a cgroup) and the kernel kills the runtime when it
 * goes over; the REPORT line gives the environment's peak as Max Memory Used.
 *
 * Here, on Linux, the emulator reads the peak resident set (VmHWM, from /proc/<pid>/status) of the
 * runtime process and of every process it started (found through /proc/<pid>/task/<pid>/children),
 * every POLL_MS, and kills the runtime's process group once their sum goes over the limit.
 *
 * Why this and not a heap limit (`--max-old-space-size`): a heap limit exists on Node and Deno
 * (V8) but not on Bun (JavaScriptCore), leaves out buffers, wasm memory and the runtime's own
 * memory, and fails differently on each runtime; the resident set is what a memory cgroup counts,
 * and is measured the same way for any runtime or --bootstrap. Why the peak and not the current
 * resident set: a peak between two samples is not missed (a spike that Lambda's cgroup would have
 * killed is killed here too, at the next sample), and Lambda's Max Memory Used is a peak as well.
 * The sum of the processes' peaks can exceed their peak together, when they peaked at different
 * times: it errs on the side of the limit. Elsewhere (no /proc), memory is neither enforced nor
 * reported, and the emulator says so once.
 */
import { readFileSync } from "node:fs";
import type { Sandbox } from "./invocation.ts";

/** How often the runtime's memory is read: the kill comes at most this late after the limit is passed. */
export const POLL_MS = 20;
/** Processes followed below the runtime (a bootstrap script, what it starts, theirs). */
const MAX_PROCESSES = 64;

const KIB_PER_MB = 1024;

/** VmHWM of one process in KiB, or undefined when it is gone (or there is no /proc). */
function processPeakKib(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1")
      .split(" ")
      .filter((s) => s !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/** The sum of the peak resident sets of `pid` and its descendants, in KiB; undefined when unmeasurable. */
export function processTreePeakKib(pid: number): number | undefined {
  const root = processPeakKib(pid);
  if (root === undefined) return undefined;
  let total = root;
  const seen = new Set([pid]);
  const pending = children(pid);
  while (pending.length > 0 && seen.size < MAX_PROCESSES) {
    const child = pending.shift()!;
    if (seen.has(child)) continue;
    seen.add(child);
    total += processPeakKib(child) ?? 0;
    pending.push(...children(child));
  }
  return total;
}

/** Whether this machine lets the emulator measure a process's memory. */
export const canMeasureMemory = (): boolean => processTreePeakKib(process.pid) !== undefined;

export interface MemoryWatch {
  /** The highest reading so far, in whole MB (rounded up, as a limit is checked), or undefined when none was possible. */
  peakMb(): number | undefined;
  /** Reads now (before a REPORT line, so that it includes the invocation's last moments). */
  sample(): void;
  stop(): void;
}

/**
 * Reads `pid`'s memory every POLL_MS until stopped; calls `onLimit(peakMb)` once, when the peak
 * goes over `limitMb`. The timer does not keep the emulator alive.
 */
export function watchMemory(pid: number, limitMb: number, onLimit: (peakMb: number) => void): MemoryWatch {
  let peakKib: number | undefined;
  let reported = false;
  const peakMb = (): number | undefined => (peakKib === undefined ? undefined : Math.ceil(peakKib / KIB_PER_MB));
  const sample = (): void => {
    const kib = processTreePeakKib(pid);
    if (kib === undefined) return;
    peakKib = Math.max(peakKib ?? 0, kib);
    if (!reported && peakKib > limitMb * KIB_PER_MB) {
      reported = true;
      onLimit(peakMb()!);
    }
  };
  sample();
  const timer = setInterval(sample, POLL_MS);
  timer.unref();
  return { peakMb, sample, stop: () => clearInterval(timer) };
}

/**
 * Watches a sandbox's runtime against `limitMb`: past it, the sandbox is marked out of memory
 * (its invocation then ends as Runtime.OutOfMemory) and its process group killed, as Lambda's
 * kernel would. A runtime already on its way out (timed out, failed init, closing) is left as it is.
 */
export function guardMemory(sb: Sandbox, limitMb: number, log: (line: string) => void): void {
  const { proc } = sb;
  if (proc.pid === undefined) return;
  sb.memory = watchMemory(proc.pid, limitMb, (usedMb) => {
    if (sb.doomed || proc.hasExited()) return;
    sb.outOfMemoryMb = usedMb;
    sb.doomed = true;
    log(`xray-edge invoke: runtime (pid ${proc.pid}) used ${usedMb} MB, over the ${limitMb} MB of --memory: killed`);
    proc.kill();
  });
}
