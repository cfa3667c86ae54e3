/**
 * `xray-edge invoke …`: a thin layer over startEmulator — parses the arguments, picks the runtime
 * command, queues every event at once (so they run in order on one runtime process, as warm
 * invocations do, or N at a time with --concurrency), prints a streamed response's chunks as they
 * arrive and each result as it ends, then a summary.
 * Exit codes: 0 when every invocation succeeded, 1 otherwise (or when the emulator cannot start),
 * 2 for a usage mistake, 130 after SIGINT/SIGTERM.
 */
import { existsSync } from "node:fs";
import { INVOKE_USAGE, UsageError, parseInvokeArgs, type InvokeArgs } from "./args.ts";
import { startEmulator, type InvocationResult } from "./emulator.ts";
import { formatResult, jsonLine, summaryLine } from "./report.ts";
import { executionEnvironment } from "./environment.ts";
import { bootstrapScript, findRuntime, ownPackageRoot, runtimeCommand } from "./runtime-command.ts";

/** The runtime command, or a message saying what is missing. */
function resolveCommand(args: InvokeArgs): string[] | string {
  if (args.bootstrap !== undefined) return [args.bootstrap];
  let root: string;
  try {
    root = ownPackageRoot();
  } catch (e) {
    return (e as Error).message;
  }
  if (!existsSync(bootstrapScript(root))) return `${bootstrapScript(root)} not found: build the package first (npm run build)`;
  const runtime = args.runtime ?? "node";
  if (runtime === "node") return runtimeCommand("node", root);
  try {
    const found = findRuntime(runtime, {
      root,
      from: [args.taskRoot, process.cwd()],
      onFetch: (what, dir) => {
        if (!args.quiet)
          process.stderr.write(`xray-edge invoke: no ${runtime} in node_modules/.bin or on PATH: fetching ${what} from npm into ${dir}\n`);
      },
    });
    return runtimeCommand(runtime, root, process.execPath, found.file);
  } catch (e) {
    return `--runtime ${runtime}: ${(e as Error).message}`;
  }
}

function withExecutionEnv(args: InvokeArgs): Record<string, string> {
  const value = executionEnvironment(args.bootstrap !== undefined ? "bootstrap" : (args.runtime ?? "node"));
  return value === undefined ? { ...args.env } : { AWS_EXECUTION_ENV: value, ...args.env };
}

export async function runInvokeCommand(argv: readonly string[]): Promise<number> {
  let args: InvokeArgs;
  try {
    args = parseInvokeArgs(argv);
  } catch (e) {
    process.stderr.write(`xray-edge invoke: ${e instanceof Error ? e.message : String(e)}\n`);
    if (e instanceof UsageError) process.stderr.write('Run "xray-edge invoke --help" for the options.\n');
    return 2;
  }
  if (args.help) {
    process.stdout.write(INVOKE_USAGE);
    return 0;
  }
  const command = resolveCommand(args);
  if (typeof command === "string") {
    process.stderr.write(`xray-edge invoke: ${command}\n`);
    return 1;
  }

  // A closed pipe on stdout (e.g. `| head`) must not end the run with an unhandled error.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});

  // A streamed body need not end its line: the next result starts on a line of its own.
  let midLine = false;
  const printChunk = (_requestId: string, chunk: Buffer): void => {
    process.stdout.write(chunk);
    midLine = chunk.length > 0 && chunk[chunk.length - 1] !== 0x0a;
  };
  const print = (text: string): void => {
    process.stdout.write(midLine ? `\n${text}` : text);
    midLine = false;
  };

  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({
      command,
      // What Lambda sets for the runtime the function would have there; --env still wins.
      env: withExecutionEnv(args),
      taskRoot: args.taskRoot,
      ...(args.handler !== undefined ? { handler: args.handler } : {}),
      functionName: args.functionName,
      memoryMb: args.memoryMb,
      region: args.region,
      ...(args.daemonAddress !== undefined ? { daemonAddress: args.daemonAddress } : {}),
      tracing: args.tracing,
      ...(args.sampled !== undefined ? { sampled: args.sampled } : {}),
      timeoutMs: args.timeoutMs,
      quiet: args.quiet,
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      // The JSON line carries the whole body; the text output shows it as it comes.
      ...(args.json ? {} : { onChunk: printChunk }),
    });
  } catch (e) {
    process.stderr.write(`xray-edge invoke: cannot start the Runtime API: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const running = emulator;

  let signalled = false;
  const interrupted = new Promise<number>((resolve) => {
    const onSignal = (): void => {
      signalled = true;
      process.stderr.write("xray-edge invoke: interrupted\n");
      void running.close().finally(() => resolve(130));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });

  const work = (async (): Promise<number> => {
    const invokeOptions = {
      ...(args.clientContext !== undefined ? { clientContext: args.clientContext } : {}),
      ...(args.cognitoIdentity !== undefined ? { cognitoIdentity: args.cognitoIdentity } : {}),
      ...(args.traceHeader !== undefined ? { upstreamHeader: args.traceHeader } : {}),
    };
    const pending = args.events.map((event) => running.invoke(event, invokeOptions));
    // Closing on a signal rejects what is left; those are not errors to report.
    for (const p of pending) p.catch(() => {});
    // Printed as each ends: in order one at a time, in any order under --concurrency.
    const results: InvocationResult[] = await Promise.all(
      pending.map((p, i) =>
        p.then((result) => {
          print(args.json ? jsonLine(result) : formatResult(result, i + 1, pending.length));
          return result;
        }),
      ),
    );
    await running.close();
    if (!args.quiet) process.stderr.write(`${summaryLine(results)}\n`);
    return results.every((r) => r.status === "success") ? 0 : 1;
  })();

  // After a signal, `work` fails on the rejected invocations: the signal's exit code stands.
  return Promise.race([work.catch((e: unknown) => (signalled ? 130 : Promise.reject(e))), interrupted]);
}
