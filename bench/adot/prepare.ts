// `node --import ./scripts/register.mjs bench/adot/prepare.ts <host:port>`, run by bench/lambda.mjs:
// ADOT's lite mode from the cache (installed on first use, fetch.ts) and the environment its
// layer gives a function sending to <host:port>; prints one JSON line, {version, dir, fetched,
// env} or {error} (offline, npm failing), so that the benchmark reports ADOT as n/a and goes on.
import { ADOT_PACKAGE, ADOT_VERSION, prepareAdot } from "./fetch.ts";
import { layerEnv } from "./layer-env.ts";

const daemonAddress = process.argv[2] ?? "127.0.0.1:2000";
try {
  const adot = await prepareAdot({
    onFetch: (dir) => console.error(`lambda: installing ${ADOT_PACKAGE}@${ADOT_VERSION} into ${dir} (once, about 110 MB)`),
  });
  const env = layerEnv({ wrapper: adot.wrapper, taskRoot: adot.taskRoot, daemonAddress, nodeOptions: process.env.NODE_OPTIONS });
  console.log(JSON.stringify({ version: adot.version, dir: adot.dir, fetched: adot.fetched, env }));
} catch (error) {
  console.log(JSON.stringify({ version: ADOT_VERSION, error: (error as Error).message }));
}
