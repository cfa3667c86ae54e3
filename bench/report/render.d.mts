import type { Case } from "./cases.mjs";
import type { Target } from "./targets.mjs";
export interface Results {
  meta: { date: string; machine: string; runtimes: Record<string, string>; nodeStartMs: number; command: string };
  cases: Case[];
  targets: Target[];
  suites?: Record<string, unknown>;
}
export function printReport(results: Pick<Results, "cases" | "targets">): string;
export function renderMarkdown(results: Results): string;
export function renderMigration(results: Results): string;
