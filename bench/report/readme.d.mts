import type { Results } from "./render.mjs";
export const BEGIN: string;
export const END: string;
export function withSection(readme: string, results: Results): string;
