/**
 * An assembled trace as terminal text: a header line, then one line per segment/subsegment indented
 * by depth, with its offset from the trace start, its duration, a bar scaled to the terminal width,
 * the call's detail (AWS operation and resource, HTTP method, path and status), its annotations and
 * markers (!fault, !error, !throttle, …in progress, !invalid). Every line fits `columns`: labels
 * and what follows the bar are cut (with "…"), never left for the terminal to wrap mid-word.
 */
import type { AssembledTrace } from "./assembler.ts";
import { Preformatted, formatJsonValue } from "./compact.ts";
import { escapeControls } from "./terminal.ts";
import type { TraceNode } from "./tree.ts";

export interface RenderOptions {
  /** Terminal width; defaults to 100. */
  columns?: number;
  color?: boolean;
}

const ESC = "\u001b[";
const paint = (on: boolean, code: string, text: string): string => (on ? `${ESC}${code}m${text}${ESC}0m` : text);

/**
 * Colours when stdout is a terminal, NO_COLOR is unset and TERM is not `dumb` (a terminal that
 * says it has no escape sequences), or when FORCE_COLOR is set (not "0").
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

/** What the header says of a trace printed before it finished, by why it was printed. */
const STATE: Record<NonNullable<AssembledTrace["incomplete"]>, string> = {
  quiet: " (unfinished)",
  stopped: " (unfinished)",
  "timed out": " (incomplete: not completed within --trace-timeout-ms, dropped)",
  evicted: " (incomplete: evicted, over --max-memory)",
};

const ms = (seconds: number): string => (seconds * 1000).toFixed(1);
const MAX_INDENT_DEPTH = 24;
const MAX_ANNOTATIONS_SHOWN = 10;

/** An annotation value as shown after the bar; document text, so controls are escaped. */
export function formatValue(value: unknown): string {
  return escapeControls(formatRaw(value));
}

function formatRaw(value: unknown): string {
  if (typeof value === "string")
    return /^[\w.:/@+-]{1,80}$/.test(value) ? value : JSON.stringify(value.length > 80 ? `${value.slice(0, 79)}…` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  if (value instanceof Preformatted) return value.text;
  return formatJsonValue(value);
}

/**
 * Document text cut to `width` columns, controls escaped first so that the escapes count too, and
 * never inside an escape: a cut `\u0…` would say nothing of the character it stood for.
 */
export function truncate(text: string, width: number): string {
  const clean = escapeControls(text);
  if (clean.length <= width) return clean;
  let cut = Math.max(0, width - 1);
  const at = clean.lastIndexOf("\\u", cut - 1);
  if (at >= 0 && at + 6 > cut && /^\\u[0-9a-f]{4}/.test(clean.slice(at, at + 6))) cut = at;
  return `${clean.slice(0, cut)}…`;
}

function flatten(roots: TraceNode[]): Array<[TraceNode, number]> {
  const out: Array<[TraceNode, number]> = [];
  const stack: Array<[TraceNode, number]> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push([roots[i]!, 0]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    out.push([node, depth]);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push([node.children[i]!, depth + 1]);
  }
  return out;
}

/** The narrowest bar drawn, and the columns each row spends besides label, bar and tail. */
const MIN_BAR = 8;
/** Space, 21 columns of timing, space, the two '|'. */
const FIXED = 25;

export function renderTrace(trace: AssembledTrace, options: RenderOptions = {}): string {
  const color = options.color === true;
  const columns = Math.max(40, options.columns ?? 100);
  const t0 = trace.start;
  const total = t0 !== undefined && trace.end !== undefined ? Math.max(0, trace.end - t0) : undefined;
  const state = trace.finished ? "" : STATE[trace.incomplete ?? "quiet"];
  const late = trace.late ? " (late documents)" : "";
  const omitted = trace.omitted > 0 ? `, ${trace.omitted} nodes not shown` : "";
  const docs = `${trace.documents} document${trace.documents === 1 ? "" : "s"}`;
  const timing = `  ${total === undefined ? "?" : ms(total)} ms`;
  const head = [`trace ${truncate(trace.traceId, 100)}`, timing, `  ${docs}`, omitted, state, late];
  const lines = headerLines(head, columns).map((line) => paint(color, "1", line));

  const rows = flatten(trace.roots);
  const labels = rows.map(([node, depth]) => "  ".repeat(Math.min(depth, MAX_INDENT_DEPTH)) + escapeControls(node.name));
  const extras = rows.map(([node]) => extrasOf(node));
  const extrasWidth = Math.max(0, ...extras.map((parts) => parts.reduce((n, [text]) => n + 1 + text.length, 0)));
  // Labels take up to 40 columns; on a narrow terminal fewer, so that the bar keeps MIN_BAR and,
  // when rows have extras, those get as many columns as the labels.
  const spare = columns - FIXED - MIN_BAR;
  const labelCap = Math.min(40, extrasWidth > 0 ? Math.max(10, Math.floor(spare / 2)) : spare);
  const labelWidth = Math.max(6, Math.min(spare, labelCap, Math.max(10, ...labels.map((l) => l.length))));
  // The bar gives its room to the extras down to a third of it, and further (to MIN_BAR: it still
  // shows where each call sits) for what matters most, markers, causes and the call's detail;
  // what does not fit then is cut, annotations first.
  const room = columns - labelWidth - FIXED;
  const importantWidth = Math.max(
    0,
    ...extras.map((parts) => parts.reduce((n, [text, , rank]) => n + (rank < 2 ? 1 + text.length : 0), 0)),
  );
  const barWidth = Math.max(MIN_BAR, Math.min(room, Math.max(room - extrasWidth, Math.floor(room / 3)), room - importantWidth));
  const tailWidth = columns - labelWidth - FIXED - barWidth;

  rows.forEach(([node], i) => {
    const label = truncate(labels[i] ?? node.name, labelWidth).padEnd(labelWidth);
    const offset = node.start !== undefined && t0 !== undefined ? `+${ms(node.start - t0)}` : "?";
    const end = node.end ?? (node.inProgress ? trace.end : undefined);
    const duration = node.start !== undefined && end !== undefined ? `${ms(Math.max(0, end - node.start))} ms` : "? ms";
    const bar = drawBar(node, t0, total, barWidth, color);
    const tail = fitTail(extras[i] ?? [], tailWidth - 1, color);
    const name = node.fault ? paint(color, "31", label) : node.error ? paint(color, "33", label) : label;
    const timing = `${offset.padStart(9)} ${duration.padStart(11)}`;
    lines.push(`${name} ${timing} |${bar}|${tail ? " " + tail : ""}`);
  });
  return lines.join("\n") + "\n";
}

/**
 * The header's parts (the first, then the notes that start with a space or a comma) on as few
 * lines as fit `columns`: a note that does not fit starts a line of its own, indented; any line
 * still too long is cut.
 */
function headerLines(parts: string[], columns: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of parts) {
    if (part === "") continue;
    if (line === "" || line.length + part.length <= columns) line += part;
    else {
      lines.push(line);
      line = `  ${part.replace(/^[ ,]+/, "")}`;
    }
  }
  lines.push(line);
  return lines.map((l) => truncate(l, columns));
}

/** What follows the bar, part by part: the text, its colour code, and how much it matters. */
type Part = [text: string, code: string | undefined, rank: Rank];
/** 0: markers and causes (what went wrong); 1: the call's detail; 2: annotations (the user's data). */
type Rank = 0 | 1 | 2;

/**
 * The parts after the bar within `width` columns, in their order, joined by spaces. When they do
 * not all fit, the ones that matter most are kept first (markers, then the detail, then the
 * annotations in order); the first that does not fit whole is cut with "…" and the rest dropped.
 */
function fitTail(parts: Part[], width: number, color: boolean): string {
  const chosen: Array<string | undefined> = parts.map(() => undefined);
  const order = parts.map((_, i) => i).sort((a, b) => parts[a]![2] - parts[b]![2] || a - b);
  let used = 0;
  for (const i of order) {
    const text = parts[i]![0];
    const gap = used > 0 ? 1 : 0;
    const left = width - used - gap;
    if (text.length <= left) {
      chosen[i] = text;
      used += gap + text.length;
      continue;
    }
    if (left >= 4) chosen[i] = `${text.slice(0, left - 1)}…`;
    break;
  }
  return parts
    .map(([, code], i) => {
      const text = chosen[i];
      return text === undefined ? undefined : code ? paint(color, code, text) : text;
    })
    .filter((t): t is string => t !== undefined)
    .join(" ");
}

/** What follows the bar: the call's detail, annotations, then markers; each with its colour and rank. */
function extrasOf(node: TraceNode): Part[] {
  const parts: Part[] = [];
  if (node.detail !== undefined) parts.push([truncate(node.detail, 80), "36", 1]);
  const shown = node.annotations.slice(0, MAX_ANNOTATIONS_SHOWN);
  for (const [key, value] of shown) parts.push([`${truncate(key, 40)}=${formatValue(value)}`, undefined, 2]);
  if (node.annotations.length > shown.length) parts.push([`+${node.annotations.length - shown.length} more`, undefined, 2]);
  if (node.fault) parts.push(["!fault", "31;1", 0]);
  if (node.error) parts.push(["!error", "33;1", 0]);
  if (node.throttle) parts.push(["!throttle", "35;1", 0]);
  if (node.cause !== undefined) parts.push([`(${truncate(node.cause, 80)})`, "31", 0]);
  if (node.inProgress) parts.push(["…in progress", "36", 0]);
  if (node.invalid) parts.push(["!invalid", "33", 0]);
  if (node.missingParent !== undefined) parts.push([`(parent ${truncate(node.missingParent, 40)} not received)`, "2", 0]);
  return parts;
}

function drawBar(node: TraceNode, t0: number | undefined, total: number | undefined, width: number, color: boolean): string {
  if (node.start === undefined || t0 === undefined || total === undefined) return " ".repeat(width);
  const scale = total > 0 ? width / total : 0;
  const from = Math.min(width - 1, Math.max(0, Math.floor((node.start - t0) * scale)));
  const end = node.end;
  let length: number;
  if (end === undefined) length = width - from;
  else length = Math.max(1, Math.round(Math.max(0, end - node.start) * scale));
  length = Math.min(length, width - from);
  const fill = end === undefined ? (color ? "░" : "-") : color ? "█" : "=";
  const code = node.fault ? "31" : node.error ? "33" : node.throttle ? "35" : end === undefined ? "36" : "32";
  return " ".repeat(from) + paint(color, code, fill.repeat(length)) + " ".repeat(width - from - length);
}
