/**
 * A transport error reduced to what is safe to keep: name, code and message.
 *
 * Errors thrown by axios carry the whole request config (headers with API keys,
 * `Authorization`, signatures) and the raw socket; logging an intentkey error would
 * print them through `cause`. So errors we attach as `cause` go through this first.
 */
export class TransportErrorSummary extends Error {
  override readonly name = 'TransportErrorSummary';
  /** System or axios error code, e.g. `ECONNRESET`, `ECONNABORTED`. */
  readonly code: string | undefined;
  /** Name of the original error class, e.g. `AxiosError`. */
  readonly originalName: string;

  constructor(originalName: string, code: string | undefined, message: string) {
    super(message);
    this.originalName = originalName;
    this.code = code;
  }
}

const SECRET_IN_MESSAGE = /(authorization|api[-_]?key|signature|secret|token|password)\S*[:=]\s*\S+/gi;

/** Returns a secret-free summary of any thrown value. */
export function summariseError(error: unknown): TransportErrorSummary {
  if (error instanceof TransportErrorSummary) return error;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message.replace(SECRET_IN_MESSAGE, '$1=[redacted]').slice(0, 300);
    return new TransportErrorSummary(error.name, typeof code === 'string' ? code : undefined, message);
  }
  return new TransportErrorSummary(typeof error, undefined, 'a non-Error value was thrown');
}
