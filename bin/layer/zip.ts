/**
 * Zip archives for the layers, through fflate. Entries carry Unix modes (Lambda runs `bootstrap`
 * only if the zip marks it executable) and a fixed date, so the same inputs give the same bytes.
 */
import { zipSync, type Zippable } from "fflate";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface ZipEntry {
  /** Path inside the archive, with `/`. */
  name: string;
  data: Uint8Array;
  /** Unix permission bits: 0o644 for files, 0o755 for executables. */
  mode: number;
  /**
   * Deflate level, default 9. The runtime binaries take 6: on Bun 1.4.5's x64 binary (107 MB),
   * level 9 saves 26 kB (0.05%) and takes 1.4 times as long (bench/layers.mjs --options).
   */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/**
 * Lambda's limit for a zip uploaded directly (PublishLayerVersion or UpdateFunctionCode with the
 * zip in the request, not from S3): documented as 50 MB, enforced as a request of at most
 * 69,905,067 bytes, the base64 of 50 MiB.
 */
export const DIRECT_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;

/** 1980-01-01, the earliest date a zip holds: a reproducible timestamp. */
const FIXED_DATE = new Date(1980, 0, 1);
/** S_IFREG: a regular file, in the high half of the external attributes (made by Unix). */
const REGULAR_FILE = 0o100000;

export function zipEntries(entries: readonly ZipEntry[]): Uint8Array {
  const tree: Zippable = {};
  for (const e of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    tree[e.name] = [e.data, { mtime: FIXED_DATE, os: 3, attrs: ((REGULAR_FILE | e.mode) << 16) >>> 0, level: e.level ?? 9 }];
  }
  return zipSync(tree);
}

/**
 * Creates `dir` and its missing parents one level at a time. Not mkdirSync's `recursive`: on a
 * path under /proc (where mkdir says ENOENT for a folder whose parent exists) Node 20's recursive
 * mkdir never returns; this says ENOENT, and ENOTDIR for a file on the way.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/** Writes the archive, creating its folder; returns its size in bytes. */
export function writeZip(file: string, entries: readonly ZipEntry[]): number {
  const bytes = zipEntries(entries);
  makeDirs(path.dirname(file));
  writeFileSync(file, bytes);
  return bytes.length;
}
