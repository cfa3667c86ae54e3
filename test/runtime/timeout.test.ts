/**
 * A timed-out invocation still leaves its trace (issue 11), on the custom runtime under node, bun
 * and deno: the emulator kills the runtime at the deadline, and the listener must already hold
 * every subsegment that closed, inside the `## handler` subsegment sent in progress.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator } from "../../bin/invoke/emulator.ts";
import { validateDocument } from "../../core/validate.ts";
import { bootstrapCommand, FIXTURES, RUNTIMES, UdpListener, within } from "./helpers.ts";

const HANDLER = "timeout.handler";

function shape(doc: Record<string, any>): unknown {
  return [doc.name, doc.in_progress === true ? "open" : "closed", ...(doc.subsegments ?? []).map(shape)];
}

const rootOf = (header: string | null) => /Root=([^;]+)/.exec(header ?? "")![1]!;

for (const runtime of RUNTIMES) {
  const t = suite(`${runtime}: timeouts`);

  t(
    "a hang past the deadline: killed, with every closed subsegment and the handler in progress already sent; a late end sends it again",
    () =>
      within(
        40_000,
        `${runtime} timeout`,
        (async () => {
          const udp = await UdpListener.start();
          const [cmd, args] = bootstrapCommand(runtime);
          const em = await startEmulator({
            command: [cmd, ...args],
            taskRoot: FIXTURES,
            handler: HANDLER,
            timeoutMs: 3000,
            daemonAddress: udp.address,
            functionSegment: false,
            quiet: true,
          });
          try {
            const hung = await em.invoke({ hang: true });
            assert.is(hung.status, "timeout", JSON.stringify(hung));
            // Killed at the deadline: what is coming was sent before it, and only has to be read.
            const [doc, ...more] = await udp.forTrace(rootOf(hung.traceHeader), 1);
            assert.ok(doc, "the in-progress handler subsegment");
            assert.equal(more, []);
            assert.equal(validateDocument(doc!), [], JSON.stringify(doc));
            assert.is(doc!.type, "subsegment");
            assert.is(doc!.parent_id, /Parent=([0-9a-f]{16})/.exec(hung.traceHeader!)![1]);
            assert.equal(shape(doc!), [
              `## ${HANDLER}`,
              "open",
              ["first", "closed"],
              ["second", "closed"],
              ["stuck", "open", ["inner", "closed"]],
            ]);
            assert.equal(doc!.subsegments[0].annotations, { step: 1 });

            // A fresh process; this handler ends 100 ms before its deadline, inside the 250 ms margin.
            const late = await em.invoke({ lateMs: 100 });
            assert.is(late.status, "success", JSON.stringify(late));
            const docs = await udp.forTrace(rootOf(late.traceHeader), 2);
            assert.equal(
              docs.map((d) => [d.id, shape(d)]),
              [
                [docs[0]!.id, [`## ${HANDLER}`, "open", ["first", "closed"], ["second", "closed"], ["stuck", "open", ["inner", "closed"]]]],
                [
                  docs[0]!.id,
                  [`## ${HANDLER}`, "closed", ["first", "closed"], ["second", "closed"], ["stuck", "closed", ["inner", "closed"]]],
                ],
              ],
            );
          } finally {
            await em.close();
            udp.close();
          }
        })(),
      ),
  );

  t.run();
}
