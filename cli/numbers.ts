/** Numeric options, checked before anything starts: `Number("")` is 0, so a blank value must be refused first. */
import { CliError } from './errors';

export function numberOption(flag: string, text: string, range: { min: number; max: number; integer?: boolean; what: string }): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    throw new CliError(`${flag} must be ${range.what} (got "${text}")`);
  }
  return value;
}

export const portOption = (flag: string, text: string) =>
  numberOption(flag, text, { min: 0, max: 65535, integer: true, what: 'a port number' });
