// Whether this machine can run traces on the live kernel, and if not, what is missing.
import { spawnSync } from 'node:child_process';
import { compiler } from './native/build.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v "$1"`, 'sh', cmd]).status === 0;
let cached: string | undefined | null = null;

/** undefined when runOnKernel can work here; otherwise the reason it cannot. */
export function liveKernelUnavailable(): string | undefined {
  if (cached !== null) return cached;
  cached = probe();
  return cached;
}

function probe(): string | undefined {
  if (process.env.BPFSIM_NO_LIVE_KERNEL) return 'BPFSIM_NO_LIVE_KERNEL is set';
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (bpf(), unshare and ip link add need it)';
  for (const tool of ['flock', 'unshare', 'ip', 'mount']) if (!has(tool)) return `no ${tool} on PATH`;
  if (!has(compiler())) return `no C compiler (${compiler()}) to build the native helper`;
  const r = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', '--', 'true'], { encoding: 'utf8' });
  if (r.status !== 0) return `unshare -n -m is not permitted here: ${(r.stderr || r.error?.message || '').trim()}`;
  return undefined;
}
