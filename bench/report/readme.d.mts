import type { Results } from "./render.mjs";
export const BEGIN: string;
export const END: string;
export const GENERATED: { file: string; render: (results: Results) => string }[];
export function withSection(text: string, body: string, file?: string): string;
export function normalizeTables(text: string): string;
