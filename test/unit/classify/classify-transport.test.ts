import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import net from 'node:net';
import axios, { AxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import { classifyTransport, type TransportFacts } from '../../../src/classify/index.js';
import { describeTransportError } from '../../../src/client/transport-facts.js';

/**
 * Codes that can only happen before a request byte leaves (connect refused, DNS,
 * certificate verification): each must give `retry` whatever `requestWritten` says.
 */
const PRE_WRITE = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EADDRNOTAVAIL',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
] as const;

/**
 * Codes that can happen after the request was written (reset, broken pipe, timeouts,
 * cancellation, mid-stream TLS errors, unreachable on an established connection):
 * only `requestWritten === false` may make them `retry`.
 */
const MAYBE_WRITTEN = [
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ERR_CANCELED',
  'ERR_NETWORK',
  'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
  'EHOSTUNREACH',
  'ENETUNREACH',
  undefined,
] as const;

const WRITTEN_STATES = [true, false, undefined] as const;

function facts(code: string | undefined, requestWritten: boolean | undefined, responseStarted = false): TransportFacts {
  return { code, requestWritten, responseStarted };
}

describe('classifyTransport', () => {
  describe.each(PRE_WRITE)('pre-write code %s', (code) => {
    it.each(WRITTEN_STATES)('is retry with requestWritten=%s', (requestWritten) => {
      const outcome = classifyTransport(facts(code, requestWritten));
      expect(outcome.kind).toBe('retry');
      expect(outcome.reason).toContain(`${code}: not sent`);
    });
  });

  describe.each(MAYBE_WRITTEN)('code %s', (code) => {
    it('is unknown when the request was written', () => {
      const outcome = classifyTransport(facts(code, true));
      expect(outcome.kind).toBe('unknown');
      expect(outcome.reason).toBe(`${code ?? 'transport error'} after the request was written`);
    });
    it('is unknown when nobody can tell whether it was written', () => {
      const outcome = classifyTransport(facts(code, undefined));
      expect(outcome.kind).toBe('unknown');
      expect(outcome.reason).toContain('may have been written');
    });
    it('is retry when provably nothing was written', () => {
      const outcome = classifyTransport(facts(code, false));
      expect(outcome.kind).toBe('retry');
      expect(outcome.reason).toBe(`${code ?? 'transport error'}: not sent`);
    });
  });

  it('treats a cut response as unknown even for a code that is otherwise pre-write', () => {
    // Contradictory facts must resolve to the conservative side.
    for (const code of [...PRE_WRITE, ...MAYBE_WRITTEN]) {
      for (const requestWritten of WRITTEN_STATES) {
        const outcome = classifyTransport(facts(code, requestWritten, true));
        expect(outcome.kind).toBe('unknown');
        expect(outcome.reason).toContain('response cut');
      }
    }
  });

  it('counts EHOSTUNREACH as pre-write only when connect() itself failed', () => {
    // Linux reports EHOSTUNREACH on an established connection whose retransmissions met
    // ICMP unreachable answers, which may be after the venue read the whole request.
    expect(classifyTransport({ ...facts('EHOSTUNREACH', true), syscall: 'read' }).kind).toBe('unknown');
    expect(classifyTransport({ ...facts('EHOSTUNREACH', true), syscall: 'connect' }).kind).toBe('retry');
    expect(classifyTransport({ ...facts('ETIMEDOUT', true), syscall: 'connect' }).kind).toBe('retry');
    expect(classifyTransport({ ...facts('ECONNRESET', undefined), syscall: 'write' }).kind).toBe('unknown');
  });

  it('reads an empty code as no code', () => {
    expect(classifyTransport(facts('', true)).reason).toBe('transport error after the request was written');
  });
});

/** A fabricated AxiosError from the http adapter, with a ClientRequest-like `request`. */
function axiosError(code: string | undefined, request?: unknown, response?: unknown): AxiosError {
  return new AxiosError('boom', code, undefined, request, response as never);
}

describe('describeTransportError', () => {
  it('reads requestWritten from the socket byte counter', () => {
    // A real, never-connected socket: its counter is 0 and it is what Node's http uses.
    expect(describeTransportError(axiosError('ECONNRESET', { socket: new Socket() })).requestWritten).toBe(false);
    expect(describeTransportError(axiosError('ECONNRESET', { socket: new TLSSocket(new Socket()) })).requestWritten).toBe(false);
    expect(describeTransportError(axiosError('ECONNRESET', { socket: { bytesWritten: 1 } })).requestWritten).toBe(true);
    expect(describeTransportError(axiosError('ECONNRESET', { socket: { bytesWritten: 240 } })).requestWritten).toBe(true);
    // Older Node spellings of the same socket.
    expect(describeTransportError(axiosError('ECONNRESET', { _socket: new Socket() })).requestWritten).toBe(false);
    expect(describeTransportError(axiosError('ECONNRESET', { connection: { bytesWritten: 9 } })).requestWritten).toBe(true);
  });

  it('believes "nothing written" only from a plain net or TLS socket, never from a look-alike', () => {
    // An HTTP mocking library's socket subclasses net.Socket, hands the request to a
    // handler (which may execute it) and never counts a byte: 0 proves nothing there.
    class MockSocket extends Socket {}
    expect(describeTransportError(axiosError('ECONNRESET', { socket: new MockSocket() })).requestWritten).toBeUndefined();
    expect(describeTransportError(axiosError('ECONNRESET', { socket: { bytesWritten: 0 } })).requestWritten).toBeUndefined();
    // A count above zero is believed from anything: some byte left.
    expect(describeTransportError(axiosError('ECONNRESET', { socket: Object.assign(new MockSocket(), {}) })).requestWritten).toBeUndefined();
  });

  it('says "cannot tell" whenever the socket facts are missing or odd', () => {
    const cases: unknown[] = [
      undefined, // fetch adapter, or cancelled before a request existed
      {}, // request without a socket
      { socket: null },
      { socket: {} },
      { socket: { bytesWritten: undefined } }, // Node returns undefined once the write buffer is gone
      { socket: { bytesWritten: Number.NaN } },
      { socket: { bytesWritten: -1 } },
      { socket: { bytesWritten: '0' } },
      // After a redirect the socket belongs to the last hop; an earlier hop reached a server.
      { socket: { bytesWritten: 0 }, _redirectCount: 1 },
    ];
    for (const request of cases) {
      expect(describeTransportError(axiosError('ECONNRESET', request)).requestWritten).toBeUndefined();
    }
  });

  it('prefers the system code in the cause when axios reports a generic one', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' });
    const generic = axiosError('ERR_NETWORK');
    generic.cause = cause;
    expect(describeTransportError(generic)).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });

    const noCode = axiosError(undefined);
    noCode.cause = cause;
    expect(describeTransportError(noCode).code).toBe('ECONNREFUSED');

    // A specific code on the error itself wins over the cause.
    const specific = axiosError('ECONNABORTED');
    specific.cause = cause;
    expect(describeTransportError(specific).code).toBe('ECONNABORTED');
  });

  it('keeps AxiosError.from(systemError) code and syscall', () => {
    const system = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    const wrapped = AxiosError.from(system, undefined, undefined, { socket: { bytesWritten: 120 } });
    const described = describeTransportError(wrapped);
    expect(described).toEqual({ code: 'ECONNRESET', requestWritten: true, responseStarted: false, syscall: 'read' });
    expect(classifyTransport(described).kind).toBe('unknown');
  });

  it('reads the syscall of an AggregateError only when every member agrees', () => {
    const member = (code: string, syscall: string): Error => Object.assign(new Error(code), { code, syscall });
    const allConnect = Object.assign(new AggregateError([member('ECONNREFUSED', 'connect'), member('ETIMEDOUT', 'connect')]), {
      code: 'ETIMEDOUT',
    });
    expect(describeTransportError(allConnect).syscall).toBe('connect');
    const mixed = new AggregateError([member('ECONNRESET', 'read'), member('ETIMEDOUT', 'connect')]);
    expect(describeTransportError(mixed)).toMatchObject({ code: 'ECONNRESET' });
    expect(describeTransportError(mixed).syscall).toBeUndefined();
  });

  it('marks a started response, which also proves the request was written', () => {
    const withResponse = axiosError('ECONNRESET', { socket: { bytesWritten: 0 } }, { status: 200, headers: {} });
    expect(describeTransportError(withResponse)).toMatchObject({ responseStarted: true, requestWritten: true });
    expect(describeTransportError(axiosError('ERR_BAD_RESPONSE')).responseStarted).toBe(true);
    expect(describeTransportError(axiosError('HPE_INVALID_CONSTANT')).responseStarted).toBe(true);
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(describeTransportError(aborted).responseStarted).toBe(true);
    expect(describeTransportError(axiosError('ECONNRESET')).responseStarted).toBe(false);
  });

  it('returns "know nothing" for non-errors and hostile objects, without throwing', () => {
    const nothing = { code: undefined, requestWritten: undefined, responseStarted: false };
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no');
        },
      },
    );
    for (const value of ['ECONNREFUSED', null, undefined, 42, Symbol('x'), hostile]) {
      expect(describeTransportError(value)).toEqual(nothing);
    }
    // A plain object with a code is read (some libraries throw such objects).
    expect(describeTransportError({ code: 'ENOTFOUND' }).code).toBe('ENOTFOUND');
  });

  it('survives a cause cycle', () => {
    const a = axiosError('ERR_NETWORK');
    const b = new Error('b');
    a.cause = b;
    (b as Error & { cause: unknown }).cause = a;
    expect(describeTransportError(a).code).toBe('ERR_NETWORK');
  });
});

describe('describeTransportError + classifyTransport against real sockets', () => {
  async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('classifies a refused connection as retry although Node already counted queued bytes', async () => {
    const port = await freePort();
    const error: unknown = await axios.post(`http://127.0.0.1:${port}/order`, { a: 1 }).catch((e: unknown) => e);
    const described = describeTransportError(error);
    expect(described.code).toBe('ECONNREFUSED');
    expect(classifyTransport(described).kind).toBe('retry');
  });

  it('classifies a reset after the server read the request as unknown', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const error: unknown = await axios.post(`http://127.0.0.1:${port}/order`, { a: 1 }).catch((e: unknown) => e);
      const described = describeTransportError(error);
      expect(described).toMatchObject({ code: 'ECONNRESET', requestWritten: true });
      expect(classifyTransport(described).kind).toBe('unknown');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
