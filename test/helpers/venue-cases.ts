import type { Outcome, ResponseFacts } from '../../src/classify/index.js';

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
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  readonly expected: Partial<Outcome> & { kind: Outcome['kind'] };
}
