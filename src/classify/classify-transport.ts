import type { Outcome } from './outcome.js';

/**
 * Facts about a failed attempt that got no complete HTTP response. Plain data, so
 * {@link classifyTransport} stays pure; `describeTransportError` (client/transport-facts.ts,
 * at the axios edge) builds it from whatever the HTTP client threw.
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
