// Types for quiet-run.mjs, which the build imports as plain JavaScript and a test imports from TypeScript.
export declare const NOT_A_PROBLEM: RegExp[];
export declare function linesWorthShowing(text: string): string[];
export declare function runQuietly(cwd: string, cmd: string, args: string[], write?: (text: string) => void): void;
