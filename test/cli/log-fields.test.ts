import { describe, expect, it } from 'vitest';
import { INCIDENTS, logFieldChecklist } from '../../src/tools/log-fields.js';
import { runCliInProcess } from '../helpers/cli.js';

describe('intentkey log-fields', () => {
  it('text: one row per field of the incident, with the why and the carried column (exit 0)', async () => {
    const run = await runCliInProcess(['log-fields', '--incident', 'key-conflict']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Log fields for key-conflict: one key or business id came back with another payload');
    expect(lines[2]).toMatch(/^field +type +example +intentkey +why$/);
    const expected = logFieldChecklist('key-conflict');
    for (const row of expected) expect(lines.some((l) => l.startsWith(`${row.name} `)), row.name).toBe(true);
    expect(lines.find((l) => l.startsWith('storedFingerprint '))).toMatch(/ yes +the payload the intent was created with/);
    expect(lines.find((l) => l.startsWith('venueMessage '))).toMatch(/ events only /);
    expect(lines.find((l) => l.startsWith('appVersion '))).toMatch(/ no /);
    // Fields intentkey does not log are listed with who adds them.
    expect(run.stdout).toMatch(/Not in intentkey's log lines:\n(.*\n)* {2}appVersion: no: your logger/);
  });

  it('without --incident: the union with the incidents each field is needed for', async () => {
    const run = await runCliInProcess(['log-fields']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^field +type +example +intentkey +needed for$/m);
    expect(run.stdout).toMatch(/^storedFingerprint .* key-conflict$/m);
    expect(run.stdout).toMatch(/^time .*duplicate-order, ambiguous-timeout, key-conflict, rate-limit-ban, crash-recovery, expired-key$/m);
  });

  it('--json: the checklist rows', async () => {
    const run = await runCliInProcess(['log-fields', '--incident', 'rate-limit-ban', '--json']);
    const json = JSON.parse(run.stdout) as { incident: string; fields: Array<{ name: string; incidents: string[]; carriedByIntentkey: boolean; carried: { log: string[] } }> };
    expect(json.incident).toBe('rate-limit-ban');
    expect(json.fields.map((f) => f.name)).toEqual(logFieldChecklist('rate-limit-ban').map((r) => r.name));
    expect(json.fields.find((f) => f.name === 'resumeAt')).toMatchObject({ carriedByIntentkey: true, carried: { log: ['rateLimitUsage'] } });
  });

  it('--format markdown and --format json-schema', async () => {
    const md = await runCliInProcess(['log-fields', '--incident', 'expired-key', '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^## Log fields for expired-key/);
    expect(md.stdout).toContain('| `when` | string | `resend` |');
    const schema = await runCliInProcess(['log-fields', '--format', 'json-schema']);
    expect(schema.code).toBe(0);
    const parsed = JSON.parse(schema.stdout) as { $schema: string; properties: Record<string, unknown> };
    expect(parsed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(parsed.properties)).toEqual(logFieldChecklist().map((r) => r.name));
  });

  it.each([
    [['log-fields', '--incident', 'double-spend'], /--incident: expected one of duplicate-order, .*expired-key, received "double-spend"/],
    [['log-fields', '--format', 'yaml'], /--format: expected one of text, markdown, json-schema, received "yaml"/],
    [['log-fields', '--format', 'markdown', '--json'], /--json: expected no --format markdown/],
  ])('%j is bad usage (exit 2)', async (args, message) => {
    const run = await runCliInProcess(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('every incident prints, and colour only on a terminal', async () => {
    for (const incident of INCIDENTS) expect((await runCliInProcess(['log-fields', '--incident', incident])).code).toBe(0);
    const tty = await runCliInProcess(['log-fields', '--incident', 'expired-key'], { tty: true });
    expect(tty.stdout).toContain('\u001b[32myes\u001b[39m');
    const plain = await runCliInProcess(['log-fields', '--incident', 'expired-key'], { tty: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('help lists the incidents and examples', async () => {
    const run = await runCliInProcess(['log-fields', '--help']);
    expect(run.code).toBe(0);
    for (const incident of INCIDENTS) expect(run.stdout).toContain(incident);
    expect(run.stdout).toContain('$ intentkey log-fields --incident duplicate-order');
  });
});
