export interface Target {
  issue: number | string;
  what: string;
  measured: string;
  goal: string;
  verdict: "PASS" | "MISS" | "n/a";
}
export function judgeTargets(suites: Record<string, unknown>): Target[];
