/** Numeric options, checked before anything starts: `Number("")` is 0, so a blank value must be refused first. */
import { InvalidArgumentError } from 'commander';
import { parsePort, portRangeWords } from '../common/port';
import { CliError } from './errors';

export function numberOption(flag: string, text: string, range: { min: number; max: number; integer?: boolean; what: string }): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    throw new CliError(`${flag} must be ${range.what} (got "${text}")`);
  }
  return value;
}

/** A port flag (common/port.ts): 0 to 65535, 0 picking a free one unless `allowZero` is false. */
export function portOption(flag: string, text: string, opts: { allowZero?: boolean } = {}): number {
  const port = parsePort(text, opts);
  if (port === undefined) throw new CliError(`${flag} must be a port number (got "${text}"): ${portRangeWords(opts)}`);
  return port;
}

/** The same rule as a commander argument parser: `.option('--port <port>', '...', portArgument())`. */
export function portArgument(opts: { allowZero?: boolean } = {}): (text: string) => number {
  return (text) => {
    const port = parsePort(text, opts);
    if (port === undefined) throw new InvalidArgumentError(`not a port number (${portRangeWords(opts)})`);
    return port;
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration flag: a number with a unit (`500ms`, `90s`, `30m`, `2h`, `7d`), in milliseconds, above 0 and at most
 * `maxMs`. A bare number is refused: `--escalation-timeout 30` could mean seconds or minutes.
 *
 * @example
 * durationOption('--max-duration', '30m', { maxMs: 86_400_000 }); // 1_800_000
 */
export function durationOption(flag: string, text: string, range: { maxMs: number }): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  const value = match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > range.maxMs) {
    const days = range.maxMs / 86_400_000;
    throw new CliError(`${flag} must be a duration above 0 and at most ${days} day${days === 1 ? '' : 's'}, with a unit: 500ms, 90s, 30m, 2h, 7d (got "${text}")`);
  }
  return Math.round(value);
}

/** A comma-separated list of names: none blank, at least one. */
export function namesOption(flag: string, text: string): string[] {
  const names = text.split(',').map((n) => n.trim());
  if (names.length === 0 || names.some((n) => n === '')) throw new CliError(`${flag} must be comma-separated names, none empty (got "${text}")`);
  return [...new Set(names)];
}
