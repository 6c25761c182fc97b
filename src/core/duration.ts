/** Durations as people write them in the household document: "90s", "10m", "26h", "2d", or combined "1h30m". */
const DURATION_PATTERN = '^(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?$';
export const durationPattern = DURATION_PATTERN;

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** Parses a duration string; returns undefined for anything not in the pattern (including ""). */
export function parseDuration(text: string): number | undefined {
  if (text === '' || !new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)([dhms])/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  return total;
}

export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.round(ms / 1000);
  let text = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text || '0s';
}
