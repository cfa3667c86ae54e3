// A build step's output, less the lines that only look like problems. Binaryen's optimizer (inside
// asc) says "Last converge was suboptimal." when its fixed-point loop stops early: a note about how
// far it optimized, not a fault in the output, and a person reading the build would take it for
// one. Everything else the step prints is passed on (to stderr), and a failure still fails.
import { spawnSync } from "node:child_process";

export const NOT_A_PROBLEM = [/^Last converge was suboptimal\.$/];

/** The lines of `text` worth showing: not blank, not one of NOT_A_PROBLEM. */
export function linesWorthShowing(text) {
  return text.split(/\r?\n/).filter((line) => line.trim() !== "" && !NOT_A_PROBLEM.some((re) => re.test(line.trim())));
}

/** Runs `cmd args` in `cwd`, prints what is worth showing, throws when it fails. */
export function runQuietly(cwd, cmd, args, write = (text) => process.stderr.write(text)) {
  const result = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const kept = linesWorthShowing(`${result.stdout ?? ""}\n${result.stderr ?? ""}`);
  if (kept.length > 0) write(`${kept.join("\n")}\n`);
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
}
