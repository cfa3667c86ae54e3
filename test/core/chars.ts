/**
 * Characters that must never reach a propagated trace header, by class, and fast-check
 * arbitraries of hostile header text. Shared by the core, fetch and aws-sdk tests.
 */
import fc from "fast-check";

/** Samples of each class (written out, not generated), including each class's edges. */
export const HOSTILE: Readonly<Record<string, readonly string[]>> = {
  CR: ["\r"],
  LF: ["\n"],
  NUL: ["\0"],
  C0: ["\x01", "\x08", "\t", "\x0b", "\x0c", "\x1b", "\x1f"],
  DEL: ["\x7f"],
  C1: ["\x80", "\x85", "\x9f"],
  "Latin-1": ["\xa0", "é", "\xff"],
  "BMP non-Latin-1": ["\u0100", "日", "\u2028", "\ufeff", "\uffff"],
  astral: ["\u{1f600}", "\u{10ffff}"],
  "lone surrogate": ["\ud800", "\udfff"],
};

/** What every header xray-edge writes must match: visible ASCII and space. */
export const VISIBLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The longest header xray-edge writes: `Root=` + 35, `;Parent=` + 16, `;Sampled=1`,
 * `;Lineage=` + 256, and 256 bytes of extras (README "Trace headers").
 */
export const MAX_PROPAGATED = 5 + 35 + 8 + 16 + 10 + 9 + 256 + 256;

const hostileChar = fc.constantFrom(...Object.values(HOSTILE).flat());
const asciiChar = fc.constantFrom(..."abcXYZ019 :|-_.;=".split(""));

/** Field text mixing visible ASCII (separators included) with every hostile class. */
export const hostileText = (maxLength = 24) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: asciiChar }, { weight: 1, arbitrary: hostileChar }), { maxLength }).map((a) => a.join(""));

/** Field text of visible ASCII only (separators included). */
export const asciiText = (maxLength = 24) => fc.array(asciiChar, { maxLength }).map((a) => a.join(""));

const hex8 = fc.stringMatching(/^[0-9a-f]{8}$/);

/** Lineages in AWS's forms, near misses, and hostile text (a 7 KB one too). */
export const lineage = fc.oneof(
  fc.tuple(fc.nat(40000), hex8, fc.nat(300)).map(([a, h, b]) => `${a}:${h}:${b}`),
  fc.array(fc.tuple(hex8, fc.nat(99999)), { minLength: 1, maxLength: 20 }).map((l) => l.map(([h, n]) => `${h}:${n}`).join("|")),
  hostileText(),
  fc.constant("a87bd80c:1|".repeat(640)),
);

/** `;Lineage=…;key=value…;Self=…` after Root, Parent and Sampled, keys and values from `text`. */
const fieldsOf = (text: (maxLength: number) => fc.Arbitrary<string>, lineages: fc.Arbitrary<string>) =>
  fc
    .tuple(
      fc.option(lineages, { nil: undefined }),
      fc.array(fc.tuple(text(12), text(40)), { maxLength: 8 }),
      fc.option(text(24), { nil: undefined }),
    )
    .map(([lin, extras, self]) => {
      let s = lin === undefined ? "" : `;Lineage=${lin}`;
      for (const [k, v] of extras) s += `;${k}=${v}`;
      return self === undefined ? s : `${s};Self=${self}`;
    });

/** Fields with hostile keys, values, Lineage and Self. */
export const hostileFields = fieldsOf(hostileText, lineage);
/** Fields of visible ASCII only: what pass-through may forward as it is (when within budget). */
export const asciiFields = fieldsOf(asciiText, fc.oneof(lineage, asciiText()));
