// Invariants bisect can look for, by name. Each returns the violations it finds (empty: it holds).
import { checkReferences, type KernelState } from '@bpfsim/reducer';

export interface Invariant {
  readonly name: string;
  readonly description: string;
  check(state: KernelState): string[];
}

const registry = new Map<string, Invariant>();

export function registerInvariant(inv: Invariant): void {
  registry.set(inv.name, inv);
}
export function invariant(name: string): Invariant | undefined { return registry.get(name); }
export function invariantNames(): string[] { return [...registry.keys()].sort(); }

registerInvariant({
  name: 'references',
  description: 'every live prog, map and link is held, its count equals its holders, nothing held is freed (checkReferences)',
  check: checkReferences,
});

registerInvariant({
  name: 'tcx',
  description: 'every tcx attach point has 1..63 programs, all alive, its fast path is its programs in order, and each link it names is alive, runs that program and is attached to that device',
  check(s) {
    const bad: string[] = [];
    for (const dev of Object.values(s.netdevs)) {
      for (const [dir, entry] of [['ingress', dev.tcx_ingress], ['egress', dev.tcx_egress]] as const) {
        if (!entry) continue;
        const where = `${dev.name} (${dev.ifindex}) tcx ${dir}`;
        if (entry.items.length === 0 || entry.items.length > 63) bad.push(`${where}: ${entry.items.length} programs (an entry holds 1..63)`);
        if (!(entry.revision >= 1)) bad.push(`${where}: revision ${entry.revision}`);
        const fp = entry.items.map((it) => it.prog_id);
        if (entry.fp && (entry.fp.length !== fp.length || entry.fp.some((p, i) => p !== fp[i]))) bad.push(`${where}: fast path [${entry.fp.join(', ')}] is not the programs [${fp.join(', ')}]`);
        for (const it of entry.items) {
          if (!s.progs[it.prog_id]) bad.push(`${where}: prog ${it.prog_id} is attached but freed`);
          if (it.link_id) {
            const l = s.links[it.link_id];
            if (!l) bad.push(`${where}: link ${it.link_id} is attached but freed`);
            else if (l.prog_id !== it.prog_id || l.ifindex !== dev.ifindex) bad.push(`${where}: link ${it.link_id} runs prog ${l.prog_id} on ifindex ${l.ifindex}, the slot says prog ${it.prog_id} on ${dev.ifindex}`);
          }
        }
      }
    }
    return bad;
  },
});
