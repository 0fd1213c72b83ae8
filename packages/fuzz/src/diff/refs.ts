// References inside events (fds, ifindexes, ids) and how to keep them pointing at the same objects
// when events before them go. Removing a BPF_MAP_CREATE shifts every fd the process gets after it
// (the lowest free fd is taken), so a shrinker that deletes events must renumber later references
// or lose the divergence for no reason. Objects are identified by the event that created them.
import { BPF_F_ID, BPF_F_LINK, type Event } from '@bpfsim/events';
import { RankedModel, type IdKind } from '../ranked.ts';

type Obj = Record<string, unknown>;
export type RefKind = 'fd' | 'ifindex' | IdKind;
/** Where a reference sits in an event (a path of keys) and what it refers to. */
export interface Ref { readonly path: readonly (string | number)[]; readonly kind: RefKind }

const MAP_FD_CMDS = new Set(['BPF_MAP_LOOKUP_ELEM', 'BPF_MAP_UPDATE_ELEM', 'BPF_MAP_DELETE_ELEM', 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', 'BPF_MAP_GET_NEXT_KEY', 'BPF_MAP_FREEZE']);
const BY_ID: Record<string, [string, IdKind]> = { BPF_PROG_GET_FD_BY_ID: ['prog_id', 'prog'], BPF_MAP_GET_FD_BY_ID: ['map_id', 'map'], BPF_LINK_GET_FD_BY_ID: ['link_id', 'link'] };
const NEXT_ID: Record<string, IdKind> = { BPF_PROG_GET_NEXT_ID: 'prog', BPF_MAP_GET_NEXT_ID: 'map', BPF_LINK_GET_NEXT_ID: 'link' };

/** The references of `e` (fds, ifindexes, ids as ranks) that are present in it. */
export function refsOf(e: Event): Ref[] {
  if (e.kind === 'close' || e.kind === 'dup') return [{ path: ['fd'], kind: 'fd' }];
  if (e.kind !== 'bpf') return [];
  const a = e.attr as Obj;
  const out: Ref[] = [];
  const add = (path: (string | number)[], kind: RefKind) => {
    let v: unknown = a;
    for (const k of path) v = v && typeof v === 'object' ? (v as Obj)[k as string] : undefined;
    if (typeof v === 'number') out.push({ path: ['attr', ...path], kind });
  };
  const relative = (flags: unknown, holder: (string | number)[]) => {
    const f = Number(flags ?? 0);
    if (f & BPF_F_ID) add([...holder, 'relative_id'], f & BPF_F_LINK ? 'link' : 'prog');
    else add([...holder, 'relative_fd'], 'fd');
  };
  if (MAP_FD_CMDS.has(e.cmd)) add(['map_fd'], 'fd');
  else if (BY_ID[e.cmd]) add([BY_ID[e.cmd][0]], BY_ID[e.cmd][1]);
  else if (NEXT_ID[e.cmd]) add(['start_id'], NEXT_ID[e.cmd]);
  else switch (e.cmd) {
    case 'BPF_PROG_LOAD': {
      const insns = (a.insns as readonly Obj[]) ?? [];
      for (let i = 0; i < insns.length; i++) {
        if (insns[i].code === 0x18) { if (insns[i].src_reg === 1 || insns[i].src_reg === 2) add(['insns', i, 'imm'], 'fd'); i++; }
      }
      break;
    }
    case 'BPF_OBJ_PIN': case 'BPF_OBJ_GET_INFO_BY_FD': add(['bpf_fd'], 'fd'); break;
    case 'BPF_PROG_ATTACH': case 'BPF_PROG_DETACH':
      add(['target_ifindex'], 'ifindex'); add(['target_fd'], 'ifindex'); add(['attach_bpf_fd'], 'fd'); add(['replace_bpf_fd'], 'fd');
      relative(a.attach_flags, []);
      break;
    case 'BPF_PROG_QUERY': add(['target_ifindex'], 'ifindex'); add(['target_fd'], 'ifindex'); break;
    case 'BPF_LINK_CREATE':
      add(['prog_fd'], 'fd'); add(['target_ifindex'], 'ifindex'); add(['target_fd'], 'ifindex');
      relative(a.flags, ['tcx']);
      break;
    case 'BPF_LINK_UPDATE': add(['link_fd'], 'fd'); add(['new_prog_fd'], 'fd'); add(['old_prog_fd'], 'fd'); break;
    case 'BPF_LINK_DETACH': add(['link_fd'], 'fd'); break;
    case 'BPF_PROG_TEST_RUN': add(['prog_fd'], 'fd'); break;
    default:
  }
  return out;
}

const get = (e: Event, path: readonly (string | number)[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k as string] : undefined), e);

/** `e` with the value at `path` replaced (copying along the path). */
function set(e: Event, path: readonly (string | number)[], value: unknown): Event {
  const rec = (v: unknown, i: number): unknown => {
    if (i === path.length) return value;
    const k = path[i];
    if (Array.isArray(v)) { const c = v.slice(); c[k as number] = rec(v[k as number], i + 1); return c; }
    const o = (v ?? {}) as Obj;
    return { ...o, [k]: rec(o[k as string], i + 1) };
  };
  return rec(e, 0) as Event;
}

/**
 * Folds a trace of tagged events, keeping track of which event created each object: `ident` names
 * the object a reference points at just before event `i`, `find` the value that points at an
 * object in the current state.
 */
class Tracker {
  readonly m = new RankedModel(0);
  private readonly creator = new Map<string, string>();
  private readonly devs = new Map<number, string>();
  broken = false;

  ident(e: Event, r: Ref, v: number): string | undefined {
    switch (r.kind) {
      case 'fd': {
        const entry = 'pid' in e ? this.m.state.procs[e.pid]?.fds[v] : undefined;
        return entry && entry.kind !== 'file' ? this.creator.get(`${entry.kind}:${entry.id}`) : undefined;
      }
      case 'ifindex': return this.devs.get(v);
      default: {
        return this.creator.get(`${r.kind}:${this.m.toModel(r.kind, v)}`);
      }
    }
  }

  find(e: Event, r: Ref, ident: string, current: number): number | undefined {
    if (this.ident(e, r, current) === ident) return current;
    switch (r.kind) {
      case 'fd': {
        const fds = 'pid' in e ? this.m.state.procs[e.pid]?.fds ?? {} : {};
        for (const k of Object.keys(fds)) {
          const entry = fds[Number(k)];
          if (entry.kind !== 'file' && this.creator.get(`${entry.kind}:${entry.id}`) === ident) return Number(k);
        }
        return undefined;
      }
      case 'ifindex':
        for (const [ifindex, who] of this.devs) if (who === ident && this.m.state.netdevs[ifindex]) return ifindex;
        return undefined;
      default: {
        const ids = this.m.created[r.kind];
        for (const id of ids) if (this.creator.get(`${r.kind}:${id}`) === ident) return this.m.rank(r.kind, id);
        return undefined;
      }
    }
  }

  step(e: Event, tag: number): void {
    if (this.broken) return;
    try {
      const { result } = this.m.step(e);
      if (e.kind === 'bpf' && result.ret >= 0) {
        const entry = this.m.state.procs[e.pid]?.fds[result.ret];
        if (entry && entry.kind !== 'file' && ['BPF_MAP_CREATE', 'BPF_PROG_LOAD', 'BPF_LINK_CREATE'].includes(e.cmd)) {
          const key = `${entry.kind}:${entry.id}`;
          if (!this.creator.has(key)) this.creator.set(key, `e${tag}`);
        }
      }
      if (e.kind === 'netdev_add' && result.ret > 0 && result.out) {
        this.devs.set(result.out.ifindex as number, `e${tag}:dev`);
        this.devs.set(result.out.peer_ifindex as number, `e${tag}:peer`);
      }
    } catch {
      this.broken = true;
    }
  }
}

export interface Tagged { readonly e: Event; readonly tag: number }
/** For each event (by tag), what each of its references points at: path -> object identity. */
export type Annotations = Map<number, Map<string, string>>;

/** What the references of `trace` point at, by the events that created the objects. */
export function annotate(trace: readonly Tagged[]): Annotations {
  const t = new Tracker();
  const out: Annotations = new Map();
  for (const { e, tag } of trace) {
    const m = new Map<string, string>();
    for (const r of refsOf(e)) {
      const v = get(e, r.path);
      const id = typeof v === 'number' && !t.broken ? t.ident(e, r, v) : undefined;
      if (id !== undefined) m.set(r.path.join('.'), id);
    }
    out.set(tag, m);
    t.step(e, tag);
  }
  return out;
}

/**
 * `cand` (a trace with events left out) with every reference annotated in the full trace pointed
 * at the same object again, where that object still exists; other references stay as they are.
 */
export function repair(cand: readonly Tagged[], notes: Annotations): Tagged[] {
  const t = new Tracker();
  return cand.map(({ e, tag }) => {
    let ev = e;
    const m = notes.get(tag);
    if (m && m.size && !t.broken) {
      for (const r of refsOf(e)) {
        const ident = m.get(r.path.join('.'));
        const v = get(ev, r.path);
        if (ident === undefined || typeof v !== 'number') continue;
        const now = t.find(ev, r, ident, v);
        if (now !== undefined && now !== v) ev = set(ev, r.path, now);
      }
    }
    t.step(ev, tag);
    return ev === e ? { e, tag } : { e: ev, tag };
  });
}
