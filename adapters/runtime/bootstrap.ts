import { startRuntime } from "./index.ts";
startRuntime();
