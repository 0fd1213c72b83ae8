// The model against the live kernel: every fixture recorded by the oracle from the tcx scenarios
// (fixtures/kernel/tcx-random: the seeded random generator; fixtures/kernel/tcx-selftests: the
// selftest ports and kernel facts of this directory) is folded through the model, and every
// result must agree: ret / errno, and every field written back (count, revision, attach_flags,
// prog_ids and link_ids in order, the per-slot attach flags, link info).
import { describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Event, Result } from '@bpfsim/events';
import { compareFixture, loadFixtures, modelResults, type Fixture } from './agreement.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'fixtures', 'kernel');
const random = loadFixtures(join(FIXTURES, 'tcx-random'));
const selftests = loadFixtures(join(FIXTURES, 'tcx-selftests'));

const FIELDS = ['count', 'revision', 'attach_flags', 'prog_ids', 'link_ids', 'prog_attach_flags', 'link_attach_flags'] as const;

/** Agreement per aspect, over every result of every fixture. */
function tally(fixtures: readonly Fixture[]) {
  const t: Record<string, { same: number; total: number }> = {};
  const add = (k: string, same: boolean) => { (t[k] ??= { same: 0, total: 0 }).total++; if (same) t[k].same++; };
  for (const f of fixtures) {
    const model = modelResults(f.events);
    f.results.forEach((k: Result, i) => {
      const m = model[i];
      const e: Event = f.events[i];
      add('ret/errno', k.ret === m.ret);
      if (e.kind !== 'bpf') return;
      if (e.cmd === 'BPF_PROG_QUERY' && k.out) {
        for (const field of FIELDS) if (field in k.out) add(`query ${field}`, JSON.stringify(k.out[field]) === JSON.stringify(m.out?.[field]));
      }
      if (e.cmd === 'BPF_OBJ_GET_INFO_BY_FD' && k.out) add('link info', JSON.stringify(k.out) === JSON.stringify(m.out));
    });
  }
  return t;
}

describe.each([['tcx-random', random, 300], ['tcx-selftests', selftests, 70]] as const)('%s fixtures', (name, fixtures, atLeast) => {
  it(`are there (${fixtures.length})`, () => {
    expect(fixtures.length, `fixtures/kernel/${name}: see packages/reducer/test/tcx/README.md to record them`).toBeGreaterThanOrEqual(atLeast);
  });

  it('agree with the model on every result', () => {
    const mismatches = fixtures.flatMap((f) => compareFixture(f));
    const report = mismatches.slice(0, 10).map((m) => `${m.fixture} #${m.index} ${JSON.stringify(m.event)}\n  ${m.diff.replace(/\n/g, '\n  ')}`).join('\n');
    expect(mismatches.length, report).toBe(0);
  });

  it('agree on each aspect (100%)', () => {
    const t = tally(fixtures);
    for (const [aspect, { same, total }] of Object.entries(t)) expect(`${aspect}: ${same}/${total}`).toBe(`${aspect}: ${total}/${total}`);
    expect(t['ret/errno'].total).toBeGreaterThan(0);
  });
});

describe('tcx-random fixtures', () => {
  it('cover every command and the interesting errnos', () => {
    const seen = new Set<string>();
    for (const f of random) f.events.forEach((e, i) => seen.add(`${e.kind === 'bpf' ? e.cmd : e.kind} ${f.results[i].ret < 0 ? f.results[i].ret : 'ok'}`));
    for (const want of [
      'BPF_PROG_ATTACH ok', 'BPF_PROG_ATTACH -17', 'BPF_PROG_ATTACH -116', 'BPF_PROG_ATTACH -34', 'BPF_PROG_ATTACH -2', 'BPF_PROG_ATTACH -19',
      'BPF_PROG_DETACH ok', 'BPF_PROG_DETACH -16', 'BPF_PROG_DETACH -2', 'BPF_LINK_CREATE ok', 'BPF_LINK_CREATE -17',
      'BPF_LINK_UPDATE ok', 'BPF_LINK_UPDATE -67', 'BPF_LINK_UPDATE -1', 'BPF_LINK_DETACH ok', 'BPF_PROG_QUERY ok',
      'BPF_PROG_QUERY -28', 'netdev_del ok', 'close ok',
    ]) expect(seen, want).toContain(want);
  });
});
