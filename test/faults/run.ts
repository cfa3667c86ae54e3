/**
 * Runs a fixture of test/faults/fixtures as a real process on Node, Bun or Deno (each from npm),
 * with an environment free of the shell's tracing variables plus the case's own.
 */
import { spawn } from "node:child_process";

export const RUNTIMES = ["node", "bun", "deno"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

const COMMANDS: Record<RuntimeName, string[]> = {
  node: [process.execPath],
  bun: ["node_modules/.bin/bun", "run"],
  deno: ["node_modules/.bin/deno", "run", "-A"],
};

export interface Ran {
  code: number | null;
  /** The fixture's one JSON line, parsed. */
  result: any;
  stderr: string;
}

/** Generous: a cold Deno on a loaded 2-core machine; the limit only bounds a hung child. */
const TIMEOUT_MS = 60_000;

export function runFixture(runtime: RuntimeName, fixture: string, args: string[], env: Record<string, string>): Promise<Ran> {
  const childEnv: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(childEnv)) if (/^(AWS_|_X_AMZN|_HANDLER$|LAMBDA_|POWERTOOLS_)/.test(key)) delete childEnv[key];
  // npm test sets FORCE_COLOR=0; beside NO_COLOR, Node warns on stderr, which the rows compare.
  delete childEnv.FORCE_COLOR;
  Object.assign(childEnv, env);
  const [cmd, ...pre] = COMMANDS[runtime];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...pre, `test/faults/fixtures/${fixture}`, ...args], {
      env: childEnv as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${runtime} ${fixture} did not exit within ${TIMEOUT_MS} ms\n${err}`));
    }, TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").pop() ?? "";
      let result: unknown;
      try {
        result = JSON.parse(last);
      } catch {
        return reject(new Error(`${runtime} ${fixture} printed no JSON line (exit ${code})\nstdout: ${out}\nstderr: ${err}`));
      }
      resolve({ code, result, stderr: err });
    });
  });
}
