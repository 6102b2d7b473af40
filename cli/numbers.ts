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
