/**
 * Text from a document on its way to a terminal. A document is hostile: a C1 control (CSI U+009B,
 * OSC U+009D, DCS U+0090) is an escape sequence to many terminals just as ESC [ is, and a bidi
 * override (U+202E) makes a line read as something it is not. So every such character is shown as
 * its `\uXXXX` escape, in the waterfall, in the lines on stderr and in the `--json` lines.
 */

/**
 * C0 controls and DEL, C1 controls, the bidi formatting characters (ALM, LRM, RLM, LRE…RLO,
 * LRI…PDI) and the line and paragraph separators (which some terminals and editors break lines at).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same without C0: JSON.stringify has already escaped C0 inside strings. */
const NOT_ESCAPED_BY_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const asEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** `text` with every control and bidi character written as `\uXXXX`: safe to print. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, asEscape);
}

/**
 * JSON text (as JSON.stringify writes it) made safe to print: the characters JSON.stringify leaves
 * raw become `\uXXXX` escapes. Outside strings JSON text is ASCII, so this only touches strings,
 * and the result is still valid JSON for the same value.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(NOT_ESCAPED_BY_JSON, asEscape);
}
