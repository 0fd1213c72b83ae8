// An event and its result as strace would print the syscall: `bpf(BPF_PROG_LOAD, {...}) = 4`.
import {
  BPF_ATTACH_TYPE_NAMES, BPF_MAP_TYPE_NAMES, BPF_PROG_TYPE_NAMES, formatRet, type Event, type Result,
} from '@bpfsim/events';

const FLAG_NAMES: Record<string, [number, string][]> = {
  attach_flags: [[1, 'BPF_F_ALLOW_OVERRIDE'], [2, 'BPF_F_ALLOW_MULTI'], [4, 'BPF_F_REPLACE'], [8, 'BPF_F_BEFORE'], [16, 'BPF_F_AFTER'], [32, 'BPF_F_ID'], [8192, 'BPF_F_LINK']],
};
FLAG_NAMES.flags = FLAG_NAMES.attach_flags;
const ENUMS: Record<string, readonly string[]> = {
  map_type: BPF_MAP_TYPE_NAMES, prog_type: BPF_PROG_TYPE_NAMES, attach_type: BPF_ATTACH_TYPE_NAMES, expected_attach_type: BPF_ATTACH_TYPE_NAMES,
};

function flags(v: number, names: [number, string][]): string {
  if (v === 0) return '0';
  const parts: string[] = [];
  let rest = v;
  for (const [bit, name] of names) if (rest & bit) { parts.push(name); rest &= ~bit; }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

function value(key: string, v: unknown): string {
  if (ENUMS[key]) return typeof v === 'number' ? ENUMS[key][v] ?? String(v) : String(v);
  if (typeof v === 'number' && FLAG_NAMES[key]) return flags(v, FLAG_NAMES[key]);
  if (key === 'insns' && Array.isArray(v)) return `[${v.length} insn${v.length === 1 ? '' : 's'}]`;
  if (typeof v === 'string') return key === 'key' || key === 'value' || key === 'next_key' || key === 'tag' ? `0x${v || '""'}` : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => value('', x)).join(', ')}]`;
  if (v && typeof v === 'object') return struct(v as Record<string, unknown>);
  return String(v);
}

export function struct(o: Record<string, unknown>): string {
  return `{${Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${value(k, v)}`).join(', ')}}`;
}

export function formatCall(e: Event): string {
  switch (e.kind) {
    case 'bpf': return `[pid ${e.pid}] bpf(${e.cmd}, ${struct(e.attr as Record<string, unknown>)})`;
    case 'close': case 'dup': return `[pid ${e.pid}] ${e.kind}(${e.fd})`;
    case 'fork': return `[pid ${e.pid}] fork() -> child ${e.child}`;
    case 'exit': return `[pid ${e.pid}] exit()`;
    case 'mkdir': return `[pid ${e.pid}] mkdir(${JSON.stringify(e.pathname)})`;
    case 'unlink': return `[pid ${e.pid}] ${e.dir ? 'rmdir' : 'unlink'}(${JSON.stringify(e.pathname)})`;
    case 'netdev_add': return `ip link add ${e.name} type veth${e.peer ? ` peer name ${e.peer}` : ''}`;
    case 'netdev_del': return `ip link del ${e.name}`;
    case 'tick': return `clock -> ${e.ns} ns`;
    case 'packets': return `packets(${e.packets.map((p) => `${p.data.length / 2}B on ${p.ifindex} ${p.direction}`).join(', ')})`;
  }
}

export function formatResult(r: Result): string {
  return `= ${formatRet(r.ret)}${r.out && Object.keys(r.out).length ? ` ${struct(r.out as Record<string, unknown>)}` : ''}`;
}

export function formatEntry(index: number, e: Event, r: Result): string {
  return `${String(index).padStart(4)}  ${formatCall(e)} ${formatResult(r)}`;
}
