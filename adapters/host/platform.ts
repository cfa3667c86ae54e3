/**
 * The host runtime's platform for the core: the cheapest good clock, the OS CSPRNG by its fastest
 * door, the working directory, and file reading where there are files. Each is looked up on first
 * use, so importing the package costs nothing, and each falls back to the web-standard default
 * where the runtime lacks it (workerd, browsers). The core itself touches none of this.
 */
import type { Clock, Platform } from "../../core/index.ts";

type Builtins = { getBuiltinModule?: (id: string) => any };
type Globals = { process?: Builtins & { hrtime?: { bigint?: () => bigint }; cwd?: () => string }; Bun?: unknown; Deno?: unknown };

const g = globalThis as Globals;

/** A Node built-in where the runtime has `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno). */
function builtin(id: string): any {
  try {
    return g.process?.getBuiltinModule?.(id);
  } catch {
    return undefined;
  }
}

/**
 * On Node, process.hrtime.bigint from a Date.now() base: perf_hooks initializes on first touch
 * (2.3 ms of cold start) and performance.now() costs 95 ns a call against 57 ns for hrtime. On
 * Bun and Deno performance.now() is the cheaper one.
 */
function pickClock(): Clock {
  const hr = g.process?.hrtime?.bigint;
  if (typeof hr === "function" && g.Bun === undefined && g.Deno === undefined) {
    const base = Date.now() / 1000;
    const start = hr();
    return () => base + Number(hr() - start) / 1e9;
  }
  if (typeof performance !== "undefined" && typeof performance.now === "function" && performance.timeOrigin > 0) {
    const origin = performance.timeOrigin;
    return () => (origin + performance.now()) / 1000;
  }
  return () => Date.now() / 1000;
}

let clock: Clock = () => (clock = pickClock())();

const MAX_ENTROPY_CALL = 65536;

/**
 * On Node, the kernel's CSPRNG read from /dev/urandom through node:fs, which Node loaded at
 * start: in a fresh ESM process loading node:crypto for randomFillSync costs 2-5 ms, and the
 * first crypto.getRandomValues (Web Crypto's initialization) about as much, where opening
 * /dev/urandom costs 0.08 ms (bench/startup.mjs prints each). Then node:crypto's randomFillSync,
 * then getRandomValues, in the chunks it accepts. Bun and Deno go straight to getRandomValues:
 * theirs costs nothing to start, and Deno would ask for a read permission.
 */
function pickEntropy(): (bytes: Uint8Array<ArrayBuffer>) => void {
  if (g.Bun === undefined && g.Deno === undefined) {
    const fs = builtin("node:fs");
    try {
      const fd: number = fs.openSync("/dev/urandom", "r");
      return (bytes) => {
        for (let at = 0; at < bytes.length; ) {
          const n = fs.readSync(fd, bytes, at, bytes.length - at, null);
          if (!(n > 0)) throw new Error("/dev/urandom gave no bytes");
          at += n;
        }
      };
    } catch {
      // no /dev/urandom here (or no fs): the next door
    }
    const fill = builtin("node:crypto")?.randomFillSync;
    if (typeof fill === "function") return (bytes) => void fill(bytes);
  }
  return (bytes) => {
    for (let i = 0; i < bytes.length; i += MAX_ENTROPY_CALL) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + MAX_ENTROPY_CALL)));
    }
  };
}

let entropy: (bytes: Uint8Array<ArrayBuffer>) => void = (bytes) => (entropy = pickEntropy())(bytes);

/** `process.cwd()` where the runtime has one (workerd's answers "/bundle"). */
function workingDirectory(): string | undefined {
  try {
    const dir = g.process?.cwd?.();
    return typeof dir === "string" ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** node:fs's readFileSync where the runtime has files; undefined elsewhere (rules as objects then). */
function fileReader(): ((path: string) => string) | undefined {
  const fs = builtin("node:fs");
  if (typeof fs?.readFileSync !== "function") return undefined;
  return (path) => fs.readFileSync(path, "utf8");
}

/** The host's platform. Made once, when the default core (or a createXRay) is first made. */
export function hostPlatform(): Platform {
  return {
    clock: () => clock(),
    entropy: (bytes) => entropy(bytes),
    workingDirectory,
    readTextFile: fileReader(),
  };
}
