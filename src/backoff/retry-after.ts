/**
 * What a numeric wait header counts.
 *
 * - `seconds`: delta-seconds, as in HTTP `Retry-After` (which may also be an HTTP-date).
 * - `milliseconds`: a delta in ms (e.g. KuCoin's `gw-ratelimit-reset`).
 * - `epochSeconds` / `epochMilliseconds`: the moment the limit resets (e.g. Bybit's
 *   `X-Bapi-Limit-Reset-Timestamp`).
 */
export type RetryAfterUnit = 'seconds' | 'milliseconds' | 'epochSeconds' | 'epochMilliseconds';

/**
 * Longest wait {@link parseRetryAfter} believes, in ms: ten years of 365.25 days.
 * Anything longer is a unit mix-up (an epoch-ms reset read as seconds) or garbage, and
 * is reported as "no usable value" instead of a wait nobody will honour. Real bans are
 * far shorter (Binance's 418 IP ban tops out at 3 days).
 */
export const MAX_PARSED_RETRY_AFTER_MS = 10 * 365.25 * 24 * 60 * 60 * 1000;

/** Non-negative decimal: digits, optionally a dot and more digits. No sign, no exponent. */
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// The three HTTP-date forms of RFC 9110 §5.6.7. Whitespace and letter case are read
// leniently: being strict here gains nothing and would drop a venue's wait on the floor.
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^(?:mon|tue|wed|thu|fri|sat|sun), +(\\d{1,2}) +${MONTH} +(\\d{4}) +${TIME} +gmt$`, 'i');
/** Obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC_850 = new RegExp(
  `^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday), +(\\d{1,2})-${MONTH}-(\\d{2}) +${TIME} +gmt$`,
  'i',
);
/** Obsolete asctime: `Sun Nov  6 08:49:37 1994` (no zone; HTTP says it is UTC). */
const ASCTIME = new RegExp(`^(?:mon|tue|wed|thu|fri|sat|sun) +${MONTH} +(\\d{1,2}) +${TIME} +(\\d{4})$`, 'i');

/**
 * Parses a `Retry-After`-style header value into a wait in ms, relative to `nowMs`.
 *
 * - `seconds` (HTTP `Retry-After`): delta-seconds (`120`, `1.5`) or an HTTP-date in any
 *   of the three forms HTTP allows (IMF-fixdate, RFC 850, asctime); a date gives
 *   `max(0, date − nowMs)`.
 * - `milliseconds`: a numeric delta in ms.
 * - `epochSeconds` / `epochMilliseconds`: a reset timestamp; gives `max(0, ts − nowMs)`.
 *
 * Fractions are rounded **up** to whole ms: waiting less than the venue asked can
 * extend a ban. Surrounding whitespace is ignored.
 *
 * Never throws.
 *
 * @param value - the raw header value; `undefined` when the header is absent.
 * @param nowMs - current time, epoch ms; only read for dates and epoch units.
 * @param unit - what a numeric value counts. @default 'seconds'
 * @returns the wait in whole ms, or `undefined` when there is no usable value: missing,
 *   empty, negative, not a number (or date, for `seconds`), or a wait longer than
 *   `MAX_PARSED_RETRY_AFTER_MS`.
 *
 * @example
 * parseRetryAfter('120', now);                                   // 120_000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now);         // ms until then, or 0
 * parseRetryAfter('1700000005', 1_700_000_000_000, 'epochSeconds'); // 5_000
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, unit: RetryAfterUnit = 'seconds'): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;

  let waitMs: number | undefined;
  const decimal = DECIMAL.exec(text);
  if (decimal !== null) {
    const intDigits = decimal[1] as string;
    const fracDigits = decimal[2] ?? '';
    switch (unit) {
      case 'seconds':
        waitMs = scaleUp(intDigits, fracDigits, 3);
        break;
      case 'milliseconds':
        waitMs = scaleUp(intDigits, fracDigits, 0);
        break;
      case 'epochSeconds':
        waitMs = Math.max(0, Math.ceil(scaleUp(intDigits, fracDigits, 3) - nowMs));
        break;
      case 'epochMilliseconds':
        waitMs = Math.max(0, Math.ceil(scaleUp(intDigits, fracDigits, 0) - nowMs));
        break;
      default:
        return undefined;
    }
  } else if (unit === 'seconds') {
    const dateAt = parseHttpDate(text, nowMs);
    if (dateAt !== undefined) waitMs = Math.max(0, Math.ceil(dateAt - nowMs));
  }

  // NaN (from a non-finite nowMs) fails this comparison too.
  if (waitMs === undefined || !(waitMs <= MAX_PARSED_RETRY_AFTER_MS)) return undefined;
  return waitMs;
}

/**
 * `ceil(value × 10^shift)` for the decimal `int.frac`, computed on the digit strings so
 * that `2.007` seconds is exactly 2007 ms (the float product is 2007.0000000000002, which
 * `Math.ceil` would turn into 2008).
 */
function scaleUp(intDigits: string, fracDigits: string, shift: number): number {
  const head = fracDigits.slice(0, shift).padEnd(shift, '0');
  const tail = fracDigits.slice(shift);
  const scaled = Number(intDigits + head);
  return /[1-9]/.test(tail) ? scaled + 1 : scaled;
}

/**
 * An HTTP-date as epoch ms, or `undefined`. Parsed by hand rather than with
 * `Date.parse`, which reads the zone-less asctime form in the machine's local time zone
 * and accepts many strings HTTP does not.
 */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) {
    const [, day, month, year, hour, minute, second] = match as unknown as string[];
    return utc(Number(year), month as string, Number(day), Number(hour), Number(minute), Number(second));
  }
  match = RFC_850.exec(text);
  if (match !== null) {
    const [, day, month, yy, hour, minute, second] = match as unknown as string[];
    if (!Number.isFinite(nowMs)) return undefined;
    // RFC 9110 §5.6.7: a two-digit year that looks more than 50 years in the future
    // means the most recent past year with the same last two digits.
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = nowYear - (nowYear % 100) + Number(yy);
    if (year > nowYear + 50) year -= 100;
    return utc(year, month as string, Number(day), Number(hour), Number(minute), Number(second));
  }
  match = ASCTIME.exec(text);
  if (match !== null) {
    const [, month, day, hour, minute, second, year] = match as unknown as string[];
    return utc(Number(year), month as string, Number(day), Number(hour), Number(minute), Number(second));
  }
  return undefined;
}

/** Epoch ms of a UTC calendar time, or `undefined` if the fields do not name a real time. */
function utc(year: number, monthName: string, day: number, hour: number, minute: number, second: number): number | undefined {
  const month = MONTHS[monthName.toLowerCase()];
  // Second 60 is allowed: IMF-fixdate permits a leap second.
  if (month === undefined || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month, day);
  // Date rolls 31 Feb over into March; a date that rolled over was not a real date.
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  return date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
}
