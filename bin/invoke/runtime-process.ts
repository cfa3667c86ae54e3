/**
 * One runtime process (what Lambda calls the runtime in an execution environment): spawned in a
 * process group of its own, so that a kill also reaches whatever a bootstrap script started (a
 * shell that runs `node …` without exec would otherwise leave node polling the API). Its stdout and
 * stderr are handed on line by line.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The spawn itself failed (no such file, not executable): the OS error's message. */
  spawnError?: string;
}

export interface RuntimeProcess {
  pid: number | undefined;
  /** Resolves once, when the process has exited or could not be started. */
  exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** SIGKILL to the whole process group. */
  kill(): void;
}

export interface SpawnOptions {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Called with each complete line of output (without its newline); the rest when it exits. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

export function spawnRuntime(options: SpawnOptions): RuntimeProcess {
  const [file, ...args] = options.command;
  if (file === undefined) throw new Error("the runtime command is empty");
  let child: ChildProcess;
  let settle!: (info: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => (settle = resolve));
  let done = false;
  const finish = (info: ExitInfo): void => {
    if (done) return;
    done = true;
    settle(info);
  };

  try {
    child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  } catch (e) {
    // Synchronous failures (e.g. a bad cwd type) are reported like asynchronous ones.
    finish({ code: null, signal: null, spawnError: e instanceof Error ? e.message : String(e) });
    return { pid: undefined, exited, hasExited: () => true, kill: () => {} };
  }

  for (const stream of ["stdout", "stderr"] as const) {
    let partial = "";
    // Node leaves the pipes out when the spawn fails for lack of descriptors (EMFILE, ENFILE); the
    // 'error' event below reports that failure.
    const source = child[stream];
    if (!source) continue;
    source.setEncoding("utf8");
    source.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onLine?.(line.endsWith("\r") ? line.slice(0, -1) : line, stream);
    });
    source.on("end", () => {
      if (partial !== "") options.onLine?.(partial, stream);
      partial = "";
    });
  }
  child.on("error", (e) => finish({ code: null, signal: null, spawnError: e.message }));
  child.on("exit", (code, signal) => {
    // Whatever the runtime started and left behind goes with it, as with a Lambda sandbox.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Nothing left in the group.
    }
    finish({ code, signal });
  });

  return {
    pid: child.pid,
    exited,
    hasExited: () => done,
    kill: () => {
      if (done || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is gone already (or never formed): kill the process itself.
        child.kill("SIGKILL");
      }
    },
  };
}

/**
 * Signals as Lambda names them: its Runtime API is written in Go, whose signal names these are
 * ("signal: killed" is how an out-of-memory kill or a timeout reads in a Lambda log).
 */
const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGBUS: "bus error",
  SIGFPE: "floating point exception",
  SIGILL: "illegal instruction",
  SIGINT: "interrupt",
  SIGHUP: "hangup",
  SIGQUIT: "quit",
  SIGPIPE: "broken pipe",
  SIGTRAP: "trace/breakpoint trap",
  SIGUSR1: "user defined signal 1",
  SIGUSR2: "user defined signal 2",
};

/** How Lambda words a runtime's end in Runtime.ExitError messages. */
export function describeExit(info: ExitInfo): string {
  if (info.spawnError !== undefined) return info.spawnError;
  if (info.signal) return `Runtime exited with error: signal: ${SIGNAL_WORDS[info.signal] ?? info.signal}`;
  if (info.code === 0) return "Runtime exited without providing a reason";
  return `Runtime exited with error: exit status ${info.code}`;
}
