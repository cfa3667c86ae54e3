// Node runner of the conformance suites, against the TypeScript sources.
import { suite } from "uvu";
import conformance from "./suite.ts";
import * as lib from "../../adapters/host/index.ts";

conformance(suite, lib);
