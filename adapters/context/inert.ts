/**
 * The handle given to `capture` callbacks when nothing is traced (no segment in context, or
 * AWS_XRAY_SDK_ENABLED=false): every call does nothing, so user code needs no `if`. Its IDs and
 * header are empty strings: there is no trace to join.
 */
import type { TraceEntity } from "../../core/entity.ts";

class InertEntity implements TraceEntity {
  readonly sampled = false;
  readonly id = "";
  readonly traceId = "";
  readonly traceHeader = "";
  beginSubsegment(): TraceEntity {
    return this;
  }
  addAnnotation(): void {}
  addMetadata(): void {}
  addError(): void {}
  setHttp(): void {}
  setAws(): void {}
  setSql(): void {}
  addFaultFlag(): void {}
  addErrorFlag(): void {}
  addThrottleFlag(): void {}
  close(): void {}
}

export const inert: TraceEntity = new InertEntity();
