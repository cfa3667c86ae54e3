// The test groups npm test runs, in order. Each is one uvu run over a folder of test/.
const uvu = (dir, pattern = "\\.test\\.ts$") => [process.execPath, "--import", "./scripts/register.mjs", "node_modules/uvu/bin.js", dir, pattern, "-i", "fixtures"];

export const groups = [
  { name: "core", command: uvu("test", "^(core|conformance)/[^/]*\\.test\\.ts$") },
  { name: "validate", command: uvu("test/validate") },
  { name: "udp", command: uvu("test/udp") },
  { name: "daemon", command: uvu("test/daemon") },
  { name: "package", command: uvu("test/package") },
];
