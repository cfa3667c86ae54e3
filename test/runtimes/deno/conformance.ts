// The conformance suites on Deno, against the built bundle (what `import "xray-edge"` gives).
import { suite } from "uvu";
import conformance from "../../conformance/suite.ts";
import * as lib from "../../../dist/index.js";

conformance(suite, lib);
