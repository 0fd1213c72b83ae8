// tcx attach, query and detach operations per second in the fold, beside the same operations on
// the live kernel (bench/native/tcx_kernel.c, root only, in a private netns on `lo`), as ratios.
// Run: npx tsx bench/tcx.ts [iterations]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { insn, type Event } from '@bpfsim/events';
import { fold, initialState, type KernelState } from '@bpfsim/reducer';

const iters = Number(process.argv[2] ?? 50);
const PID = 100;
const attach: Event = { kind: 'bpf', pid: PID, cmd: 'BPF_PROG_ATTACH', attr: { target_ifindex: 1, attach_bpf_fd: 3, attach_type: 'BPF_TCX_INGRESS', attach_flags: 0 } };
const query: Event = { kind: 'bpf', pid: PID, cmd: 'BPF_PROG_QUERY', attr: { target_ifindex: 1, attach_type: 'BPF_TCX_INGRESS', count: 8, prog_ids: true } };
const detach: Event = { kind: 'bpf', pid: PID, cmd: 'BPF_PROG_DETACH', attr: { target_ifindex: 1, attach_bpf_fd: 3, attach_type: 'BPF_TCX_INGRESS' } };

function setup(): KernelState {
  return fold(initialState(1), { kind: 'bpf', pid: PID, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: [insn(0xb7), insn(0x95)], license: 'GPL' } }).state;
}

function model(n: number): [number, number, number] {
  let s = setup();
  const t = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (const [k, e] of [attach, query, detach].entries()) {
      const t0 = process.hrtime.bigint();
      const r = fold(s, e);
      t[k] += Number(process.hrtime.bigint() - t0);
      if (r.result.ret < 0) throw new Error(`${(e as { cmd: string }).cmd} failed: ${r.result.ret}`);
      s = r.state;
    }
  }
  return t.map((x) => x / n) as [number, number, number];
}

function kernel(): [number, number, number] | string {
  if (process.getuid?.() !== 0) return 'skipped: not root';
  const dir = new URL('./native/build/', import.meta.url).pathname;
  const src = new URL('./native/tcx_kernel.c', import.meta.url).pathname;
  const bin = dir + 'tcx_kernel';
  try {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) execFileSync('cc', ['-O2', '-o', bin, src]);
    return execFileSync('unshare', ['-n', bin, String(iters)], { encoding: 'utf8' }).trim().split(' ').map(Number) as [number, number, number];
  } catch (e) {
    return `skipped: ${(e as Error).message.split('\n')[0]}`;
  }
}

model(Math.max(100, iters)); // warm up
const m = model(Math.max(2000, iters));
const k = kernel();
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, Linux ${release()}, Node ${process.version}`);
console.log(`workload: attach a SCHED_CLS program to lo's tcx ingress, query it, detach it; model ${Math.max(2000, iters)} rounds, kernel ${iters}`);
const names = ['BPF_PROG_ATTACH', 'BPF_PROG_QUERY', 'BPF_PROG_DETACH'];
for (let i = 0; i < 3; i++) {
  const line = `${names[i].padEnd(16)} fold ${(m[i] / 1000).toFixed(2).padStart(8)} µs (${Math.round(1e9 / m[i]).toLocaleString('en')}/s)`;
  console.log(typeof k === 'string' ? line : `${line}   kernel ${(k[i] / 1000).toFixed(2).padStart(9)} µs (${Math.round(1e9 / k[i]).toLocaleString('en')}/s)   fold/kernel speed ${(k[i] / m[i]).toFixed(1)}x`);
}
if (typeof k === 'string') console.log(`kernel: ${k}`);
