/**
 * An assembled trace as terminal text: a header line, then one line per segment/subsegment indented
 * by depth, with its offset from the trace start, its duration, a bar scaled to the terminal width,
 * its annotations and markers (!fault, !error, !throttle, …in progress, !invalid).
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

/** Colours when stdout is a terminal and NO_COLOR is unset, or when FORCE_COLOR is set (not "0"). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
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

/** Document text cut to `width` columns, controls escaped first so that the escapes count too. */
function truncate(text: string, width: number): string {
  const clean = escapeControls(text);
  return clean.length > width ? `${clean.slice(0, Math.max(0, width - 1))}…` : clean;
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

export function renderTrace(trace: AssembledTrace, options: RenderOptions = {}): string {
  const color = options.color === true;
  const columns = Math.max(40, options.columns ?? 100);
  const t0 = trace.start;
  const total = t0 !== undefined && trace.end !== undefined ? Math.max(0, trace.end - t0) : undefined;
  const state = trace.finished ? "" : STATE[trace.incomplete ?? "quiet"];
  const late = trace.late ? " (late documents)" : "";
  const omitted = trace.omitted > 0 ? `, ${trace.omitted} nodes not shown` : "";
  const docs = `${trace.documents} document${trace.documents === 1 ? "" : "s"}`;
  const header = `trace ${truncate(trace.traceId, 100)}  ${total === undefined ? "?" : ms(total)} ms  ${docs}${omitted}${state}${late}`;
  const lines = [paint(color, "1", header)];

  const rows = flatten(trace.roots);
  const labels = rows.map(([node, depth]) => "  ".repeat(Math.min(depth, MAX_INDENT_DEPTH)) + escapeControls(node.name));
  const labelWidth = Math.min(40, Math.max(10, ...labels.map((l) => l.length)));
  const extras = rows.map(([node]) => extrasOf(node));
  const extrasWidth = Math.max(0, ...extras.map((parts) => parts.reduce((n, [text]) => n + 1 + text.length, 0)));
  // label, space, 21 columns of timing, space, the bar between two '|', then the extras: the bar
  // gives up to half of its room so that the extras fit on the line.
  const room = columns - labelWidth - 25;
  const barWidth = Math.max(10, room - Math.min(extrasWidth, Math.floor(room / 2)));

  rows.forEach(([node], i) => {
    const label = truncate(labels[i] ?? node.name, labelWidth).padEnd(labelWidth);
    const offset = node.start !== undefined && t0 !== undefined ? `+${ms(node.start - t0)}` : "?";
    const end = node.end ?? (node.inProgress ? trace.end : undefined);
    const duration = node.start !== undefined && end !== undefined ? `${ms(Math.max(0, end - node.start))} ms` : "? ms";
    const bar = drawBar(node, t0, total, barWidth, color);
    const tail = (extras[i] ?? []).map(([text, code]) => (code ? paint(color, code, text) : text)).join(" ");
    const name = node.fault ? paint(color, "31", label) : node.error ? paint(color, "33", label) : label;
    const timing = `${offset.padStart(9)} ${duration.padStart(11)}`;
    lines.push(`${name} ${timing} |${bar}|${tail ? " " + tail : ""}`);
  });
  return lines.join("\n") + "\n";
}

/** What follows the bar: annotations, then markers; each with its colour code (or none). */
function extrasOf(node: TraceNode): Array<[string, string?]> {
  const parts: Array<[string, string?]> = [];
  const shown = node.annotations.slice(0, MAX_ANNOTATIONS_SHOWN);
  for (const [key, value] of shown) parts.push([`${truncate(key, 40)}=${formatValue(value)}`]);
  if (node.annotations.length > shown.length) parts.push([`+${node.annotations.length - shown.length} more`]);
  if (node.fault) parts.push(["!fault", "31;1"]);
  if (node.error) parts.push(["!error", "33;1"]);
  if (node.throttle) parts.push(["!throttle", "35;1"]);
  if (node.cause !== undefined) parts.push([`(${truncate(node.cause, 80)})`, "31"]);
  if (node.inProgress) parts.push(["…in progress", "36"]);
  if (node.invalid) parts.push(["!invalid", "33"]);
  if (node.missingParent !== undefined) parts.push([`(parent ${truncate(node.missingParent, 40)} not received)`, "2"]);
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
