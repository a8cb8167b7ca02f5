/**
 * The axios edge of transport classification: reads what an HTTP client threw (a live
 * error object with its request and socket) into plain {@link TransportFacts}, which the
 * pure `classifyTransport` (classify/) then judges. It lives here, beside the code that
 * makes the requests, because it needs Node's socket classes to tell a real socket from
 * a test double.
 */
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { TransportFacts } from '../classify/classify-transport.js';

/** Codes that say "something failed" without naming the network cause. */
const GENERIC_CODES: ReadonlySet<string> = new Set(['ERR_NETWORK', 'ERR_BAD_RESPONSE', 'ERR_BAD_REQUEST']);

/** How deep we follow `cause` links; real chains are 1-2 long, a cycle must not hang us. */
const MAX_CAUSE_DEPTH = 5;

/**
 * Extracts {@link TransportFacts} from an error thrown by axios (or anything else).
 * Never throws; unknown shapes give `{ code: undefined, requestWritten: undefined,
 * responseStarted: false }`, which classifies as `unknown`.
 *
 * - `code`: the error's `code`, unless it is missing or generic (`ERR_NETWORK`,
 *   `ERR_BAD_RESPONSE`, `ERR_BAD_REQUEST`), in which case the first system code found
 *   along `cause` (and in an `AggregateError`'s `errors`) wins.
 * - `requestWritten`: read from the Node `ClientRequest` in `error.request` (axios http
 *   adapter): its socket's `bytesWritten` > 0 → `true`, `=== 0` → `false`. Anything
 *   else (fetch/xhr adapters, no socket, a request that followed redirects, whose
 *   earlier hops used other sockets) → `undefined`. `bytesWritten` counts bytes queued
 *   on the socket, not bytes acknowledged, and on a reused keep-alive socket it
 *   includes earlier requests: both err towards `true`, the safe direction.
 * - `responseStarted`: `error.response` is present, or the code is `ERR_BAD_RESPONSE`
 *   (axios raises it only once response headers arrived: body cut or over
 *   `maxContentLength`), or an `HPE_*` HTTP parser error (response bytes arrived), or
 *   Node's `aborted` error (the response stream was cut). A started response also
 *   sets `requestWritten: true`.
 * - `syscall`: the failing system call, from the error or its causes.
 */
export function describeTransportError(error: unknown): TransportFacts {
  try {
    return describe(error);
  } catch {
    // A hostile getter or proxy: we know nothing, which is the conservative answer.
    return { code: undefined, requestWritten: undefined, responseStarted: false };
  }
}

function describe(error: unknown): TransportFacts {
  if (!isObject(error)) return { code: undefined, requestWritten: undefined, responseStarted: false };

  const ownCode = stringField(error, 'code');
  const code = ownCode !== undefined && !GENERIC_CODES.has(ownCode) ? ownCode : (findCauseCode(error) ?? ownCode);
  const syscall = findSyscall(error);

  const responseStarted =
    isObject(error['response']) ||
    ownCode === 'ERR_BAD_RESPONSE' ||
    (code !== undefined && code.startsWith('HPE_')) ||
    (ownCode === 'ECONNRESET' && error['message'] === 'aborted');

  const requestWritten = responseStarted ? true : readRequestWritten(error['request']);
  const facts: TransportFacts = { code, requestWritten, responseStarted };
  return syscall === undefined ? facts : { ...facts, syscall };
}

function readRequestWritten(request: unknown): boolean | undefined {
  if (!isObject(request)) return undefined;
  // follow-redirects' RedirectableRequest exposes only the last hop's socket; an
  // earlier hop was answered, so it certainly reached a server.
  const redirects = request['_redirectCount'];
  if (typeof redirects === 'number' && redirects > 0) return undefined;
  const socket = request['socket'] ?? request['_socket'] ?? request['connection'];
  if (!isObject(socket)) return undefined;
  const bytesWritten = socket['bytesWritten'];
  if (typeof bytesWritten !== 'number' || !Number.isFinite(bytesWritten) || bytesWritten < 0) return undefined;
  if (bytesWritten > 0) return true;
  // "Nothing written" is proof only from a socket that really writes to the kernel. A
  // subclass may not: a test double such as an HTTP mocking library's socket hands the
  // request to a handler (which may execute it) and never counts a byte. Only plain
  // `net.Socket` and `tls.TLSSocket` instances are believed; anything else cannot tell.
  const proto: unknown = Object.getPrototypeOf(socket);
  return proto === Socket.prototype || proto === TLSSocket.prototype ? false : undefined;
}

/** First non-generic string `code` along the cause chain (and AggregateError members). */
function findCauseCode(error: Record<string, unknown>): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isObject(current); depth++) {
    const code = stringField(current, 'code');
    if (code !== undefined && !GENERIC_CODES.has(code)) return code;
    const first = firstAggregateMember(current);
    const memberCode = first === undefined ? undefined : stringField(first, 'code');
    if (memberCode !== undefined && !GENERIC_CODES.has(memberCode)) return memberCode;
    current = current['cause'];
  }
  return undefined;
}

/**
 * The failing syscall along the cause chain. For an AggregateError (Node's
 * happy-eyeballs connect tries every address) it counts only when every member
 * failed in the same syscall.
 */
function findSyscall(error: Record<string, unknown>): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isObject(current); depth++) {
    const syscall = stringField(current, 'syscall');
    if (syscall !== undefined) return syscall;
    const members = current['errors'];
    if (Array.isArray(members) && members.length > 0) {
      const calls = new Set(members.map((m: unknown) => (isObject(m) ? stringField(m, 'syscall') : undefined)));
      if (calls.size === 1) {
        const [only] = calls;
        if (only !== undefined) return only;
      }
    }
    current = current['cause'];
  }
  return undefined;
}

function firstAggregateMember(value: Record<string, unknown>): Record<string, unknown> | undefined {
  const members = value['errors'];
  if (!Array.isArray(members)) return undefined;
  const first: unknown = members[0];
  return isObject(first) ? first : undefined;
}

function stringField(value: Record<string, unknown>, name: string): string | undefined {
  const field = value[name];
  return typeof field === 'string' && field !== '' ? field : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}
