// `node --import ./scripts/register.mjs file.ts`: TypeScript through tsx, .wasm as bytes.
import { register } from "node:module";
import "tsx/esm";

register("./wasm-loader.mjs", import.meta.url);
