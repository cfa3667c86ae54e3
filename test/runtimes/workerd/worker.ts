// The conformance suites in workerd, against the workerd build (core.wasm imported as a module).
// run.mjs bundles it with `globalThis.UVU_DEFER = 1` first, so uvu queues the suites (workerd
// allows no timers at global scope) and test() below runs the queue.
import { suite } from "uvu";
import conformance from "../../conformance/suite.ts";
import * as lib from "../../../dist/workerd/index.js";
import { runtime } from "../env.ts";

type Run = () => Promise<[string, number, number, number]>;
conformance(suite, lib);

export default {
  async test(): Promise<void> {
    if (runtime !== "workerd") throw new Error(`test/runtimes/workerd runs on ${runtime}, not workerd`);
    let total = 0,
      passed = 0,
      skipped = 0;
    const errors: string[] = [];
    for (const group of (globalThis as unknown as { UVU_QUEUE: (Run | string | null)[][] }).UVU_QUEUE) {
      for (const run of group) {
        if (typeof run !== "function") continue;
        const [errs, ran, skip, max] = await run();
        total += max;
        passed += ran;
        skipped += skip;
        if (errs.length) errors.push(errs);
      }
    }
    for (const e of errors) console.log(e);
    console.log(`  Total:     ${total}\n  Passed:    ${passed}\n  Skipped:   ${skipped}`);
    if (errors.length > 0 || total === 0) throw new Error(`${total - passed - skipped} conformance failures in workerd`);
  },
};
