import { classifyResponse, type Outcome, type ResponseFacts } from '../../src/classify/index.js';
import type { VenueProfile } from '../../src/venues/index.js';

/** Fixed time for classification tables (epoch ms). */
export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/** A response with case-insensitive headers, as `classifyResponse` receives it. */
export function respond(status: number, body: unknown, headers: Record<string, string> = {}): ResponseFacts {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, body, header: (name) => lower.get(name.toLowerCase()) };
}

/** One row of a venue's error table: a documented payload and the outcome it must give. */
export interface Case {
  readonly label: string;
  /** The docs line behind the row: file or page, and the section or code it comes from. */
  readonly source: string;
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  readonly expected: Partial<Outcome> & { kind: Outcome['kind'] };
}

/** The parts of an outcome a rule decides (what a removed rule could change). */
function decided(outcome: Outcome): string {
  return JSON.stringify({
    kind: outcome.kind,
    conflict: outcome.kind === 'conflict' ? outcome.conflict : undefined,
    scope: outcome.kind === 'rateLimited' ? outcome.scope : undefined,
    retryAfterMs: outcome.kind === 'rateLimited' ? outcome.retryAfterMs : undefined,
  });
}

/**
 * The indexes of `profile.errors` whose removal changes the decided outcome of none of
 * `cases`: rules the table does not exercise (or dead rules). A complete table gives [].
 */
export function rulesNoCaseNeeds(profile: VenueProfile, cases: readonly Case[]): number[] {
  // Every row stands on a documented payload: one without its docs line is a test bug.
  const unsourced = cases.filter((c) => c.source.trim().length < 8).map((c) => c.label);
  if (unsourced.length > 0) throw new Error(`${profile.name}: rows without a docs line: ${unsourced.join('; ')}`);
  const unneeded: number[] = [];
  profile.errors.forEach((_, index) => {
    const without: VenueProfile = { ...profile, errors: profile.errors.filter((__, j) => j !== index) };
    const changed = cases.some(({ status, body, headers }) => {
      const response = respond(status, body, headers);
      return decided(classifyResponse(without, response, NOW)) !== decided(classifyResponse(profile, response, NOW));
    });
    if (!changed) unneeded.push(index);
  });
  return unneeded;
}
