/**
 * Callback-style handlers `(event, context, callback)` where Lambda's Node runtime no longer runs
 * them. Its runtime interface client (the one behind `nodejs24.x`, and behind `nodejs22.x` on
 * Managed Instances) checks the handler it loaded at init: three or more parameters and not a
 * response-streaming handler, and init fails with `Runtime.CallbackHandlerDeprecated`; no
 * invocation runs. A traceHandler wrapper takes two parameters, so that check would pass it: the
 * wrapper would quietly turn a handler Lambda refuses into one it runs. So traceHandler makes the
 * same check itself, when it is called (at init, where a handler module calls it), and throws
 * what Lambda's runtime throws; elsewhere (Node 20, Node 22 one invocation at a time) callback
 * handlers keep working as they do there.
 */

/** Lambda's error, by its name (what the init error's `errorType` reports). */
export class CallbackHandlerDeprecatedError extends Error {
  override name = "Runtime.CallbackHandlerDeprecated";
}

// The messages are Lambda's own, word for word, so that logs and alarms that match on them match.
const DOCS = "For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";
const NODE22_MANAGED_INSTANCES = `ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. ${DOCS}`;
const NODE24 = `ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. ${DOCS}`;

type Globals = {
  Bun?: unknown;
  Deno?: unknown;
  navigator?: { userAgent?: unknown };
  process?: { versions?: { node?: unknown } };
};

/**
 * The major version of Node when this is Node itself; undefined on Bun, Deno and workerd, which
 * report a Node version for compatibility (Bun 1.4 and Deno 2.9 say 26) but are not Lambda's Node
 * runtime: their custom runtimes run callback handlers.
 */
export function nodeMajor(): number | undefined {
  const g = globalThis as Globals;
  if (g.Bun !== undefined || g.Deno !== undefined || g.navigator?.userAgent === "Cloudflare-Workers") return undefined;
  const v = g.process?.versions?.node;
  const major = typeof v === "string" ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isInteger(major) ? major : undefined;
}

/**
 * Throws Lambda's CallbackHandlerDeprecated error when Lambda's Node runtime would refuse this
 * handler: on Node (`major`, from nodeMajor) 24 and later, and on Managed Instances (`concurrent`:
 * AWS_LAMBDA_MAX_CONCURRENCY is set) on any Node.
 */
export function refuseCallbackHandler(concurrent: boolean, major: number | undefined): void {
  if (major === undefined) return;
  if (major >= 24) throw new CallbackHandlerDeprecatedError(NODE24);
  if (concurrent) throw new CallbackHandlerDeprecatedError(NODE22_MANAGED_INSTANCES);
}
