/**
 * Text the daemon writes about single documents: the `--json` line and the violation lines on
 * stderr. Both work on any document, however large, deep or oddly typed.
 */
import type { Inspected } from "./datagram.ts";
import { escapeControls, escapeJsonControls } from "./terminal.ts";

type DocumentResult = Extract<Inspected, { kind: "document" }>;

const MAX_VIOLATION_LINES = 20;

function clip(value: unknown, width: number): string {
  const text = typeof value === "string" ? value : String(value);
  const clean = escapeControls(text);
  return clean.length > width ? `${clean.slice(0, width - 1)}…` : clean;
}

/** `subsegment 53995c3f42cd8ad8 "name"`, from whatever of type/id/name the document has. */
export function describeDocument(doc: Record<string, unknown> | undefined): string {
  if (!doc) return "document";
  const kind = doc.type === "subsegment" ? "subsegment" : "segment";
  const id = typeof doc.id === "string" ? ` ${clip(doc.id, 40)}` : " (no id)";
  const name = typeof doc.name === "string" ? ` ${JSON.stringify(clip(doc.name, 60))}` : "";
  return `${kind}${id}${name}`;
}

/** One stderr line per violation (at most 20, then a count). */
export function violationLines(result: DocumentResult): string[] {
  const what = describeDocument(result.document);
  const lines = result.violations.slice(0, MAX_VIOLATION_LINES).map((v) => {
    const path = typeof v?.path === "string" && v.path !== "" ? `${clip(v.path, 120)}: ` : "";
    return `invalid ${what}: ${path}${clip(v?.message, 300)}`;
  });
  const more = result.violations.length - MAX_VIOLATION_LINES;
  if (more > 0) lines.push(`invalid ${what}: and ${more} more violations`);
  return lines;
}

/**
 * `{"received":…,"valid":…,"violations":[…],"document":{…}}` and a newline. The document is
 * re-serialised; one too deep for JSON.stringify is embedded as the text that was received (it
 * parsed, so it is JSON: raw tabs and line breaks can only be whitespace between tokens there).
 * Either way no control or bidi character is left raw (see terminal.ts).
 */
export function jsonLine(received: number, result: DocumentResult): string {
  const violations = result.violations.map((v) => ({ path: String(v?.path ?? ""), message: String(v?.message ?? "") }));
  const head = { received, valid: result.violations.length === 0, violations };
  if (result.document === undefined) return `${escapeJsonControls(JSON.stringify(head))}\n`;
  try {
    return `${escapeJsonControls(JSON.stringify({ ...head, document: result.document }))}\n`;
  } catch {
    const raw = result.text.replace(/[\t\r\n]+/g, " ");
    return `${escapeJsonControls(`${JSON.stringify(head).slice(0, -1)},"document":${raw}}`)}\n`;
  }
}
