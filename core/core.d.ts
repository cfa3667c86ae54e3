declare namespace __AdaptedExports {
  /** Exported memory */
  export const memory: WebAssembly.Memory;
  /**
   * core/assembly/index/inputPtr
   * @returns `usize`
   */
  export function inputPtr(): number;
  /**
   * core/assembly/index/inputCap
   * @returns `i32`
   */
  export function inputCap(): number;
  /**
   * core/assembly/index/resultPtr
   * @returns `usize`
   */
  export function resultPtr(): number;
  /**
   * core/assembly/index/idPtr
   * @returns `usize`
   */
  export function idPtr(): number;
  /**
   * core/assembly/index/outputPtr
   * @returns `usize`
   */
  export function outputPtr(): number;
  /**
   * core/assembly/index/datagramList
   * @returns `usize`
   */
  export function datagramList(): number;
  /**
   * core/assembly/index/newSegmentId
   */
  export function newSegmentId(): void;
  /**
   * core/assembly/index/newTraceId
   * @param now `f64`
   */
  export function newTraceId(now: number): void;
  /**
   * core/assembly/index/setWorkingDirectory
   * @param len `i32`
   */
  export function setWorkingDirectory(len: number): void;
  /**
   * core/assembly/header/parseHeader
   * @param len `i32`
   * @returns `i32`
   */
  export function parseHeader(len: number): number;
  /**
   * core/assembly/segment/segBegin
   * @param parentSlot `i32`
   * @param parentGen `i32`
   * @param nameLen `i32`
   * @param now `f64`
   * @param flags `i32`
   * @returns `i32`
   */
  export function segBegin(parentSlot: number, parentGen: number, nameLen: number, now: number, flags: number): number;
  /**
   * core/assembly/segment/segEnd
   * @param slot `i32`
   * @param gen `i32`
   * @param now `f64`
   * @returns `i32`
   */
  export function segEnd(slot: number, gen: number, now: number): number;
  /**
   * core/assembly/segment/segAnnotate
   * @param slot `i32`
   * @param gen `i32`
   * @param keyLen `i32`
   * @param valueLen `i32`
   * @param type `i32`
   * @returns `i32`
   */
  export function segAnnotate(slot: number, gen: number, keyLen: number, valueLen: number, type: number): number;
  /**
   * core/assembly/segment/segMetadata
   * @param slot `i32`
   * @param gen `i32`
   * @param nsLen `i32`
   * @param keyLen `i32`
   * @param valueLen `i32`
   * @returns `i32`
   */
  export function segMetadata(slot: number, gen: number, nsLen: number, keyLen: number, valueLen: number): number;
  /**
   * core/assembly/segment/segMember
   * @param slot `i32`
   * @param gen `i32`
   * @param member `i32`
   * @param len `i32`
   * @returns `i32`
   */
  export function segMember(slot: number, gen: number, member: number, len: number): number;
  /**
   * core/assembly/segment/segException
   * @param slot `i32`
   * @param gen `i32`
   * @param len `i32`
   * @returns `i32`
   */
  export function segException(slot: number, gen: number, len: number): number;
  /**
   * core/assembly/segment/segFlags
   * @param slot `i32`
   * @param gen `i32`
   * @param bits `i32`
   * @returns `i32`
   */
  export function segFlags(slot: number, gen: number, bits: number): number;
  /**
   * core/assembly/segment/segIds
   * @param slot `i32`
   * @param gen `i32`
   * @returns `i32`
   */
  export function segIds(slot: number, gen: number): number;
  /**
   * core/assembly/sampler/samplerCreate
   * @returns `i32`
   */
  export function samplerCreate(): number;
  /**
   * core/assembly/sampler/samplerAddRule
   * @param id `i32`
   * @param fixedTarget `i32`
   * @param rate `f64`
   * @returns `i32`
   */
  export function samplerAddRule(id: number, fixedTarget: number, rate: number): number;
  /**
   * core/assembly/sampler/samplerDecide
   * @param id `i32`
   * @param now `f64`
   * @returns `i32`
   */
  export function samplerDecide(id: number, now: number): number;
  /**
   * core/assembly/store/liveNodes
   * @returns `i32`
   */
  export function liveNodes(): number;
  /**
   * core/assembly/entropy/entropyReset
   */
  export function entropyReset(): void;
}
/** Instantiates the compiled WebAssembly module with the given imports. */
export declare function instantiate(module: WebAssembly.Module, imports: {
  env: unknown,
}): Promise<typeof __AdaptedExports>;
