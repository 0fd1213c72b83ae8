// Kernel state printed the way `bpftool prog show`, `map show`, `link show` and `net show` print it
// (their plain-text shapes, less what bpfsim does not model: load time, JIT sizes, memlock).
import { BPF_ATTACH_TYPE_NAMES, BPF_LINK_TYPE_NAMES, BPF_MAP_TYPE_NAMES, BPF_PROG_TYPE_NAMES } from '@bpfsim/events';
import type { KernelState } from '@bpfsim/reducer';

const short = (names: readonly string[], prefix: string, v: number) => (names[v] ?? `type ${v}`).replace(prefix, '').toLowerCase();
export const progTypeName = (t: number) => short(BPF_PROG_TYPE_NAMES, 'BPF_PROG_TYPE_', t);
export const mapTypeName = (t: number) => short(BPF_MAP_TYPE_NAMES, 'BPF_MAP_TYPE_', t);
export const linkTypeName = (t: number) => short(BPF_LINK_TYPE_NAMES, 'BPF_LINK_TYPE_', t);
export const attachTypeName = (t: number) => short(BPF_ATTACH_TYPE_NAMES, 'BPF_', t);

const values = <T>(o: Readonly<Record<number, T>>): T[] => Object.keys(o).map((k) => o[Number(k)]);

export function pinsOf(s: KernelState, kind: string, id: number): string[] {
  return Object.entries(s.bpffs).filter(([, n]) => n.kind === kind && 'id' in n && n.id === id).map(([p]) => `/sys/fs/bpf/${p}`);
}

export function progShow(s: KernelState): string {
  return values(s.progs).map((p) => {
    const lines = [`${p.id}: ${progTypeName(p.prog_type)}  ${p.name ? `name ${p.name}  ` : ''}tag ${p.tag}${p.gpl_compatible ? '  gpl' : ''}`];
    lines.push(`\txlated ${p.insns.length * 8}B${p.map_ids.length ? `  map_ids ${p.map_ids.join(',')}` : ''}`);
    for (const pin of pinsOf(s, 'prog', p.id)) lines.push(`\tpinned ${pin}`);
    return lines.join('\n');
  }).join('\n');
}

export function mapShow(s: KernelState): string {
  return values(s.maps).map((m) => {
    const lines = [`${m.id}: ${mapTypeName(m.map_type)}  ${m.name ? `name ${m.name}  ` : ''}flags 0x${m.map_flags.toString(16)}${m.frozen ? '  frozen' : ''}`];
    lines.push(`\tkey ${m.key_size}B  value ${m.value_size}B  max_entries ${m.max_entries}`);
    // A prog array's owner, from its fdinfo (owner_prog_type, owner_jited: every bpfsim program is JITed).
    if (m.data.kind === 'prog_array' && m.data.owner) lines.push(`\towner_prog_type ${progTypeName(m.data.owner.prog_type)}  owner jited`);
    for (const pin of pinsOf(s, 'map', m.id)) lines.push(`\tpinned ${pin}`);
    return lines.join('\n');
  }).join('\n');
}

export function devName(s: KernelState, ifindex: number): string {
  return `${s.netdevs[ifindex]?.name ?? '?'}(${ifindex})`;
}

export function linkShow(s: KernelState): string {
  return values(s.links).map((l) => {
    const lines = [`${l.id}: ${linkTypeName(l.type)}  prog ${l.prog_id}`];
    lines.push(`\t${l.ifindex ? `ifindex ${devName(s, l.ifindex)}` : 'ifindex 0 (detached)'}  attach_type ${attachTypeName(l.attach_type)}`);
    for (const pin of pinsOf(s, 'link', l.id)) lines.push(`\tpinned ${pin}`);
    return lines.join('\n');
  }).join('\n');
}
