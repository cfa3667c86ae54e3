/** The shapes core/abi.ts reports in and takes: what its callers see of the ABI, without the ABI. */

/** @internal What `begin` and `beginFromHeader` report of the entity the core began (read right away). */
export interface BeginReport {
  slot: number;
  gen: number;
  idHigh: number;
  idLow: number;
  /** The generated trace ID, when the core made one (no header to join). */
  traceId: string | undefined;
}

/** @internal One datagram of an emission: a view into wasm memory, valid until the next call. */
export interface Datagram {
  bytes: Uint8Array<ArrayBuffer>;
  /** Entities the document carries closed and in progress. */
  closed: number;
  open: number;
  /** The core could not fit the document (cannot happen: a node's own data is bounded). */
  lost: boolean;
}

/** @internal The six request attributes a centralized rule matches, in the core's order. */
export type CentralFields = readonly [
  string | undefined,
  string | undefined,
  string | undefined,
  string | undefined,
  string | undefined,
  string | undefined,
];

/** @internal The five request attributes a sampler matches, in the core's order. */
export type SamplerFields = readonly [string | undefined, string | undefined, string | undefined, string | undefined, string | undefined];
