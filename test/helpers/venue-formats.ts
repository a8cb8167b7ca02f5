import type { KeyFormat } from '../../src/venues/profile.js';

/** Kraken's cl_ord_id: a dashed or 32-hex UUID, or up to 18 printable ASCII characters. */
export const KRAKEN_PATTERN =
  '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}|[\\x21-\\x7E]{1,18})$';

/**
 * Key formats of real venues as each venue documents them (docs/venues.md names the
 * sources), for key tests.
 */
export const FORMATS = {
  binanceSpot: { encoding: 'verbatim', pattern: '^[A-Za-z0-9_-]{1,36}$', maxLength: 36 },
  okx: { encoding: 'verbatim', pattern: '^[A-Za-z0-9]{1,32}$', maxLength: 32 },
  gate: { encoding: 'verbatim', prefix: 't-', pattern: '^t-[0-9A-Za-z_.-]{1,28}$', maxLength: 30 },
  kraken: { encoding: 'uuid', pattern: KRAKEN_PATTERN, maxLength: 36 },
  bitfinex: { encoding: 'integer', pattern: '^[0-9]{1,14}$', maxLength: 14, maxInteger: 2 ** 45 - 1 },
  square: { encoding: 'verbatim', maxLength: 45 },
  // Kraken's free-text cl_ord_id alternative: printable ASCII, at most 18.
  hash18: { encoding: 'hash', pattern: '^[\\x21-\\x7E]{1,18}$', maxLength: 18 },
} as const satisfies Record<string, KeyFormat>;
