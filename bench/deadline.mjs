// The deadline margin (adapters/lambda/deadline.ts): how late, after the timer's due time, the
// in-progress datagrams reach the kernel, on Node, Bun and Deno, with `--load=N` processes
// spinning on the CPU beside them (default 3, on a 2-core machine). `--runs=N` per runtime.
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, d) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? d);
const runs = arg("runs", 200);
const load = arg("load", 3);
const margin = 250;

const sink = dgram.createSocket("udp4");
await new Promise((r) => sink.bind(0, "127.0.0.1", r));
const port = String(sink.address().port);
const burners = Array.from({ length: load }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
const commands = {
  node: [process.execPath, ["bench/deadline-child.mjs"]],
  bun: [`${root}/node_modules/.bin/bun`, ["bench/deadline-child.mjs"]],
  deno: [`${root}/node_modules/.bin/deno`, ["run", "-A", "bench/deadline-child.mjs"]],
};
const pick = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (v) => `${v.toFixed(1)} ms`;
try {
  for (const [name, [cmd, args]] of Object.entries(commands)) {
    // Asynchronous, so this process's socket keeps reading while the child sends.
    const out = await new Promise((resolve, reject) => {
      const child = spawn(cmd, [...args, port, String(runs), String(margin)], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (c) => (text += c));
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`${name} exited ${code}`))));
    });
    const samples = JSON.parse(out.trim().split("\n").pop());
    const fired = samples.map((s) => s.fired).sort((a, b) => a - b);
    const kernel = samples.map((s) => s.kernel).sort((a, b) => a - b);
    console.log(
      `${name.padEnd(4)} ${runs} runs, ${load} CPU burners: timer fired after due p50 ${ms(pick(fired, 0.5))} max ${ms(fired.at(-1))}; ` +
        `datagrams in the kernel after due p50 ${ms(pick(kernel, 0.5))} p99 ${ms(pick(kernel, 0.99))} max ${ms(kernel.at(-1))}`,
    );
  }
} finally {
  for (const b of burners) b.kill("SIGKILL");
  sink.close();
}
