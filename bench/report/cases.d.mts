export interface Case {
  section: string;
  case: string;
  runtime: string;
  unit: string;
  ours: number | undefined;
  peers: Record<string, number>;
  floors: Record<string, number>;
}
/** Each suite's result object, as bench/run.mjs gathers them (shapes in the suites' files). */
export function collectCases(suites: Record<string, unknown>): Case[];
export const SECTIONS: Record<string, string>;
