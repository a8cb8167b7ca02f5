import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Outcome } from './outcome.js';

/**
 * Facts about a failed attempt that got no complete HTTP response. Plain data, so
 * {@link classifyTransport} stays pure; {@link describeTransportError} builds it from
 * whatever the HTTP client threw.
 */
export interface TransportFacts {
  /**
   * Node or axios error code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `EAI_AGAIN`,
   * `ECONNRESET`, `EPIPE`, `ETIMEDOUT`, `ECONNABORTED`, `ERR_CANCELED`,
   * `ERR_BAD_RESPONSE`, `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`,
   * `EHOSTUNREACH`. `undefined` when the error carried none.
   */
  readonly code: string | undefined;
  /**
   * `true`: at least one byte of this request may have been handed to the socket;
   * `false`: provably none was; `undefined`: cannot tell. Only ever `false` on proof:
   * a wrong `false` turns a possibly executed order into a blind resend.
   */
  readonly requestWritten: boolean | undefined;
  /** `true` when response bytes had started arriving (a cut response). */
  readonly responseStarted: boolean;
  /**
   * The system call that failed (`connect`, `getaddrinfo`, `read`, `write`), when the
   * error says. `connect` and `getaddrinfo` failures happen before the connection
   * exists, so no request byte can have left. `undefined`: not known.
   */
  readonly syscall?: string | undefined;
}

/**
 * Codes that can only arise before any byte of the request reaches the network,
 * whatever `requestWritten` says. `requestWritten` cannot be trusted for these: Node
 * queues the request on a socket that is still connecting, so `bytesWritten` is
 * already > 0 when the connection then fails (measured: ECONNREFUSED with 240 bytes
 * "written", and a TLS certificate rejection with 121 bytes "written" while the
 * server received no application data).
 *
 * Deliberately absent: `EHOSTUNREACH` / `ENETUNREACH`. Linux also reports them on an
 * established connection whose retransmissions ran into ICMP "unreachable" answers,
 * which can be after the venue received the whole request; they count as pre-write
 * only with `syscall: 'connect'` (see {@link PRE_WRITE_SYSCALLS}). `ERR_SSL_*`
 * codes are absent as well: several are OpenSSL record-layer errors (bad record MAC,
 * decryption failure) that can strike mid-stream, after the request went out.
 */
const PRE_WRITE_CODES: ReadonlyMap<string, string> = new Map([
  // TCP: a RST in answer to our SYN. An established connection reports ECONNRESET instead.
  ['ECONNREFUSED', 'connection refused'],
  // DNS resolution (getaddrinfo) runs before a connection exists.
  ['ENOTFOUND', 'host not found'],
  ['EAI_AGAIN', 'DNS lookup failed temporarily'],
  ['EAI_NONAME', 'host not found'],
  ['EAI_FAIL', 'DNS lookup failed'],
  ['EAI_NODATA', 'host has no address'],
  // No local address/port to connect from: connect() itself failed.
  ['EADDRNOTAVAIL', 'no local address available'],
  // Certificate verification. Node checks the peer certificate when the handshake
  // completes and destroys the socket before releasing any queued application data
  // (https://nodejs.org/api/tls.html#tlsconnectoptions-callback, `rejectUnauthorized`),
  // so the request was never encrypted and sent. Node does not use TLS 0-RTT early data.
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'certificate does not match host'],
  ['ERR_TLS_CERT_ALTNAME_FORMAT', 'certificate host names malformed'],
  ['ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timed out'],
  ['CERT_HAS_EXPIRED', 'certificate expired'],
  ['CERT_NOT_YET_VALID', 'certificate not yet valid'],
  ['CERT_REVOKED', 'certificate revoked'],
  ['CERT_UNTRUSTED', 'certificate untrusted'],
  ['CERT_REJECTED', 'certificate rejected'],
  ['CERT_SIGNATURE_FAILURE', 'certificate signature invalid'],
  ['CERT_CHAIN_TOO_LONG', 'certificate chain too long'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in chain'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'certificate chain incomplete'],
  ['UNABLE_TO_GET_ISSUER_CERT', 'certificate issuer unknown'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'certificate issuer unknown'],
  ['UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'certificate signature unreadable'],
  ['UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'certificate issuer key unreadable'],
  ['INVALID_CA', 'invalid CA certificate'],
  ['PATH_LENGTH_EXCEEDED', 'certificate path too long'],
  ['INVALID_PURPOSE', 'certificate not for TLS server use'],
  ['HOSTNAME_MISMATCH', 'certificate does not match host'],
]);

/**
 * System calls whose failure means the connection never existed: Node writes request
 * bytes to the kernel only after `connect` succeeded, and `getaddrinfo` precedes it.
 * (TCP Fast Open, which could carry data in the SYN, is not used by Node's http.)
 */
const PRE_WRITE_SYSCALLS: ReadonlySet<string> = new Set(['connect', 'getaddrinfo']);

/**
 * True when `code` (or the failed `syscall`) proves the request never left. Exported
 * for the property tests and for callers that want the same judgement.
 */
export function isPreWriteFailure(code: string | undefined, syscall?: string): boolean {
  if (code !== undefined && PRE_WRITE_CODES.has(code)) return true;
  return syscall !== undefined && PRE_WRITE_SYSCALLS.has(syscall);
}

/**
 * Classifies an attempt that failed without a complete HTTP response. Pure and total.
 *
 * Rules, first match wins:
 * 1. `responseStarted` → `unknown` (the venue answered, so it received the request;
 *    the answer was cut).
 * 2. A pre-write code (connection refused, DNS, certificate verification) or a
 *    failed `connect`/`getaddrinfo` → `retry`, whatever `requestWritten` says.
 * 3. `requestWritten === false` → `retry`.
 * 4. Otherwise (`true` or `undefined`) → `unknown`: the venue may have executed it.
 *
 * @example
 * classifyTransport({ code: 'ECONNRESET', requestWritten: true, responseStarted: false });
 * // { kind: 'unknown', reason: 'ECONNRESET after the request was written' }
 */
export function classifyTransport(facts: TransportFacts): Outcome {
  const code = typeof facts.code === 'string' && facts.code !== '' ? facts.code : undefined;
  const label = code ?? 'transport error';
  if (facts.responseStarted) {
    return { kind: 'unknown', reason: `${label}: response cut` };
  }
  const syscall = typeof facts.syscall === 'string' ? facts.syscall : undefined;
  if (isPreWriteFailure(code, syscall)) {
    const why = code !== undefined ? PRE_WRITE_CODES.get(code) : undefined;
    const detail = why ?? `${syscall ?? 'connect'} failed`;
    return { kind: 'retry', reason: `${label}: not sent (${detail})` };
  }
  if (facts.requestWritten === false) {
    return { kind: 'retry', reason: `${label}: not sent` };
  }
  if (facts.requestWritten === true) {
    return { kind: 'unknown', reason: `${label} after the request was written` };
  }
  return { kind: 'unknown', reason: `${label}; the request may have been written` };
}

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
