/**
 * The option scanner the `xray-edge` commands share: `--name value`, `--name=value`, flags, `-h`
 * as `--help`. Only the scanning: each command checks and converts its values itself.
 */

/** A mistake on the command line: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface OptionSpec {
  /** The command's name, for "unknown option for <command>". */
  command: string;
  /** Options that take a value. */
  values: ReadonlySet<string>;
  /** Options without a value (`-h` counts as `--help`). */
  flags: ReadonlySet<string>;
  /** Value options that may be given more than once; `'all'`: any may (the last is usually taken). */
  repeatable?: ReadonlySet<string> | "all";
}

export interface ScannedOptions {
  /** Each value option's values, in the order given. */
  values: Map<string, string[]>;
  flags: Set<string>;
}

/** Throws UsageError for an unknown option, a missing value, or a non-repeatable option given twice. */
export function scanOptions(argv: readonly string[], spec: OptionSpec): ScannedOptions {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.values.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`${name} needs a value`);
      const list = values.get(name) ?? [];
      if (list.length > 0 && spec.repeatable !== "all" && !spec.repeatable?.has(name)) throw new UsageError(`${name} given twice`);
      list.push(value);
      values.set(name, list);
    } else if (spec.flags.has(name) && eq < 0) {
      flags.add(name === "-h" ? "--help" : name);
    } else {
      throw new UsageError(`unknown option for ${spec.command}: ${arg}`);
    }
  }
  return { values, flags };
}
