// Trace benchmarks: record throughput, bytes per event, replay throughput, and seek latency at
// random points of a long trace (target 1,000,000 events; recording stops after about a minute,
// and everything is measured at the size reached, extrapolating nothing).
// Run: npx tsx bench/replay.ts [--events N] [--budget SECONDS] [--seeks N] [--replays N] [--workers N] [--fsync never|hash|always]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { eventProblem, type Event } from '@bpfsim/events';
import { Kernel, kernelFoldMany } from '@bpfsim/kernel';
import { fold, initialState } from '@bpfsim/reducer';
import { cycle } from './workload.ts';
import { recordKernel } from '../packages/replay/src/trace/recorder.ts';
import { Trace } from '../packages/replay/src/trace/reader.ts';
import { replayTrace } from '../packages/replay/src/trace/replay.ts';
import { ReplayPool, segmentCuts } from '../packages/replay/src/trace/pool.ts';
import { noPretenuring } from '../packages/replay/src/gc-tuning.ts';
import { Session } from '../packages/replay/src/timetravel/session.ts';

const arg = (name: string, dflt: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const TARGET = arg('--events', 1_000_000);
const BUDGET_S = arg('--budget', 60);
const SEEKS = arg('--seeks', 200);
const REPLAYS = arg('--replays', 3);
const WORKERS = arg('--workers', Math.min(cpus().length - 1, 7));
const FSYNC = (process.argv.includes('--fsync') ? process.argv[process.argv.indexOf('--fsync') + 1] : 'hash') as 'never' | 'hash' | 'always';

const I = (code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0) => ({ code, dst_reg, src_reg, off, imm });

/** A tc manager's cycle (pid 200): a veth pair, a program attached to ingress and linked to egress, queries, a pin, a fork. Closes all it opens. */
function tcxCycle(c: number): Event[] {
  const dev = `v${c % 1000}`, peer = `p${c % 1000}`;
  const b = (cmd: string, attr: Record<string, unknown>, pid = 200) => ({ kind: 'bpf', pid, cmd, attr }) as Event;
  return [
    { kind: 'netdev_add', name: dev, peer },
    b('BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', prog_name: 'tc', license: 'GPL', insns: [I(0xb7, 0, 0, 0, c & 0xff), I(0x95)] }),
    b('BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', prog_name: 'tc2', license: 'GPL', insns: [I(0xb7, 0, 0, 0, -1), I(0x95)] }),
    b('BPF_PROG_ATTACH', { target_ifindex: 0, attach_bpf_fd: 3, attach_type: 'BPF_TCX_INGRESS' }), // wrong ifindex: ENODEV
    { kind: 'bpf', pid: 200, cmd: 'BPF_PROG_QUERY', attr: { target_ifindex: 1, attach_type: 'BPF_TCX_INGRESS', count: 0 } } as Event,
    b('BPF_LINK_CREATE', { prog_fd: 4, target_ifindex: 1, attach_type: 'BPF_TCX_EGRESS' }),
    b('BPF_PROG_QUERY', { target_ifindex: 1, attach_type: 'BPF_TCX_EGRESS', count: 4, prog_ids: true, link_ids: true }),
    b('BPF_OBJ_PIN', { bpf_fd: 5, pathname: `/sys/fs/bpf/l${c}` }),
    { kind: 'fork', pid: 200, child: 201 },
    b('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 5, info_len: 64, info: true }, 201),
    { kind: 'exit', pid: 201 },
    b('BPF_LINK_UPDATE', { link_fd: 5, new_prog_fd: 3 }),
    b('BPF_LINK_DETACH', { link_fd: 5 }),
    { kind: 'unlink', pid: 200, pathname: `/sys/fs/bpf/l${c}` },
    { kind: 'close', pid: 200, fd: 5 }, { kind: 'close', pid: 200, fd: 4 }, { kind: 'close', pid: 200, fd: 3 },
    { kind: 'netdev_del', name: dev },
  ];
}

/** The mix: map-heavy loader cycles (bench/workload.ts), and every fourth cycle a tc manager's. */
function* workload(): Generator<Event> {
  for (let c = 0; ; c++) {
    yield* cycle(c);
    if (c % 4 === 0) yield* tcxCycle(c);
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const ms = (ns: bigint | number) => Number(ns) / 1e6;
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const now = () => process.hrtime.bigint();

// As bpfsim does at start (packages/cli/src/main.ts): V8's allocation-site pretenuring off, so that
// the seeks below run as in `bpfsim debug` (a Session turns it off too, but by then this process
// has folded a million events and V8 has made its choices). (replayTrace turns V8's parallel
// scavenges off, gc-tuning.ts.)
noPretenuring();
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`);

// For reference: the fold alone over the same mix (the first 100,000 events, after a warm-up).
{
  const g = workload();
  const evs = Array.from({ length: Math.min(TARGET, 100_000) }, () => g.next().value as Event);
  for (let pass = 0; pass < 2; pass++) {
    let s = initialState(1);
    const t = process.hrtime.bigint();
    for (const e of evs) s = fold(s, e).state;
    if (pass === 1) console.log(`fold alone: ${Math.round(evs.length / (Number(process.hrtime.bigint() - t) / 1e9)).toLocaleString('en')} events/s (the reference for the rates below)`);
  }
}

// Record: the Kernel facade folds, the recorder writes every event (one write(2) each), hashes every 256.
const dir = mkdtempSync(join(tmpdir(), 'bpfsim-bench-'));
const path = join(dir, 'bench.trace');
const kernel = new Kernel({ seed: 1 });
const rec = recordKernel(kernel, path, { fsync: FSYNC });
const gen = workload();
let t0 = now();
let n = 0;
const deadline = t0 + BigInt(BUDGET_S * 1e9);
while (n < TARGET) {
  kernel.apply(gen.next().value as Event);
  n++;
  if ((n & 1023) === 0) {
    if (now() > deadline) break;
    if (kernel.trace.length > 0) (kernel.trace as unknown as Event[]).length = 0; // the facade's in-memory trace is not what is measured
  }
}
rec.stop();
const recordNs = now() - t0;
const bytes = statSync(path).size;
if (n < TARGET) console.log(`note: recording ${fmt(TARGET)} events did not fit in the ${BUDGET_S} s budget with the current fold; everything below is measured at ${fmt(n)} events`);
console.log(`trace: ${fmt(n)} events, ${fmt(bytes)} bytes, ${(bytes / n).toFixed(1)} bytes/event (a hash record every 256 events; fsync: ${FSYNC})`);
console.log(`record (fold + encode + write + hash): ${fmt(n / (Number(recordNs) / 1e9))} events/s`);

t0 = now();
const trace = Trace.load(path);
console.log(`open (read + CRC32C every record + index): ${ms(now() - t0).toFixed(0)} ms`);

// Replay and its stages are each run REPLAYS times, and the best run counts: on a shared machine a
// run is only ever slowed by others. CPU time (this process's user + system, GC threads included)
// is given too: what the work cost, less the time other processes took the cores.
function best(f: () => void): { wall: number; cpu: number } {
  let wall = Infinity, cpu = Infinity;
  for (let r = 0; r < REPLAYS; r++) {
    const t = now(), c = process.cpuUsage();
    f();
    const cu = process.cpuUsage(c);
    wall = Math.min(wall, Number(now() - t));
    cpu = Math.min(cpu, (cu.user + cu.system) * 1000);
  }
  return { wall, cpu };
}

let report!: ReturnType<typeof replayTrace>;
const replayed = best(() => { report = replayTrace(trace); });
if (!report.ok) { console.error('replay diverged:', report.divergence?.message); process.exitCode = 1; }
console.log(`replay (decode + validate + fold + compare results + ${report.hashesChecked} hashes): ${fmt(n / (replayed.wall / 1e9))} events/s (best of ${REPLAYS}; by CPU time ${fmt(n / (replayed.cpu / 1e9))} events/s)`);

// Replay on threads: the segments between the trace's snapshots (recordKernel writes one every
// 8,192 events) on WORKERS worker threads and this one. The pool is started and waited for
// first (a worker takes about a second to start; bpfsim replay starts them before it reads the trace).
if (WORKERS > 0) {
  let t = now();
  const pool = new ReplayPool({ workers: WORKERS });
  await pool.ready();
  const startMs = ms(now() - t);
  let par!: ReturnType<typeof replayTrace>;
  const parallel = best(() => { par = replayTrace(trace, { pool }); });
  if (!par.ok || par.finalHash !== report.finalHash || par.hashesChecked !== report.hashesChecked) { console.error('parallel replay disagrees:', par.divergence?.message); process.exitCode = 1; }
  console.log(`replay on ${WORKERS} worker thread${WORKERS === 1 ? '' : 's'} and this one (${segmentCuts(trace).length - 1} segments between snapshots; the workers started in ${startMs.toFixed(0)} ms beforehand): ${fmt(n / (parallel.wall / 1e9))} events/s (best of ${REPLAYS}; ${(replayed.wall / parallel.wall).toFixed(2)}x one thread; by CPU time of all threads ${fmt(n / (parallel.cpu / 1e9))} events/s)`);
  await pool.close();
}

// Where replay's time goes: replay's loop cut short after each stage in turn (decode; decode and
// validate; those and foldMany over the same 256-event batches), each stage's cost the difference
// from the one before, so that no stage holds a million records alive.
{
  const batch: Event[] = new Array(256);
  const stages = (upTo: 1 | 2 | 3) => () => {
    let st = trace.initialState();
    for (let i = 0; i < n; i += 256) {
      const m = Math.min(256, n - i);
      batch.length = m;
      for (let k = 0; k < m; k++) {
        const e = trace.pair(i + k)[0];
        if (upTo >= 2 && eventProblem(e) !== undefined) throw new Error(`event ${i + k} is malformed`);
        batch[k] = e;
      }
      if (upTo === 3) st = kernelFoldMany(st, batch).state;
    }
  };
  const decode = best(stages(1)), validate = best(stages(2)), fold = best(stages(3));
  const us = (ns: number) => (ns / 1000 / n).toFixed(2);
  console.log(`  of which (µs/event of CPU time, best of ${REPLAYS}, each stage as what it adds to the ones before): decode ${us(decode.cpu)}, validate ${us(validate.cpu - decode.cpu)}, foldMany (256 a batch) ${us(fold.cpu - validate.cpu)}; compare results and hash every 256 ${us(replayed.cpu - fold.cpu)}`);
}

const session = new Session(trace);
t0 = now();
session.seek(n);
console.log(`session: first seek to the end (folding from the last snapshot, ${n - Math.max(0, ...trace.scan.snapshots.keys())} events): ${ms(now() - t0).toFixed(0)} ms`);
t0 = now();
session.prepare();
console.log(`session: every forward pass run (${Math.ceil(n / session.checkpointEvery)} checkpoints every ${session.checkpointEvery} events, from the start and from each snapshot): ${(ms(now() - t0) / 1000).toFixed(1)} s`);

let x = 12345;
const rand = (m: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x % m; };
const seekMs: number[] = [], backMs: number[] = [];
for (let k = 0; k < SEEKS; k++) {
  const p = rand(n + 1);
  let t = now();
  session.seek(p);
  seekMs.push(ms(now() - t));
  if (p > 0) { t = now(); session.stepBack(); backMs.push(ms(now() - t)); }
}
console.log(`seek to a random position (${SEEKS}): median ${pct(seekMs, 0.5).toFixed(2)} ms, p99 ${pct(seekMs, 0.99).toFixed(2)} ms, max ${Math.max(...seekMs).toFixed(2)} ms`);
console.log(`stepBack right after: median ${pct(backMs, 0.5).toFixed(3)} ms, p99 ${pct(backMs, 0.99).toFixed(3)} ms`);
t0 = now();
session.blame(['nextId', 'prog'], n);
console.log(`first blame, at the end (its index built back from there to the change: each event folded alone and diffed, from the last snapshot at most): ${(ms(now() - t0) / 1000).toFixed(2)} s`);
const blameMs: number[] = [];
for (let k = 0; k < 20; k++) {
  const at = rand(n + 1);
  const t = now();
  session.blame(['nextId', 'prog'], at);
  session.blame(['netdevs', '1'], at);
  blameMs.push(ms(now() - t) / 2);
}
console.log(`blame at a random position: median ${pct(blameMs, 0.5).toFixed(2)} ms, max ${Math.max(...blameMs).toFixed(2)} ms (the first blame into a stretch between snapshots builds its index)`);
const mem = process.memoryUsage();
console.log(`memory: rss ${fmt(mem.rss / 2 ** 20)} MiB, heap used ${fmt(mem.heapUsed / 2 ** 20)} MiB`);
rmSync(dir, { recursive: true, force: true });
