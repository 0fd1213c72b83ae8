// ns per packet of the datapath's compiled programs beside the live kernel's JIT (BPF_PROG_TEST_RUN
// with repeat=N reports its mean ns per run in `duration`), for three SCHED_CLS programs:
//   alu      straight-line: 128 ALU64/ALU32 instructions on registers
//   loop     a bounded loop: 256 iterations of a multiply-xorshift step (register-only with a loop:
//            the model runs it through its WebAssembly back end, compile/wasm.ts)
//   tc       a realistic tc program: parse Ethernet / IPv4 / TCP with bounds checks, look the
//            flow's source address up in a hash map (1024 entries), bump a per-CPU-less array
//            counter with an atomic add, return TC_ACT_OK
// alu and loop return a bit of the xor of every register's two halves, so that the result depends
// on every instruction: a program returning a constant (or only some registers' low halves) lets
// V8 drop that arithmetic as dead code, which the kernel's JIT does not. The model's retval is
// checked against the kernel's.
// Model figures: `run` is testRun(repeat=N)'s per-run cost (what the kernel's duration measures),
// `batch` runBatch's per-packet cost through the tcx fast path (skb set-up, verdict, write set).
// Run: npx tsx bench/datapath.ts [N]   (the kernel column needs root; bench/native/datapath_kernel.c)
import { cpus, release } from 'node:os';
import { assemble, runBatch, testRun, type Snapshot } from '@bpfsim/datapath';
import { insnsHex, kernel, kernelUnavailable, parseRun } from '../packages/datapath/test/kernel.ts';
import { arrayMap, hashMap, prog, snapshot } from '../packages/datapath/test/snapshots.ts';

const N = Number(process.argv[2] ?? 100_000);

const ALU = (() => {
  const ops = ['add', 'xor', 'mul', 'rsh', 'or', 'sub', 'lsh', 'and32', 'add32', 'arsh'];
  const lines = ['mov %r0, 1', 'mov %r2, 0x1234567', 'mov %r3, 7', 'mov %r4, -3', 'mov %r5, 0x55'];
  for (let i = 0; i < 128; i++) {
    const o = ops[i % ops.length];
    const d = `%r${[0, 2, 3, 4, 5][i % 5]}`;
    const shift = o === 'rsh' || o === 'lsh' || o === 'arsh';
    lines.push(`${o} ${d}, ${shift ? (i % 13) + 1 : i % 3 === 0 ? `%r${[2, 3, 4, 5, 0][i % 5]}` : (i * 2654435761) % 100000 + 1}`);
  }
  lines.push('xor %r0, %r2', 'xor %r0, %r3', 'xor %r0, %r4', 'xor %r0, %r5', 'mov %r1, %r0', 'rsh %r1, 32', 'xor %r0, %r1', 'and %r0, 1', 'exit');
  return lines.join('\n');
})();

const LOOP = `
  mov %r0, 0
  mov %r2, 0x9e3779b9
  mov %r3, 0
loop:
  mul %r2, 0x5bd1e995
  mov %r4, %r2
  rsh %r4, 15
  xor %r2, %r4
  add %r0, %r2
  add %r3, 1
  jlt %r3, 256, loop
  mov %r1, %r0
  rsh %r1, 32
  xor %r0, %r1
  and %r0, 1
  exit`;

const TC = `
  mov %r6, %r1
  ldxw %r2, [%r6+76]
  ldxw %r3, [%r6+80]
  mov %r4, %r2
  add %r4, 54
  jgt %r4, %r3, pass
  ldxh %r4, [%r2+12]
  jne %r4, 0x8, pass
  ldxb %r4, [%r2+14]
  and %r4, 0xf
  jne %r4, 5, pass
  ldxb %r4, [%r2+23]
  jne %r4, 6, pass
  ldxh %r4, [%r2+36]
  ldxw %r5, [%r2+26]
  stxw [%r10-4], %r5
  ldmapfd %r1, 0
  mov %r2, %r10
  add %r2, -4
  call 1
  jeq %r0, 0, pass
  ldxw %r7, [%r0+0]
  stw [%r10-8], 0
  ldmapfd %r1, 1
  mov %r2, %r10
  add %r2, -8
  call 1
  jeq %r0, 0, pass
  mov %r1, 1
  lock add [%r0+0], %r1
pass:
  mov %r0, 0
  exit`;

const hex32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].map((b) => b.toString(16).padStart(2, '0')).join('');
const SRC = 0x0a000001 + 500;
const FLOWS = Array.from({ length: 1024 }, (_, i) => [hex32(((0x0a000001 + i) >>> 0) === 0 ? 1 : ((0x0100000a + (i << 24)) >>> 0)), hex32(i)] as [string, string]);
// The packet's saddr 10.0.1.244 as it sits in memory, and an entry for it.
const SADDR = '0a0001f4';
FLOWS[500] = [SADDR, hex32(500)];
void SRC;
const PKT = '0000000000010000000000020800' + '45000028000100004006' + '0000' + SADDR + '0a000002' + '3039005000000001000000005002ffff00000000' + '00'.repeat(6);

interface Case { name: string; asm: string; maps: boolean }
const CASES: Case[] = [{ name: 'alu', asm: ALU, maps: false }, { name: 'loop', asm: LOOP, maps: false }, { name: 'tc', asm: TC, maps: true }];

function snapOf(c: Case): Snapshot {
  const maps = c.maps ? [hashMap(10, 4, 4, 1024, FLOWS), arrayMap(11, 8, 1)] : [];
  return snapshot([prog(1, assemble(c.asm), c.maps ? [10, 11] : [])], maps, { 1: { ifindex: 1 }, 2: { ifindex: 2, tcx_ingress: { fp: [1] } } });
}

function modelRun(c: Case): { ns: number; retval: number } {
  const s = snapOf(c);
  const retval = testRun(s, 1, { data_in: PKT, repeat: 20_000 }).out!.retval; // warm up: compile, let V8 optimise
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t0 = process.hrtime.bigint();
    const r = testRun(s, 1, { data_in: PKT, repeat: N });
    const ns = Number(process.hrtime.bigint() - t0) / N;
    if (r.ret !== 0) throw new Error(`${c.name}: testRun ret ${r.ret} ${r.error?.message}`);
    best = Math.min(best, ns);
  }
  return { ns: best, retval };
}

function modelBatch(c: Case): number {
  const s = snapOf(c);
  const pkts = Array.from({ length: Math.min(N, 20_000) }, () => ({ ifindex: 2, direction: 'ingress' as const, data: PKT }));
  // Warm up: a batch's per-packet functions are optimised in the background while the first
  // batches run, and once more after the second batch's first packet takes the paths only a
  // batch's first packet takes; on a busy machine one warm-up batch sometimes left all 5 timed
  // batches before that (a bimodal 80 or 130-250 ns for alu).
  for (let w = 0; w < 3; w++) runBatch(s, pkts);
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t0 = process.hrtime.bigint();
    const r = runBatch(s, pkts);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / pkts.length);
    if (r.verdicts[0].action !== 'pass') throw new Error(`${c.name}: ${JSON.stringify(r.verdicts[0])}`);
  }
  return best;
}

function kernelRun(c: Case): { ns: number; retval: number } {
  const maps = c.maps ? ['MAP 1 4 4 1024 0', ...FLOWS.map(([k, v]) => `UPDATE 0 ${k} ${v}`), 'MAP 2 4 8 1 0'] : [];
  const script = [...maps, `PROG 3 ${insnsHex(assemble(c.asm))}`];
  const runs = Array.from({ length: 5 }, () => `RUN 0 ${N} ${PKT} - 0 0`);
  const out = kernel([...script, ...runs]);
  const load = out[script.length - 1];
  if (!load.startsWith('ok')) throw new Error(`${c.name}: kernel refused the program: ${load}`);
  const answers = out.slice(script.length).map(parseRun);
  return { ns: Math.min(...answers.map((r) => r.duration)), retval: answers[0].retval };
}

const why = kernelUnavailable();
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, Linux ${release()}, Node ${process.version}`);
console.log(`N = ${N} runs per measurement, best of 5; kernel: BPF_PROG_TEST_RUN repeat=N duration (JIT), ${why ? `skipped: ${why}` : 'in a private netns'}`);
console.log('program   model run ns   model batch ns/pkt   kernel ns   run/kernel   batch/kernel');
for (const c of CASES) {
  const { ns: run, retval } = modelRun(c);
  const batch = modelBatch(c);
  const kr = why ? undefined : kernelRun(c);
  if (kr && kr.retval !== retval) throw new Error(`${c.name}: the model returns ${retval}, the kernel ${kr.retval}`);
  const k = kr ? kr.ns : NaN;
  const f = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1));
  console.log(`${c.name.padEnd(8)}  ${f(run).padStart(12)}   ${f(batch).padStart(18)}   ${f(k).padStart(9)}   ${(Number.isNaN(k) ? '-' : (run / k).toFixed(2) + 'x').padStart(10)}   ${(Number.isNaN(k) ? '-' : (batch / k).toFixed(2) + 'x').padStart(12)}`);
}
