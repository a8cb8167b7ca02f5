import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file of `dir` with its bytes' hash and mtime: equal results mean nothing was written. */
export function fingerprintDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    out[name] = `${createHash('sha256').update(readFileSync(path)).digest('hex')}@${statSync(path).mtimeMs}`;
  }
  return out;
}
