import { createHmac } from 'node:crypto';
import type { AxiosInstance } from 'axios';

/**
 * Installs a request interceptor like an exchange user's: stamps a timestamp from
 * `now()` and signs method + url + body + timestamp with HMAC. Returns nothing; the
 * server side recomputes the signature to prove each attempt was signed afresh.
 */
export function installSigner(http: AxiosInstance, secret: string, now: () => number): void {
  http.interceptors.request.use((config) => {
    const timestamp = String(now());
    config.headers.set('X-Timestamp', timestamp);
    config.headers.set('X-Api-Key', 'test-api-key-not-secret');
    config.headers.set('X-Signature', sign(secret, config.method ?? 'get', config.url ?? '', config.data, timestamp));
    return config;
  });
}

export function sign(secret: string, method: string, url: string, data: unknown, timestamp: string): string {
  const body = data === undefined ? '' : typeof data === 'string' ? data : JSON.stringify(data);
  return createHmac('sha256', secret).update(`${method.toUpperCase()} ${url} ${body} ${timestamp}`).digest('hex');
}
