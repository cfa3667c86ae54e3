// The test groups npm test runs, in order: one per runtime (and the slow process tests apart).
const node = [process.execPath, "--import", "./scripts/register.mjs", "node_modules/uvu/bin.js"];

export const groups = [
  { name: "node", command: [...node, "test", "\\.test\\.ts$", "-i", "runtimes", "-i", "fixtures"] },
];
