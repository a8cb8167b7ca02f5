import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors/index.js';
import { MemoryLedger } from '../../../src/stores/memory/memory-ledger.js';
import {
  describeLedgerContract,
  LEDGER_CONTRACT_GROUPS,
  type LedgerContractFactory,
  type LedgerContractGroup,
  type LedgerContractOptions,
  type LedgerContractTestApi,
} from '../../../src/testing/index.js';

// The contract suite's groups: which describes and tests a selection registers, and the
// error for a bad selection. The suite itself runs against every store in test/stores.

const factory: LedgerContractFactory = async () => ({ store: new MemoryLedger() });

/** Registers the suite with a runner that only records: group name -> test titles, in order. */
function register(options?: LedgerContractOptions): { suites: string[]; groups: Map<string, string[]> } {
  const suites: string[] = [];
  const groups = new Map<string, string[]>();
  let depth = 0;
  let current: string[] | undefined;
  const api: LedgerContractTestApi = {
    describe: (name, body) => {
      if (depth === 0) suites.push(name);
      else groups.set(name, (current = []));
      depth++;
      body();
      depth--;
    },
    it: (name) => {
      if (!current || depth !== 2) throw new Error(`test "${name}" registered outside a group`);
      current.push(name);
    },
  };
  describeLedgerContract('MemoryLedger', api, factory, options);
  return { suites, groups };
}

describe('describeLedgerContract groups', () => {
  it('registers every group by default, each a non-empty describe named as the group, in the order of LEDGER_CONTRACT_GROUPS', () => {
    const { suites, groups } = register();
    expect(suites).toEqual(['LedgerStore contract: MemoryLedger']);
    expect([...groups.keys()]).toEqual([...LEDGER_CONTRACT_GROUPS]);
    for (const [group, titles] of groups) expect(titles.length, group).toBeGreaterThan(0);
    const all = [...groups.values()].flat();
    expect(new Set(all).size).toBe(all.length);
    // A few anchors: each check sits in the group its name says.
    expect(groups.get('durability')).toEqual(['a durable store keeps every acknowledged change across close and reopen']);
    expect(groups.get('races')).toContain('of 16 concurrent creates of one id exactly one creates');
    expect(groups.get('listing')).toContain('list returns copies: changing a listed record changes nothing stored');
  });

  it('registers only the selected groups, in the canonical order, with the same tests as in the full suite', () => {
    const full = register().groups;
    const { groups } = register({ groups: ['claim', 'create', 'claim'] });
    expect([...groups.keys()]).toEqual(['create', 'claim']);
    expect(groups.get('create')).toEqual(full.get('create'));
    expect(groups.get('claim')).toEqual(full.get('claim'));
  });

  it.each(LEDGER_CONTRACT_GROUPS)('selects the single group %s', (group: LedgerContractGroup) => {
    const { groups } = register({ groups: [group] });
    expect([...groups.keys()]).toEqual([group]);
  });

  it('throws a ConfigurationError naming the valid groups for an unknown group, before registering anything', () => {
    let calls = 0;
    const api: LedgerContractTestApi = {
      describe: () => calls++,
      it: () => calls++,
    };
    const call = (): void => describeLedgerContract('x', api, factory, { groups: ['create', 'durable' as LedgerContractGroup] });
    expect(call).toThrow(ConfigurationError);
    expect(call).toThrow(
      'Invalid option "describeLedgerContract(options).groups[1]": expected one of "create", "claim", "transitions", "listing", "durability", "races", "lifecycle", received "durable".',
    );
    expect(calls).toBe(0);
  });

  it('throws for an empty selection and for a groups value that is not an array', () => {
    expect(() => register({ groups: [] })).toThrow(/groups": expected at least one of "create", .* \(omit groups to run them all\), received an empty array/);
    expect(() => register({ groups: 'create' as unknown as LedgerContractGroup[] })).toThrow(/groups": expected an array of group names .*, received string/);
  });
});

// The selection under the real runner: only the create and claim groups of the suite are
// registered and run against MemoryLedger.
const registered: string[] = [];
describeLedgerContract(
  'MemoryLedger, create and claim groups only',
  {
    describe: (name, body) => {
      registered.push(name);
      return describe(name, body);
    },
    it: (name, body) => it(name, body),
  },
  factory,
  { groups: ['create', 'claim'], requireClaimResumable: true },
);

describe('describeLedgerContract under vitest with groups', () => {
  it('registered exactly the suite and the two selected groups', () => {
    expect(registered).toEqual(['LedgerStore contract: MemoryLedger, create and claim groups only', 'create', 'claim']);
  });
});
