/** Durations in the inventory and on the command line: an integer with a unit. */

const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const pattern = /^(\d+)(ms|s|m|h)$/;

/** True when `text` is a duration such as `500ms`, `30s`, `10m` or `1h`. */
export function isDuration(text: string): boolean {
  return pattern.test(text);
}

/**
 * Converts a duration such as `30s` to milliseconds.
 * @throws {RangeError} If `text` is not `<integer><ms|s|m|h>`.
 * @example parseDuration("2m") // 120000
 */
export function parseDuration(text: string): number {
  const match = pattern.exec(text);
  if (!match) {
    throw new RangeError(
      `Cannot parse duration as it must look like 30s, 500ms, 10m or 1h: "${text}"`,
    );
  }
  return Number(match[1]) * units[match[2] as keyof typeof units];
}

/**
 * Formats milliseconds for people: `850 ms`, `12.3 s`, `4 min 05 s`.
 * @example formatMs(1500) // "1.5 s"
 */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
}
