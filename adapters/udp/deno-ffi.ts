/**
 * Deno on Linux with FFI allowed (the custom-runtime layer runs Deno with --allow-all): send(2) on
 * a connected, non-blocking socket, called synchronously through Deno.dlopen. In the runtime loop
 * (bench/runtime.mjs, one process serving traced and bare invocations in turn) Deno.listenDatagram's
 * send, an async op whose promise settles a turn of the event loop later, added 33-45 µs of wall
 * time to an invocation, send(2) through FFI 13-15 µs: a plain system call. The socket is connected, so a
 * missing daemon comes back as ECONNREFUSED and is counted, which Deno's own UDP APIs never report.
 *
 * Only IPv4 daemon addresses take this path (Lambda's is 169.254.79.129:2000); anything else, a
 * libc that is not glibc's, or FFI not granted, leaves the caller to Deno's own APIs. The
 * permission is queried, never requested, so no prompt ever appears.
 */
import type { DaemonEndpoint } from "./address.ts";
import { type Accounting, sendFailed } from "./accounting.ts";
import type { Link } from "./link.ts";

type Ffi = { parameters: string[]; result: string };
interface DenoLibrary {
  symbols: {
    socket(domain: number, type: number, protocol: number): number;
    connect(fd: number, address: Uint8Array, length: number): number;
    send(fd: number, data: Uint8Array, length: number | bigint, flags: number): number | bigint;
    close(fd: number): number;
    __errno_location(): unknown;
  };
  close(): void;
}
export interface DenoFfiGlobal {
  build?: { os?: string; arch?: string };
  permissions?: { querySync?(descriptor: { name: "ffi" }): { state: string } };
  dlopen?(path: string, symbols: Record<string, Ffi>): DenoLibrary;
  UnsafePointerView?: new (pointer: unknown) => { getInt32(offset?: number): number };
}

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Linux errno values (x86_64 and aarch64 share them) named as Node names them in error codes. */
const ERRNO: Record<number, string> = {
  11: "EAGAIN",
  90: "EMSGSIZE",
  101: "ENETUNREACH",
  105: "ENOBUFS",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
};

const SYMBOLS: Record<keyof DenoLibrary["symbols"], Ffi> = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
};

/** `struct sockaddr_in` for a little-endian Linux: family in host order, port in network order. */
function sockaddrIn(host: string, port: number): Uint8Array | undefined {
  const m = IPV4.exec(host);
  if (!m) return undefined;
  const address = new Uint8Array(16);
  const view = new DataView(address.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port, false);
  for (let i = 0; i < 4; i++) address[4 + i] = Number(m[i + 1]);
  return address;
}

/**
 * The send(2) socket, or undefined when this process cannot have it (then nothing was opened).
 * Sends are counted through `accounting`; a failed send is counted with its errno's name. The
 * socket is never read, so a send is the only place a refusal surfaces: an ECONNREFUSED send failed
 * itself and also reports an earlier datagram, already counted as sent (`refusedLater`).
 */
export function openFfiSocket(to: DaemonEndpoint, deno: DenoFfiGlobal, accounting: Accounting): Link | undefined {
  if (deno.build?.os !== "linux" || (deno.build.arch !== "x86_64" && deno.build.arch !== "aarch64")) return undefined;
  const address = to.family === 4 ? sockaddrIn(to.host, to.port) : undefined;
  if (!address || typeof deno.dlopen !== "function" || typeof deno.UnsafePointerView !== "function") return undefined;
  let library: DenoLibrary | undefined;
  let fd = -1;
  try {
    if (deno.permissions?.querySync?.({ name: "ffi" }).state !== "granted") return undefined;
    library = deno.dlopen("libc.so.6", SYMBOLS);
    fd = library.symbols.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || library.symbols.connect(fd, address, address.length) !== 0) throw new Error("socket or connect failed");
  } catch {
    try {
      if (fd >= 0) library?.symbols.close(fd);
      library?.close();
    } catch {
      // nothing more to release
    }
    return undefined;
  }
  const lib = library.symbols;
  const Pointer = deno.UnsafePointerView;
  const errnoName = (): string => {
    try {
      const errno = new Pointer(lib.__errno_location()).getInt32();
      return ERRNO[errno] ?? `errno ${errno}`;
    } catch {
      return "send failed";
    }
  };
  let open = true;
  return {
    write(datagram) {
      // Synchronous: the view into wasm memory is read by the kernel before this returns.
      const sent = open ? Number(lib.send(fd, datagram, datagram.length, 0)) : -1;
      if (sent === datagram.length) accounting.sent(sent);
      else {
        const code = open ? errnoName() : "ERR_SOCKET_CLOSED";
        sendFailed(accounting, Object.assign(new Error(`send(2) failed: ${code}`), { code }), true);
      }
    },
    close() {
      if (!open) return;
      open = false;
      lib.close(fd);
      library!.close();
    },
  };
}
