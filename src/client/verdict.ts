import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { IntentRecord } from '../ledger/intent.js';
import { resolveIntent, type IntentVerdict } from '../ledger/resolve.js';
import type { IntentEvents } from './events.js';
import type { ResolvedClientOptions } from './options.js';

/**
 * Records a person's verdict on an intent (see `IntentClient.resolve`) under a lease of
 * its own, so a run of this client holding the intent is never overtaken, and reports
 * it (`intentResolved`).
 */
export async function recordVerdict(options: ResolvedClientOptions, events: IntentEvents, intentId: string, verdict: IntentVerdict): Promise<IntentRecord> {
  if (typeof intentId !== 'string' || intentId.length === 0) {
    throw new ConfigurationError({ path: 'resolve(intentId)', expected: 'an intent id', received: describeValue(intentId) });
  }
  const record = await resolveIntent(options.ledger, intentId, verdict, { owner: `${options.workerId}:resolve`, now: options.clock.now(), leaseMs: options.leaseMs });
  const resolution = record.outcome?.resolution;
  if (resolution && events.has('intentResolved')) {
    events.emit('intentResolved', {
      intentId: record.id,
      operation: record.operation,
      scope: record.scope,
      venue: record.venue,
      key: record.key,
      businessId: record.businessId,
      verdict: resolution.verdict,
      by: resolution.by,
      reason: resolution.reason,
      previousStatus: resolution.previous.status,
      at: resolution.at,
    });
  }
  return record;
}
