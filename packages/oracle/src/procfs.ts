// What /proc says about a helper's fds: which kind of BPF object an fd holds, and its fdinfo.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export type FdKind = 'prog' | 'map' | 'link' | 'btf' | 'other';

const ANON: Record<string, FdKind> = {
  'anon_inode:bpf-prog': 'prog', 'anon_inode:bpf-map': 'map', 'anon_inode:bpf_link': 'link', 'anon_inode:bpf-link': 'link', 'anon_inode:btf': 'btf',
};

/** The kind of file behind `fd` in process `pid`, or undefined if the fd is not open. */
export function fdKind(pid: number, fd: number): FdKind | undefined {
  if (!Number.isInteger(fd) || fd < 0) return undefined;
  try {
    return ANON[readlinkSync(`/proc/${pid}/fd/${fd}`)] ?? 'other';
  } catch {
    return undefined;
  }
}

/** /proc/<pid>/fdinfo/<fd> as key -> value (e.g. prog_id, map_id, link_id, key_size). */
export function fdinfo(pid: number, fd: number): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** The open fd numbers of `pid`, ascending. */
export function openFds(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
}

/** map_type, key_size and value_size of the map behind `fd`, from its fdinfo. */
export function mapShape(pid: number, fd: number): { map_type: number; key_size: number; value_size: number } | undefined {
  if (fdKind(pid, fd) !== 'map') return undefined;
  const i = fdinfo(pid, fd);
  if (!i || i.map_type === undefined) return undefined;
  return { map_type: Number(i.map_type), key_size: Number(i.key_size), value_size: Number(i.value_size) };
}

/** num_possible_cpus(), from /sys/devices/system/cpu/possible ("0-3", "0,2-5"). */
export function possibleCpus(): number {
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  let n = 0;
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}
