/**
 * `xray-edge layer node [--out DIR]`: builds the Lambda layer zip from the installed package's
 * build and prints its path and size. (`bun` and `deno` custom-runtime layers join it later.)
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { packageRoot } from './package-root.ts';
import { nodeLayerEntries } from './node.ts';
import { writeZip } from './zip.ts';

export const LAYER_USAGE = `Usage: xray-edge layer node [--out DIR]

Builds a Lambda layer zip from this package's build:
  node   DIR/xray-edge-node.zip: nodejs/node_modules/xray-edge (ESM and CommonJS)

Options:
  --out DIR    where the zips go (default: dist/layers)
  -h, --help   show this help
`;

export async function runLayerCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`xray-edge layer: ${(error as Error).message}\n\n${LAYER_USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(LAYER_USAGE);
    return 0;
  }
  const kinds = parsed.positionals;
  if (kinds.length === 0 || kinds.some((k) => k !== 'node')) {
    process.stderr.write(`xray-edge layer: expected "node", got ${kinds.length ? kinds.map((k) => `"${k}"`).join(' ') : 'nothing'}\n\n${LAYER_USAGE}`);
    return 2;
  }
  const out = path.resolve(parsed.values.out ?? 'dist/layers');
  const file = path.join(out, 'xray-edge-node.zip');
  const bytes = writeZip(file, nodeLayerEntries(packageRoot()));
  process.stdout.write(`${path.relative(process.cwd(), file) || file}  ${(bytes / 1000).toFixed(1)} kB\n`);
  return 0;
}
