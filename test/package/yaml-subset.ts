/**
 * A reader for the YAML that examples/sam/template.yaml is written in, for its test (no YAML
 * parser is installed): block mappings and sequences by indentation (spaces), plain, single- and
 * double-quoted scalars, comments, and CloudFormation's short tags `!Ref`, `!GetAtt`, `!Sub` as
 * their long forms (`{ Ref }`, `{ "Fn::GetAtt": [resource, attribute] }`, `{ "Fn::Sub" }`).
 * Anything else (flow collections, anchors, multi-line scalars, tabs, other tags) throws naming
 * the line: the test then fails instead of reading the template wrongly.
 */

interface Line {
  indent: number;
  text: string;
  /** 1-based, for messages. */
  number: number;
}

export class YamlSubsetError extends Error {
  override name = "YamlSubsetError";
}

/** The text before a comment: a `#` at the start or after a space, outside quotes. */
function stripComment(text: string, number: number): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || text[i - 1] === " ")) return text.slice(0, i).trimEnd();
  }
  if (quote) throw new YamlSubsetError(`line ${number}: an unclosed quote`);
  return text.trimEnd();
}

function lines(source: string): Line[] {
  const out: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    const number = i + 1;
    if (/^\s*\t/.test(raw)) throw new YamlSubsetError(`line ${number}: a tab in the indentation`);
    const text = stripComment(raw, number);
    if (text.trim() === "") return;
    if (text.trim() === "---") return;
    out.push({ indent: text.length - text.trimStart().length, text: text.trim(), number });
  });
  return out;
}

function scalar(text: string, number: number): unknown {
  const tag = /^!(\w+)\s+(.+)$/.exec(text);
  if (tag) {
    const value = scalar(tag[2]!, number);
    if (typeof value !== "string") throw new YamlSubsetError(`line ${number}: !${tag[1]} takes a scalar`);
    if (tag[1] === "Ref") return { Ref: value };
    if (tag[1] === "Sub") return { "Fn::Sub": value };
    if (tag[1] === "GetAtt") {
      const dot = value.indexOf(".");
      if (dot <= 0) throw new YamlSubsetError(`line ${number}: !GetAtt takes Resource.Attribute`);
      return { "Fn::GetAtt": [value.slice(0, dot), value.slice(dot + 1)] };
    }
    throw new YamlSubsetError(`line ${number}: the tag !${tag[1]} is not read here`);
  }
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new YamlSubsetError(`line ${number}: a double-quoted scalar must end the line`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new YamlSubsetError(`line ${number}: a single-quoted scalar must end the line`);
    return text.slice(1, -1).replaceAll("''", "'");
  }
  if (/^[[{&*|>!%@`]/.test(text)) throw new YamlSubsetError(`line ${number}: "${text}" is not read here (flow, anchor, block or tag)`);
  if (text === "true" || text === "false") return text === "true";
  if (text === "null" || text === "~") return null;
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'#][^:]*?):(?:\s+(.*))?$/;

class Reader {
  private i = 0;
  constructor(private readonly all: Line[]) {}

  document(): unknown {
    if (this.all.length === 0) return null;
    const value = this.block(this.all[0]!.indent);
    const rest = this.all[this.i];
    if (rest) throw new YamlSubsetError(`line ${rest.number}: indentation does not match anything above`);
    return value;
  }

  private block(indent: number): unknown {
    const first = this.all[this.i]!;
    return first.text === "-" || first.text.startsWith("- ") ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.all[this.i]; line && line.indent === indent; line = this.all[this.i]) {
      if (line.text.startsWith("- ")) break;
      const m = KEY.exec(line.text);
      if (!m) throw new YamlSubsetError(`line ${line.number}: expected "key: value", got "${line.text}"`);
      const rawKey = m[1]!;
      const key = rawKey.startsWith('"') || rawKey.startsWith("'") ? String(scalar(rawKey, line.number)) : rawKey.trim();
      if (Object.hasOwn(out, key)) throw new YamlSubsetError(`line ${line.number}: "${key}" given twice`);
      this.i++;
      const rest = m[2];
      if (rest !== undefined && rest !== "") {
        out[key] = scalar(rest, line.number);
        continue;
      }
      const next = this.all[this.i];
      if (next && next.indent > indent) out[key] = this.block(next.indent);
      // A sequence may sit at its key's own indentation.
      else if (next && next.indent === indent && (next.text === "-" || next.text.startsWith("- "))) out[key] = this.sequence(indent);
      else out[key] = null;
    }
    return out;
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.all[this.i]; line && line.indent === indent; line = this.all[this.i]) {
      if (!(line.text === "-" || line.text.startsWith("- "))) break;
      const rest = line.text === "-" ? "" : line.text.slice(2).trim();
      if (rest === "") {
        this.i++;
        const next = this.all[this.i];
        out.push(next && next.indent > indent ? this.block(next.indent) : null);
      } else if (KEY.test(rest) && !rest.startsWith("!")) {
        // `- key: value` opens a mapping whose keys line up with `key`.
        const inner = indent + (line.text.length - rest.length);
        this.all[this.i] = { indent: inner, text: rest, number: line.number };
        out.push(this.mapping(inner));
      } else {
        this.i++;
        out.push(scalar(rest, line.number));
      }
    }
    return out;
  }
}

/** The value of `source`, read as the subset above; throws YamlSubsetError naming the line. */
export function parseYamlSubset(source: string): unknown {
  return new Reader(lines(source)).document();
}
