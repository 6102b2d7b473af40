/**
 * What a string format wants, in words derived from its check's own definition (a `z.iso.datetime({ offset: true })`
 * wants seconds and a time zone; a `z.iso.datetime({ precision: -1 })` wants no seconds), and, where it is cheap
 * and certain, what is wrong with the value that was sent. A problem is only reported when the value with every
 * reported problem fixed passes the check's own pattern: the list is then complete as well as true.
 */
import { z } from 'zod';
import { clip } from '../common/text';
import type { SchemaDef } from './schema-at';

export interface FormatAdvice {
  /** What the format wants, e.g. `an ISO 8601 date-time with seconds, in UTC ("Z")`. */
  words: string;
  /**
   * Examples to offer, best first: the value sent with its problems fixed (only when the fixes keep its meaning),
   * then a canonical one. Unverified: the caller keeps the first the whole schema accepts.
   */
  examples: string[];
  /** What is wrong with the value sent, when certain: `no seconds`, `no time zone`. No phrase has a comma outside parentheses. */
  problems: string[];
}

/** Longer values are not picked apart: nothing valid in these formats is that long. */
const MAX_DIAGNOSED = 80;
const DEFAULT_DATE = '2026-03-14';

/**
 * The advice for an `invalid_format` issue, given the check that raised it when it was found (without it, the
 * words come from the issue alone and no problems are named).
 *
 * @example
 * formatAdvice({ format: 'datetime' }, z.iso.datetime()._zod.def, '2027-01-31T09:00Z');
 * // { words: 'an ISO 8601 date-time with seconds, in UTC ("Z")', examples: ['2027-01-31T09:00:00Z', ...], problems: ['no seconds'] }
 */
export function formatAdvice(issue: IssueFacts, check: SchemaDef | undefined, value: unknown): FormatAdvice {
  const text = typeof value === 'string' ? value : undefined;
  const pattern = check?.pattern instanceof RegExp ? check.pattern : undefined;
  const passes = (candidate: string): boolean => (pattern ? testAnchored(pattern, candidate) : false);
  let advice: FormatAdvice;
  switch (issue.format) {
    case 'datetime':
      advice = check ? dateTimeAdvice(check, text, passes) : plain('an ISO 8601 date-time');
      break;
    case 'time':
      advice = check ? timeAdvice(check, text, passes) : plain('an ISO 8601 time of day');
      break;
    case 'date':
      advice = dateAdvice(text, check ? passes : undefined);
      break;
    case 'duration':
      advice = withFix(plain('an ISO 8601 duration', 'P3D'), text, passes, (t) => (t.toUpperCase() !== t ? [t.toUpperCase(), 'lower-case letters'] : undefined));
      break;
    case 'uuid':
      advice = uuidAdvice(check, text, passes);
      break;
    case 'url':
      advice = urlAdvice(issue, check, text);
      break;
    case 'regex':
      advice = plain(issue.pattern ? `a string matching ${clip(issue.pattern, 80, { flatten: false })}` : 'a string matching the pattern');
      break;
    case 'starts_with':
      advice = plain(`a string starting with ${quoted(issue.prefix)}`);
      break;
    case 'ends_with':
      advice = plain(`a string ending with ${quoted(issue.suffix)}`);
      break;
    case 'includes':
      advice = plain(`a string containing ${quoted(issue.includes)}`);
      break;
    default: {
      const [words = `a ${issue.format} string`, ...examples] = SIMPLE_FORMATS[issue.format] ?? [];
      advice = plain(words, ...examples);
    }
  }
  // Spaces around an otherwise valid value: a common slip, and certain when the trimmed value passes.
  if (advice.problems.length === 0 && text !== undefined && text.trim() !== text && passes(text.trim())) {
    return { ...advice, examples: [text.trim(), ...advice.examples], problems: ['spaces around it'] };
  }
  return advice;
}

/** The parts of an `invalid_format` issue the advice reads. */
export interface IssueFacts {
  format: string;
  pattern?: string | undefined;
  note?: unknown;
  prefix?: unknown;
  suffix?: unknown;
  includes?: unknown;
}

/** Words, examples that stay the same whatever the value: formats with no parameters worth naming. */
const SIMPLE_FORMATS: Record<string, string[]> = {
  email: ['an email address', 'ana@example.com'],
  guid: ['a UUID-shaped identifier (8-4-4-4-12 hex digits)', '00000000-0000-0000-0000-000000000000'],
  ipv4: ['an IPv4 address', '192.0.2.1'],
  ipv6: ['an IPv6 address', '2001:db8::1'],
  cidrv4: ['an IPv4 range in CIDR notation', '192.0.2.0/24'],
  cidrv6: ['an IPv6 range in CIDR notation', '2001:db8::/32'],
  e164: ['a phone number in E.164 form', '+14155550123'],
  base64: ['base64 text', 'aGVsbG8='],
  base64url: ['base64url text', 'aGVsbG8'],
  hostname: ['a host name', 'example.com'],
  ulid: ['a ULID', '01ARZ3NDEKTSV4RRFFQ69G5FAV'],
  hex: ['hexadecimal digits'],
  jwt: ['a JSON Web Token'],
  nanoid: ['a nanoid'],
  cuid: ['a CUID'],
  cuid2: ['a CUID2'],
  xid: ['an XID'],
  ksuid: ['a KSUID'],
  emoji: ['emoji only'],
  lowercase: ['a string without upper-case letters'],
  uppercase: ['a string without lower-case letters'],
  mac: ['a MAC address'],
};

function plain(words: string, ...examples: string[]): FormatAdvice {
  return { words, examples, problems: [] };
}

function quoted(value: unknown): string {
  return JSON.stringify(clip(String(value), 40, { flatten: false }));
}

function testAnchored(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/** One fix that, when it makes the value pass, is a certain problem and a good example. */
function withFix(advice: FormatAdvice, text: string | undefined, passes: (t: string) => boolean, fix: (t: string) => [string, string] | undefined): FormatAdvice {
  if (text === undefined || text.length > MAX_DIAGNOSED) return advice;
  const found = fix(text);
  if (!found || !passes(found[0])) return advice;
  return { ...advice, examples: [found[0], ...advice.examples], problems: [found[1]] };
}

// ---------------------------------------------------------------- date-times, times, dates

/** `null` is zod's "any number of fractional digits" (and, with a time zone, seconds required). */
type Precision = number | null;

function precisionOf(def: SchemaDef): Precision {
  return typeof def.precision === 'number' ? def.precision : null;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** How the seconds must be written, in words, for a precision. */
function secondsWords(p: Precision, local: boolean): string {
  if (p === null) return local ? 'with seconds (optional without a time zone)' : 'with seconds';
  if (p === -1) return 'with hours and minutes only (no seconds)';
  if (p === 0) return 'with whole seconds (no fraction)';
  return `with seconds to exactly ${plural(p, 'decimal place')}`;
}

function timeExample(p: Precision): string {
  if (p === -1) return '15:00';
  if (p === null || p === 0) return '15:00:00';
  return `15:00:00.${'0'.repeat(p)}`;
}

const LENIENT_DATETIME = /^(\d{4}-\d{1,2}-\d{1,2})([Tt ])(\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,40})?)?)(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const LENIENT_TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:([.,])(\d{1,40}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function dateTimeAdvice(def: SchemaDef, text: string | undefined, passes: (t: string) => boolean): FormatAdvice {
  const p = precisionOf(def);
  const offset = def.offset === true;
  const local = def.local === true;
  const seconds = secondsWords(p, local);
  const words = offset
    ? local
      ? `an ISO 8601 date-time ${seconds}, with or without a time zone ("Z" or "+HH:MM")`
      : `an ISO 8601 date-time ${seconds} and a time zone ("Z" or "+HH:MM")`
    : local
      ? `an ISO 8601 date-time ${seconds}, in UTC ("Z") or without a time zone`
      : `an ISO 8601 date-time ${seconds}, in UTC ("Z")`;
  const canonical = `${DEFAULT_DATE}T${timeExample(p)}Z`;
  const advice: FormatAdvice = { words, examples: [canonical], problems: [] };
  const parts = text !== undefined && text.length <= MAX_DIAGNOSED ? LENIENT_DATETIME.exec(text.trim()) : null;
  if (!parts || text === undefined) {
    if (text !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(text) && z.regexes.date.test(text)) return { ...advice, problems: ['a date without a time'] };
    return advice;
  }
  const [, rawDate = '', sep = '', rawTime = '', rawZone] = parts;
  const problems: string[] = text.trim() !== text ? ['spaces around it'] : [];
  let exact = true;
  const date = fixDate(rawDate, problems);
  if (date.changedMeaning) exact = false;
  if (sep !== 'T') problems.push(sep === ' ' ? 'a space instead of "T" between date and time' : 'a lower-case "t"');
  const time = LENIENT_TIME.exec(rawTime);
  if (!time) return advice;
  const [, rawHour = '', mm = '', ss, fracSep, frac] = time;
  // Padded before a conversion to UTC would pad it silently.
  const hh = rawHour.padStart(2, '0');
  if (hh !== rawHour) problems.push('a one-digit hour');
  // The zone decides whether seconds are required (zod: with a zone always, for precision null), so fix it first.
  let zone = rawZone;
  let clock = { date: date.text, hh, mm };
  const zoneProblems: string[] = [];
  if (zone === 'z') {
    zoneProblems.push('a lower-case "z"');
    zone = 'Z';
  } else if (zone !== undefined && zone !== 'Z') {
    const normal = normalOffset(zone);
    if (!offset) {
      zoneProblems.push(`offset ${zone} (only "Z" is accepted)`);
      const utc = normal && date.valid ? toUtc(clock, normal) : undefined;
      if (utc) clock = utc;
      else exact = false;
      zone = 'Z';
    } else if (normal !== zone) {
      zoneProblems.push(normal ? `the offset written ${zone} instead of ${normal}` : `${zone} is not a UTC offset`);
      if (!normal) exact = false;
      zone = normal ?? 'Z';
    }
  } else if (zone === undefined && !local) {
    zoneProblems.push('no time zone');
    zone = 'Z';
    // Which zone was meant is not known: the value with "Z" added is no example.
    exact = false;
  }
  const fixed = fixClock({ hh: clock.hh, mm: clock.mm, ss, fracSep, frac }, { p, secondsRequired: p === null ? zone !== undefined : p >= 0, local }, problems);
  if (fixed.changedMeaning) exact = false;
  problems.push(...zoneProblems);
  const repaired = `${clock.date}T${fixed.text}${zone ?? ''}`;
  if (problems.length === 0 || !passes(repaired)) return advice;
  return { ...advice, examples: exact && repaired.length <= 40 ? [repaired, canonical] : [canonical], problems };
}

function timeAdvice(def: SchemaDef, text: string | undefined, passes: (t: string) => boolean): FormatAdvice {
  const p = precisionOf(def);
  const form = p === null ? 'HH:MM or HH:MM:SS' : p === -1 ? 'HH:MM (no seconds)' : p === 0 ? 'HH:MM:SS (whole seconds)' : `HH:MM:SS.${'s'.repeat(p)} (${plural(p, 'decimal place')})`;
  const advice: FormatAdvice = { words: `an ISO 8601 time of day as ${form}, without a time zone`, examples: [timeExample(p)], problems: [] };
  const parts = text !== undefined && text.length <= MAX_DIAGNOSED ? LENIENT_TIME.exec(text.trim()) : null;
  if (!parts || text === undefined) return advice;
  const [, hh = '', mm = '', ss, fracSep, frac, zone] = parts;
  const problems: string[] = text.trim() !== text ? ['spaces around it'] : [];
  const fixed = fixClock({ hh, mm, ss, fracSep, frac }, { p, secondsRequired: p !== null && p >= 0 }, problems);
  let exact = !fixed.changedMeaning;
  if (zone !== undefined) {
    problems.push('a time zone');
    exact = false;
  }
  if (problems.length === 0 || !passes(fixed.text)) return advice;
  return { ...advice, examples: exact ? [fixed.text, ...advice.examples] : advice.examples, problems };
}

function dateAdvice(text: string | undefined, passes: ((t: string) => boolean) | undefined): FormatAdvice {
  const advice: FormatAdvice = { words: 'an ISO 8601 date as YYYY-MM-DD', examples: [DEFAULT_DATE], problems: [] };
  const parts = text !== undefined && text.length <= MAX_DIAGNOSED ? /^(\d{4}-\d{1,2}-\d{1,2})([Tt ].*)?$/.exec(text.trim()) : null;
  if (!parts || !passes || text === undefined) return advice;
  const problems: string[] = text.trim() !== text ? ['spaces around it'] : [];
  const date = fixDate(parts[1] ?? '', problems);
  let exact = !date.changedMeaning;
  if (parts[2] !== undefined) {
    problems.push('a time after the date');
    exact = false;
  }
  if (problems.length === 0 || !passes(date.text)) return advice;
  return { ...advice, examples: exact ? [date.text, DEFAULT_DATE] : [DEFAULT_DATE], problems };
}

/** `2027-1-5` padded; a date that is not on the calendar replaced (for the completeness check only). */
function fixDate(raw: string, problems: string[]): { text: string; valid: boolean; changedMeaning: boolean } {
  const [y = '', m = '', d = ''] = raw.split('-');
  let text = raw;
  if (m.length < 2 || d.length < 2) {
    text = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
    problems.push('month and day need two digits');
  }
  if (!testAnchored(z.regexes.date, text)) {
    problems.push(`${text} is not a calendar date`);
    return { text: DEFAULT_DATE, valid: false, changedMeaning: true };
  }
  return { text, valid: true, changedMeaning: false };
}

interface Clock {
  hh: string;
  mm: string;
  ss?: string | undefined;
  fracSep?: string | undefined;
  frac?: string | undefined;
}

/** The time of day written the way the precision wants, and what had to change. */
function fixClock(clock: Clock, rule: { p: Precision; secondsRequired: boolean; local?: boolean }, problems: string[]): { text: string; changedMeaning: boolean } {
  let { hh, mm, ss, frac } = clock;
  let changedMeaning = false;
  if (hh.length < 2) {
    problems.push('a one-digit hour');
    hh = hh.padStart(2, '0');
  }
  if (Number(hh) > 23 || Number(mm) > 59 || (ss !== undefined && Number(ss) > 59)) {
    problems.push(`${hh}:${mm}${ss !== undefined ? `:${ss}` : ''} is not a time of day`);
    [hh, mm, ss] = ['15', '00', ss === undefined ? undefined : '00'];
    changedMeaning = true;
  }
  const { p } = rule;
  if (ss === undefined && rule.secondsRequired) {
    problems.push(p === null && rule.local ? 'no seconds (required with a time zone)' : 'no seconds');
    ss = '00';
  }
  if (ss !== undefined && p === -1) {
    problems.push(frac !== undefined ? 'seconds and a fraction of a second' : 'seconds');
    if (ss !== '00' || /[^0]/.test(frac ?? '')) changedMeaning = true;
    ss = undefined;
    frac = undefined;
  }
  if (ss !== undefined && frac !== undefined && clock.fracSep === ',') problems.push('a decimal comma instead of a point');
  if (ss !== undefined && p === 0 && frac !== undefined) {
    problems.push('a fraction of a second');
    if (/[^0]/.test(frac)) changedMeaning = true;
    frac = undefined;
  }
  if (ss !== undefined && p !== null && p > 0) {
    if (frac === undefined) {
      problems.push(`no fraction of a second (needs ${plural(p, 'digit')})`);
      frac = '0'.repeat(p);
    } else if (frac.length !== p) {
      problems.push(`${plural(frac.length, 'decimal place')} in the seconds (needs ${p})`);
      if (/[^0]/.test(frac.slice(p))) changedMeaning = true;
      frac = frac.length > p ? frac.slice(0, p) : frac.padEnd(p, '0');
    }
  }
  return { text: `${hh}:${mm}${ss !== undefined ? `:${ss}` : ''}${ss !== undefined && frac !== undefined ? `.${frac}` : ''}`, changedMeaning };
}

/** `+02`, `+0200`, `+02:00` as `+02:00`; undefined when it is no offset at all (`+25:00`). */
function normalOffset(zone: string): string | undefined {
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return undefined;
  const [, sign = '+', hh = '', mm = '00'] = m;
  if (Number(hh) > 23 || Number(mm) > 59) return undefined;
  return `${sign}${hh}:${mm}`;
}

/** The same instant in UTC: a value with an offset, for a schema that takes only "Z". Pure arithmetic, no clock. */
function toUtc(clock: { date: string; hh: string; mm: string }, offset: string): { date: string; hh: string; mm: string } | undefined {
  if (Number(clock.hh) > 23 || Number(clock.mm) > 59) return undefined;
  const [y = 0, mo = 1, d = 1] = clock.date.split('-').map(Number);
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6));
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  at.setUTCHours(Number(clock.hh), Number(clock.mm) - sign * minutes, 0, 0);
  const year = at.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  const two = (n: number) => String(n).padStart(2, '0');
  return { date: `${String(year).padStart(4, '0')}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}`, hh: two(at.getUTCHours()), mm: two(at.getUTCMinutes()) };
}

// ---------------------------------------------------------------- UUIDs, URLs

const UUID_SHAPE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function uuidAdvice(def: SchemaDef | undefined, text: string | undefined, passes: (t: string) => boolean): FormatAdvice {
  const version = typeof def?.version === 'string' ? def.version.replace(/^v/, '') : undefined;
  const advice = plain(version ? `a version ${version} UUID` : 'a UUID', `00000000-0000-${version ?? '4'}000-8000-000000000000`);
  if (text === undefined || text.length > MAX_DIAGNOSED) return advice;
  if (/^[0-9a-fA-F]{32}$/.test(text)) {
    const hyphenated = `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
    if (passes(hyphenated)) return { ...advice, examples: [hyphenated, ...advice.examples], problems: ['no hyphens'] };
  }
  if (!UUID_SHAPE.test(text)) return advice;
  const problems: string[] = [];
  const v = text.charAt(14);
  const variant = text.charAt(19);
  if (version ? v !== version : !/[1-8]/.test(v)) problems.push(`version digit ${v} (needs ${version ?? '1-8'})`);
  if (!/[89abAB]/.test(variant)) problems.push(`variant digit ${variant} (needs 8, 9, a or b)`);
  const repaired = `${text.slice(0, 14)}${version ?? (/[1-8]/.test(v) ? v : '4')}${text.slice(15, 19)}${/[89abAB]/.test(variant) ? variant : '8'}${text.slice(20)}`;
  // Changing a digit makes another identifier: the problems are reported, the repaired value is no example.
  return problems.length > 0 && passes(repaired) ? { ...advice, problems } : advice;
}

function urlAdvice(issue: IssueFacts, def: SchemaDef | undefined, text: string | undefined): FormatAdvice {
  const protocol = def?.protocol instanceof RegExp ? def.protocol : undefined;
  const hostname = def?.hostname instanceof RegExp ? def.hostname : undefined;
  const limits = [
    protocol ? `a scheme matching ${clip(String(protocol), 40, { flatten: false })}` : '',
    hostname ? `a host name matching ${clip(String(hostname), 40, { flatten: false })}` : '',
  ].filter(Boolean);
  const advice = plain(limits.length > 0 ? `a URL with ${limits.join(' and ')}` : 'a URL', 'https://example.com');
  if (text === undefined || text.length > MAX_DIAGNOSED) return advice;
  if (issue.note === 'Invalid protocol') return { ...advice, problems: ['a scheme the schema does not take'] };
  if (issue.note === 'Invalid hostname') return { ...advice, problems: ['a host name the schema does not take'] };
  const url = z.url(def ? { ...(protocol ? { protocol } : {}), ...(hostname ? { hostname } : {}) } : undefined);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text) && url.safeParse(`https://${text}`).success) return { ...advice, problems: ['no scheme (such as "https://")'] };
  return advice;
}
