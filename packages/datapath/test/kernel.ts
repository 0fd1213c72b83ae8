// The live kernel, for tests that compare with it: bench/native/datapath_kernel.c, built on demand
// with cc and run as root inside a private network namespace (`unshare -n`). kernelUnavailable()
// says why it cannot be used here (not root, no cc, no unshare), so tests can skip with the reason.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import type { Insn } from '@bpfsim/events';

const SRC = new URL('../../../bench/native/datapath_kernel.c', import.meta.url).pathname;
const DIR = new URL('../../../bench/native/build/', import.meta.url).pathname;
const BIN = DIR + 'datapath_kernel';

let reason: string | undefined | null = null;

export function kernelUnavailable(): string | undefined {
  if (reason !== null) return reason;
  if (process.getuid?.() !== 0) return (reason = 'not root: BPF_PROG_TEST_RUN needs CAP_BPF + CAP_NET_ADMIN');
  try {
    mkdirSync(DIR, { recursive: true });
    if (!existsSync(BIN) || statSync(BIN).mtimeMs < statSync(SRC).mtimeMs) execFileSync('cc', ['-O2', '-o', BIN, SRC]);
    const out = execFileSync('unshare', ['-n', BIN], { input: 'PROG 3 b7000000000000009500000000000000\n', encoding: 'utf8' });
    if (!out.startsWith('ok')) return (reason = `the kernel refused a trivial tc program: ${out.trim()}`);
  } catch (e) {
    return (reason = `cannot run the kernel helper: ${(e as Error).message.split('\n')[0]}`);
  }
  return (reason = undefined);
}

/** Runs a command script (see datapath_kernel.c); one answer line per command. */
export function kernel(lines: readonly string[]): string[] {
  const out = execFileSync('unshare', ['-n', BIN], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.trimEnd().split('\n');
}

export function insnsHex(insns: readonly Insn[]): string {
  let s = '';
  for (const i of insns) {
    const b = [i.code, (i.dst_reg & 0xf) | ((i.src_reg & 0xf) << 4), i.off & 0xff, (i.off >> 8) & 0xff,
      i.imm & 0xff, (i.imm >>> 8) & 0xff, (i.imm >>> 16) & 0xff, (i.imm >>> 24) & 0xff];
    for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  }
  return s;
}

export interface KernelRun {
  ret: number; errno: number; retval: number; duration: number;
  data_size_out: number; data_out: string; ctx_size_out: number; ctx_out: string;
}

export function parseRun(line: string): KernelRun {
  const t = line.split(' ');
  const get = (k: string) => t[t.indexOf(k) + 1];
  const hex = (k: string) => (get(k) === '-' ? '' : get(k));
  return {
    ret: Number(get('ret')), errno: Number(get('errno')), retval: Number(get('retval')), duration: Number(get('duration')),
    data_size_out: Number(get('data_size_out')), data_out: hex('data_out'), ctx_size_out: Number(get('ctx_size_out')), ctx_out: hex('ctx_out'),
  };
}
