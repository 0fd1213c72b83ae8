// immer's produce beside bpfsim's drafting engine (packages/reducer/src/draft), on the shapes the
// reducer folds: ns per produce, and immer/draft. Each engine folds its own chain of states
// (state = produce(state, recipe)), as fold() does.
// Run: npx tsx bench/draft.ts
import { cpus, release } from 'node:os';
import * as immer from '../packages/reducer/test/draft/immer.ts';
import * as draft from '../packages/reducer/src/draft/index.ts';

immer.enablePatches();

type Produce = <T>(base: T, recipe: (d: any) => void) => T;
type ProduceWithPatches = <T>(base: T, recipe: (d: any) => void) => readonly [T, unknown[], unknown[]];

/** A kernel-like state: root of 9 named keys; tables keyed by small integers; maps of 12 named
 *  keys holding a hash-map data node whose radix leaf has 64 buckets of [key, value] pairs. */
function makeState(): any {
  const bucket = (i: number) => [[`k${i}`, `v${i}`]];
  const leaf: Record<number, unknown> = {};
  for (let i = 0; i < 64; i++) leaf[i] = bucket(i);
  const root: Record<number, unknown> = { 0: leaf };
  const maps: Record<number, unknown> = {};
  for (let id = 1; id <= 20; id++) {
    maps[id] = {
      id, refs: 1, map_type: 1, key_size: 4, value_size: 8, max_entries: 1024, map_flags: 0, map_extra: 0,
      name: `m${id}`, frozen: false,
      data: { kind: 'hash', hashrnd: id, n_buckets: 64, count: 64, buckets: id === 7 ? leaf : root },
      extra: 0,
    };
  }
  const fds: Record<number, unknown> = { 0: { kind: 'file', id: 0 }, 1: { kind: 'file', id: 0 }, 2: { kind: 'file', id: 0 } };
  for (let fd = 3; fd < 10; fd++) fds[fd] = { kind: 'map', id: fd };
  return draft.freeze({
    rng: 1, procs: { 100: { pid: 100, fds }, 101: { pid: 101, fds: {} } }, progs: {}, maps, links: {},
    nextId: { prog: 1, map: 21, link: 1 }, netdevs: { 1: { ifindex: 1, name: 'lo', peer: 0 } }, nextIfindex: 2, bpffs: {},
  }, true);
}

let i = 0;
const recipes = {
  '(a) read 3 levels: d.procs[100].fds[3]': (d: any) => { void d.procs[100].fds[3].id; },
  '(b) 3-level write: d.maps[7].refs = i': (d: any) => { d.maps[7].refs = ++i; },
  '(c) 5-level write: d.maps[7].data.buckets[17][0] = [k, v]': (d: any) => { d.maps[7].data.buckets[17][0] = ['k17', `v${++i}`]; },
};

/** ns per call of `run`: the fastest of many rounds of `n` calls. Rounds are long enough to
 *  include their share of garbage collection; the fastest one is the least disturbed by other
 *  processes on the machine. */
function time(run: () => void, n: number, rounds: number): number {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  return best;
}

function bench(produce: Produce | ProduceWithPatches, recipe: (d: any) => void, withPatches = false): number {
  let s = makeState();
  const run = withPatches
    ? () => { s = (produce as ProduceWithPatches)(s, recipe)[0]; }
    : () => { s = (produce as Produce)(s, recipe); };
  time(run, 2000, 5); // warm up
  return time(run, 2000, 30);
}

const fmt = (ns: number) => `${ns >= 10000 ? Math.round(ns).toLocaleString('en') : ns.toFixed(0)} ns`.padStart(10);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, Linux ${release()}, Node ${process.version}`);
console.log('ns per produce: the fastest of 30 rounds of 2000 chained produces each (garbage collection included)');
console.log(`${'case'.padEnd(62)}${'immer'.padStart(10)}${'draft'.padStart(10)}   immer/draft`);
const rows: [string, number, number][] = [];
for (const [name, recipe] of Object.entries(recipes)) {
  rows.push([name, bench(immer.produce as Produce, recipe), bench(draft.produce as Produce, recipe)]);
}
const c = recipes['(c) 5-level write: d.maps[7].data.buckets[17][0] = [k, v]'];
rows.push(['(d) = (c) with patches (produceWithPatches)',
  bench(immer.produceWithPatches as ProduceWithPatches, c, true), bench(draft.produceWithPatches as ProduceWithPatches, c, true)]);
for (const [name, a, b] of rows) console.log(`${name.padEnd(62)}${fmt(a)}${fmt(b)}   ${(a / b).toFixed(1)}x`);
