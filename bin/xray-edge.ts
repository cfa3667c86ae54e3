#!/usr/bin/env node
/**
 * `xray-edge <command> [options]`: a small dispatcher. Each command is one entry in `commands`,
 * loaded only when it runs; add a command by adding an entry.
 * Exit codes: whatever the command returns; 2 for an unknown command or no command; 1 for a failure
 * no command caught, said as one line (XRAY_EDGE_DEBUG=1 adds the stack: a person reads this).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "./layer/package-root.ts";

interface Command {
  /** One line for `xray-edge --help`. */
  summary: string;
  /** Runs the command with the arguments after its name; resolves with the exit code. */
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  daemon: {
    summary: "local X-Ray daemon: validates segments and prints traces as waterfalls",
    run: async (argv) => (await import("./daemon/cli.ts")).runDaemonCommand(argv),
  },
  invoke: {
    summary: "local Lambda Runtime API emulator: runs a runtime on events, prints each result",
    run: async (argv) => (await import("./invoke/cli.ts")).runInvokeCommand(argv),
  },
  layer: {
    summary: "build Lambda layer zips (node, bun, deno)",
    run: async (argv) => (await import("./layer/cli.ts")).runLayerCommand(argv),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const list = Object.entries(commands)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join("\n");
  return `Usage: xray-edge <command> [options]

Commands:
${list}

Run "xray-edge <command> --help" for a command's options; "xray-edge --version" for the version.
`;
}

/** The version in the package's own package.json (found from this file: bin/ or dist/bin/). */
function version(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`xray-edge: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Let pending output flush; leave even if a library keeps a handle open.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    const debug = process.env.XRAY_EDGE_DEBUG === "1";
    const text = err instanceof Error ? ((debug ? err.stack : undefined) ?? err.message) : String(err);
    process.stderr.write(`xray-edge: ${text.replace(/^xray-edge: /, "")}\n`);
    process.exit(1);
  },
);
