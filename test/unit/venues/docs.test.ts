import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderVenuesDoc } from '../../../scripts/venues-doc.js';
import { VENUE_PROFILES } from '../../../src/venues/registry.js';

const page = readFileSync(new URL('../../../docs/venues.md', import.meta.url), 'utf8');

describe('docs/venues.md', () => {
  it('is exactly what the generator renders from the profiles (run `npm run docs:venues` after changing one)', () => {
    expect(page).toBe(renderVenuesDoc());
  });

  it('has a section for every shipped profile, with its sources and every unverified fact', () => {
    for (const [exportName, profile] of Object.entries(VENUE_PROFILES)) {
      expect(page).toContain(`### ${profile.about?.title ?? profile.name}`);
      expect(page).toContain(`Export \`${exportName}\``);
      for (const source of profile.about?.sources ?? []) expect(page).toContain(source);
      for (const fact of profile.about?.unverified ?? []) expect(page).toContain(fact);
    }
  });

  it('renders every published limit with its figure in words, whom it counts, its costs and its source', () => {
    expect(page).toContain('| `weight-1m` | 6,000 weight per minute | IP address | 1 | 4 | `x-mbx-used-weight-1m` |');
    expect(page).toContain('| `orders-1d` | 160,000 orders per day | account | 1 | 0 | `x-mbx-order-count-1d` |');
    expect(page).toContain('| `raw-requests-5m` | 300,000 requests per 5 min | IP address | 1 | 1 | none |');
    for (const profile of Object.values(VENUE_PROFILES)) {
      const limits = profile.rateLimit.limits ?? [];
      for (const limit of limits) {
        expect(page).toContain(`| \`${limit.id}\` | ${limit.limit.toLocaleString('en-US')} `);
        expect(page).toContain((limit.note ?? '').replaceAll('|', '\\|'));
      }
    }
    expect(page.match(/^Published limits: none recorded in the profile\.$/gm)?.length).toBe(
      Object.values(VENUE_PROFILES).filter((p) => (p.rateLimit.limits ?? []).length === 0).length,
    );
  });

  it('embeds the runnable custom-venue example with package imports', () => {
    expect(page).toContain("from 'intentkey'");
    expect(page).toContain("export const acmeExchange = defineVenue({");
    expect(page).not.toContain('../src/');
    expect(page).not.toMatch(/\{\{[A-Z_]+\}\}/);
  });
});
