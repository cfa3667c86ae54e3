// One fresh process, timed as startup-child.mjs times xray-edge: from before the import to after
// the first segment ID, for one of the hand-written minimums beside it (argv[2]: its file).
const t0 = performance.now();
const m = await import(process.argv[2]);
m.newSegmentId();
console.log(JSON.stringify({ firstId: performance.now() - t0 }));
