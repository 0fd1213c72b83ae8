// Invariants of kernel state that hold after every event, whatever the events were. Each returns
// the violations it finds (empty when the state is sound): the fuzzer's second line of defence.
import type { KernelState, BpfObjKind } from './state.ts';
import { progArrayHolders } from './maps/prog-array.ts';

type Holders = Record<BpfObjKind, Map<number, string[]>>;

/** Every reference to a prog, map or link, with who holds it. */
export function referenceHolders(s: KernelState): Holders {
  const h: Holders = { prog: new Map(), map: new Map(), link: new Map() };
  const add = (kind: BpfObjKind, id: number, who: string) => {
    const list = h[kind].get(id) ?? [];
    list.push(who);
    h[kind].set(id, list);
  };
  for (const p of Object.values(s.procs)) {
    for (const [fd, e] of Object.entries(p.fds)) if (e.kind !== 'file') add(e.kind, e.id, `pid ${p.pid} fd ${fd}`);
  }
  for (const [path, n] of Object.entries(s.bpffs)) if (n.kind !== 'dir' && n.kind !== 'file') add(n.kind, n.id, `pin ${path}`);
  for (const l of Object.values(s.links)) add('prog', l.prog_id, `link ${l.id}`);
  for (const p of Object.values(s.progs)) for (const m of p.map_ids) add('map', m, `prog ${p.id}`);
  for (const [who, kind, id] of attachmentHolders(s)) add(kind, id, who);
  progArrayHolders(s, (id, who) => add('prog', id, who));
  return h;
}

/** References held by attach points (tcx entries a program was attached to without a link). */
export function attachmentHolders(s: KernelState): [string, BpfObjKind, number][] {
  const out: [string, BpfObjKind, number][] = [];
  for (const dev of Object.values(s.netdevs)) {
    for (const [dir, entry] of [['ingress', dev.tcx_ingress], ['egress', dev.tcx_egress]] as const) {
      for (const it of entry?.items ?? []) if (!it.link_id) out.push([`tcx ${dev.name} ${dir}`, 'prog', it.prog_id]);
    }
  }
  return out;
}

/**
 * Reference conservation: every live object is held by someone, its count equals its holders,
 * and nothing held is gone.
 */
export function checkReferences(s: KernelState): string[] {
  const bad: string[] = [];
  const h = referenceHolders(s);
  const tables = { prog: s.progs, map: s.maps, link: s.links } as const;
  for (const kind of ['prog', 'map', 'link'] as const) {
    for (const o of Object.values(tables[kind])) {
      const held = h[kind].get(o.id) ?? [];
      if (held.length === 0) bad.push(`${kind} ${o.id} is alive but nothing holds it`);
      if (o.refs !== held.length) bad.push(`${kind} ${o.id} counts ${o.refs} references, held by ${held.length} (${held.join(', ')})`);
    }
    for (const [id, who] of h[kind]) if (!tables[kind][id]) bad.push(`${kind} ${id} is freed but held by ${who.join(', ')}`);
  }
  return bad;
}
