/**
 * The floor: the work any client with intentkey's guarantees does for one call, written
 * by hand with nothing else. An HMAC of the business id for the key, a SHA-256 of the
 * input with its keys sorted for the fingerprint, a record copied into a Map before the
 * request (the write-ahead) and replaced after it (the outcome), the key in a header,
 * the status read and the answer copied. No ledger interface, no decisions, no events,
 * no metrics, no retries. intentkey minus this floor is what the client's structure
 * costs; this floor minus raw axios is what no design with these guarantees can skip.
 *
 * Used by `npm run bench:in-process` (an adapter that answers at once) and
 * `npm run bench:paired` (the local HTTP server).
 */
import { createHash, createHmac } from 'node:crypto';
import type { AxiosInstance } from 'axios';

/** One call of the floor through `http`; `businessId` must be new for every call. */
export function floorCall(http: AxiosInstance, url: string): (input: Readonly<Record<string, unknown>>, businessId: string) => Promise<unknown> {
  const records = new Map<string, Record<string, unknown>>();
  const sorted = (o: Readonly<Record<string, unknown>>): string => JSON.stringify(Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]])));
  return async (input, businessId) => {
    const key = createHmac('sha256', 'bench-secret').update(`default\0order.create\0${businessId}`).digest('base64url');
    const fingerprint = createHash('sha256').update(sorted(input)).digest('hex');
    const record = { id: key, status: 'inFlight', updatedAt: Date.now(), businessId, key, fingerprint, input: { ...input }, attempt: 1, epoch: 1 };
    records.set(key, record);
    const response = await http.request({ method: 'POST', url, data: input, headers: { 'Idempotency-Key': key }, validateStatus: () => true });
    const succeeded = response.status >= 200 && response.status < 300;
    const result: unknown = structuredClone(response.data);
    records.set(key, { ...record, status: succeeded ? 'succeeded' : 'failed', updatedAt: Date.now(), outcome: { kind: 'success', result } });
    return result;
  };
}
