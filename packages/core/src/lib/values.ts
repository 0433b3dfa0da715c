// Lexical checks for the RFC 7643 §2.3 data types.

const DATE_TIME =
  /^(-?(?:[1-9][0-9]{4,}|[0-9]{4}))-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;

/**
 * Tells whether a string is an xsd:dateTime with both date and time (RFC 7643 §2.3.5), such as
 * `2008-01-23T04:56:22Z`; fractions of any length and offsets are accepted.
 * @example `isDateTime('2008-01-23') // false`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.5
 */
export function isDateTime(value: string): boolean {
  return parseDateTimeParts(value) !== undefined;
}

/**
 * The instant an xsd:dateTime denotes, in milliseconds since the epoch, or `undefined` when the text
 * is not a valid dateTime. A value without an offset is read as UTC.
 * @example `parseDateTime('2008-01-23T06:56:22+02:00') === parseDateTime('2008-01-23T04:56:22Z') // true`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.5
 */
export function parseDateTime(value: string): number | undefined {
  const canonical = parseCanonicalDateTime(value);
  if (canonical !== undefined) return canonical;
  const parts = parseDateTimeParts(value);
  if (parts === undefined) return undefined;
  const { year, month, day, hour, minute, second, fraction, offsetMinutes } = parts;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime() + Math.floor(fraction * 1000) - offsetMinutes * 60_000;
}

/** The last instant whose year has four digits: 9999-12-31T23:59:59.999Z. */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
const DAY_MS = 86_400_000;
/** Character codes of the fixed characters of an xsd:dateTime. */
const CODE_ZERO = 48;
const CODE_HYPHEN = 45;
const CODE_T = 84;
const CODE_COLON = 58;
const CODE_DOT = 46;
const CODE_Z = 90;

/** The character code of the decimal digit of `value` at `place` (1, 10, 100 or 1000). */
function digitCode(value: number, place: number): number {
  return CODE_ZERO + (Math.floor(value / place) % 10);
}

/**
 * An instant as the xsd:dateTime SCIM writes (`meta.lastModified`, a lifecycle record's time): UTC
 * with milliseconds, the same text as `Date.prototype.toISOString`. It is computed rather than
 * formatted by V8's date printer, which costs several times more, and every write stamps a few. The
 * text is made in one piece: joined from parts, it would be a tree of about ten strings (some
 * 290 bytes rather than 40) for as long as a stored resource or queued SET keeps it.
 * Times before 1970 or after 9999, and fractions of a millisecond, are left to `toISOString`; an
 * invalid time throws its `RangeError`.
 * @example `formatDateTime(Date.UTC(2008, 0, 23, 4, 56, 22)) // '2008-01-23T04:56:22.000Z'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.5
 */
export function formatDateTime(time: Date | number): string {
  const ms = typeof time === 'number' ? time : time.getTime();
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms))
    return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  // The civil date of a day count (Howard Hinnant's days_from_civil, inverted), in 400-year eras.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  return String.fromCharCode(
    digitCode(year, 1000),
    digitCode(year, 100),
    digitCode(year, 10),
    digitCode(year, 1),
    CODE_HYPHEN,
    digitCode(month, 10),
    digitCode(month, 1),
    CODE_HYPHEN,
    digitCode(day, 10),
    digitCode(day, 1),
    CODE_T,
    digitCode(hour, 10),
    digitCode(hour, 1),
    CODE_COLON,
    digitCode(minute, 10),
    digitCode(minute, 1),
    CODE_COLON,
    digitCode(second, 10),
    digitCode(second, 1),
    CODE_DOT,
    digitCode(milli, 100),
    digitCode(milli, 10),
    digitCode(milli, 1),
    CODE_Z,
  );
}

/** The length of the form `formatDateTime` writes: `2008-01-23T04:56:22.000Z`. */
const CANONICAL_LENGTH = 24;

/**
 * The instant of a dateTime in the form `formatDateTime` writes (the one SCIM servers store and
 * compare most), read digit by digit; undefined for any other form, which the full grammar then
 * reads. Years before 0100 are left to it too: `Date.UTC` reads 0–99 as 1900–1999.
 */
function parseCanonicalDateTime(value: string): number | undefined {
  if (
    value.length !== CANONICAL_LENGTH ||
    value.charCodeAt(4) !== CODE_HYPHEN ||
    value.charCodeAt(7) !== CODE_HYPHEN ||
    value.charCodeAt(10) !== CODE_T ||
    value.charCodeAt(13) !== CODE_COLON ||
    value.charCodeAt(16) !== CODE_COLON ||
    value.charCodeAt(19) !== CODE_DOT ||
    value.charCodeAt(23) !== CODE_Z
  )
    return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  const milli = digitsAt(value, 20, 3);
  // A non-digit reads as NaN, which fails every comparison below.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && hour <= 23)) return undefined;
  if (!(minute <= 59 && second <= 59 && milli >= 0 && day <= daysInMonth(year, month)))
    return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, milli);
}

/** The decimal number the `length` digits at `start` write; NaN if one is not a digit. */
function digitsAt(value: string, start: number, length: number): number {
  let number = 0;
  for (let index = start; index < start + length; index++) {
    const digit = value.charCodeAt(index) - CODE_ZERO;
    if (!(digit >= 0 && digit <= 9)) return Number.NaN;
    number = number * 10 + digit;
  }
  return number;
}

interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: number;
  offsetMinutes: number;
}

function parseDateTimeParts(value: string): DateTimeParts | undefined {
  const match = DATE_TIME.exec(value);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const fraction = frac === undefined ? 0 : Number(`0${frac}`);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // xsd allows 24:00:00 as the end of a day, and nothing else past 23:59:59.
  if (hour === 24 ? minute !== 0 || second !== 0 || fraction !== 0 : hour > 23) return undefined;
  if (minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offsetHours = Number(zone.slice(1, 3));
    const offsetMins = Number(zone.slice(4, 6));
    if (offsetMins > 59 || offsetHours * 60 + offsetMins > 14 * 60) return undefined;
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  }
  return { year, month, day, hour, minute, second, fraction, offsetMinutes };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Tells whether a string is base64 (RFC 4648 §4) with optional padding, as RFC 7643 §2.3.6 asks of
 * binary values.
 * @example `isBase64('aGk') // true; isBase64('!!!') // false`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.6
 */
export function isBase64(value: string): boolean {
  if (!BASE64.test(value)) return false;
  const padding = value.length - value.replace(/=+$/, '').length;
  const dataLength = value.length - padding;
  if (padding > 0) return value.length % 4 === 0;
  return dataLength % 4 !== 1;
}

// Characters a URI (RFC 3986) never holds unescaped; IRIs' non-ASCII letters are let through.
// eslint-disable-next-line no-control-regex
const URI_FORBIDDEN = /[\u0000-\u0020\u007f"<>\\^`{|}]/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const SCHEME_PREFIX = /^[^/?#]*:/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Tells whether a string is an absolute or relative URI reference (RFC 7643 §2.3.7).
 * @example `isUriReference('https://example.com/Users/2819c223') // true; isUriReference('not a uri') // false`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.7
 */
export function isUriReference(value: string): boolean {
  if (value === '' || URI_FORBIDDEN.test(value) || BAD_PERCENT.test(value)) return false;
  // A colon before the first '/', '?' or '#' must end a valid scheme (RFC 3986 §4.2).
  return !SCHEME_PREFIX.test(value) || SCHEME.test(value);
}
