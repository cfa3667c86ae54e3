// The package's entry points: one per subpath of the exports map ("." is `index`).
export const entries = [
  { name: "index", subpath: ".", source: "core/index.ts" },
];
