/**
 * The kernel's count of datagrams it dropped for one UDP socket (its receive buffer was full), which
 * neither the sender nor the receiving process otherwise sees. Linux shows it in /proc/net/udp and
 * /proc/net/udp6, in the `drops` column of the socket's line; elsewhere it is unknown (undefined).
 */
import { readFile } from "node:fs/promises";
import { isIPv4, isIPv6 } from "node:net";
import { endianness } from "node:os";

export interface BoundAddress {
  host: string;
  port: number;
  family: 4 | 6;
}

/** The column index of `drops` in /proc/net/udp{,6} (after sl, local, remote, st, queues, …, pointer). */
const DROPS_COLUMN = 12;

/** Reads the drops of the socket bound to `address`; undefined where the file or the line is missing. */
export async function readSocketDrops(address: BoundAddress): Promise<number | undefined> {
  const local = procLocalAddress(address);
  if (local === undefined) return undefined;
  let table: string;
  try {
    table = await readFile(address.family === 6 ? "/proc/net/udp6" : "/proc/net/udp", "utf8");
  } catch {
    return undefined;
  }
  return dropsFromTable(table, local);
}

/** The `drops` of the line whose local_address is `local` (as procLocalAddress writes it). */
export function dropsFromTable(table: string, local: string): number | undefined {
  for (const line of table.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.toUpperCase() !== local) continue;
    const drops = Number(fields[DROPS_COLUMN]);
    return Number.isSafeInteger(drops) && drops >= 0 ? drops : undefined;
  }
  return undefined;
}

/**
 * `0100007F:07D0` for 127.0.0.1:2000 on a little-endian host: the kernel prints the address as
 * 32-bit words in host byte order (`%08X` of each), the port as 4 hex digits.
 */
export function procLocalAddress(address: BoundAddress, order: "LE" | "BE" = endianness()): string | undefined {
  const bytes = address.family === 6 ? ipv6Bytes(address.host) : ipv4Bytes(address.host);
  if (!bytes || address.port < 0 || address.port > 0xffff) return undefined;
  let hex = "";
  for (let i = 0; i < bytes.length; i += 4) {
    const word = order === "LE" ? [bytes[i + 3], bytes[i + 2], bytes[i + 1], bytes[i]] : bytes.slice(i, i + 4);
    for (const b of word) hex += (b ?? 0).toString(16).padStart(2, "0");
  }
  return `${hex}:${address.port.toString(16).padStart(4, "0")}`.toUpperCase();
}

function ipv4Bytes(host: string): number[] | undefined {
  return isIPv4(host) ? host.split(".").map(Number) : undefined;
}

/** The 16 bytes of an IPv6 address (`::` and a trailing dotted IPv4 part expanded). */
function ipv6Bytes(host: string): number[] | undefined {
  const bare = host.replace(/%.*$/, ""); // a zone (fe80::1%eth0) is not part of the address
  if (!isIPv6(bare)) return undefined;
  // ::ffff:127.0.0.1 → ::ffff:7f00:1
  const text = bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((w) => w.toString(16)).join(":"),
  );
  const groups = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const gap = text.indexOf("::");
  const left = groups(gap < 0 ? text : text.slice(0, gap));
  const right = gap < 0 ? [] : groups(text.slice(gap + 2));
  const words = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (words.length !== 8 || words.some((w) => !(w >= 0 && w <= 0xffff))) return undefined;
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}
