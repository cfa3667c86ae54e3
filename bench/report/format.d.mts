export function formatValue(value: number | undefined, unit: string): string;
export function formatRatio(peer: number, ours: number): string;
