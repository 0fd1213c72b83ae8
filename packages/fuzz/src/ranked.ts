// The model, folded under the oracle's id convention, so that its answers compare with the live
// kernel's as they are.
//
// The oracle (packages/oracle, src/ids.ts) numbers progs and maps by *rank*: the n-th prog (map)
// the trace created is id n, in the events and in the results. Failed prog loads and map creates
// take no id in the kernel or the model, so for them a rank is the model's id; RankedModel still
// translates them both ways, exactly as the oracle does for the kernel (translate.ts, ids.ts),
// which keeps ids of objects the trace never created pointing at nothing.
//
// Links are not renumbered: the oracle numbers them by offset from the kernel's link idr cursor at
// the start of the trace, so ids a failed BPF_LINK_CREATE used up (bpf_link_prime() allocates the
// id before the attach) show up as gaps, exactly as they do in the model. A link's model id is the
// id the oracle reports.
import { BPF_F_ID, BPF_F_LINK, type Event, type Result } from '@bpfsim/events';
import { fold, initialState, type KernelState } from '@bpfsim/reducer';

export type IdKind = 'prog' | 'map' | 'link';
type Obj = Record<string, unknown>;

/** As the oracle: an id the trace never created maps to one that does not exist. */
const FAKE_BASE = 0x7fff0000;
const INT_MAX = 0x7fffffff;

const CREATES: Readonly<Record<string, IdKind>> = { BPF_MAP_CREATE: 'map', BPF_PROG_LOAD: 'prog', BPF_LINK_CREATE: 'link' };
const NEXT_ID: Readonly<Record<string, IdKind>> = { BPF_PROG_GET_NEXT_ID: 'prog', BPF_MAP_GET_NEXT_ID: 'map', BPF_LINK_GET_NEXT_ID: 'link' };
const relativeKind = (flags: unknown): IdKind => ((Number(flags ?? 0) & BPF_F_LINK) !== 0 ? 'link' : 'prog');
const hasId = (flags: unknown) => (Number(flags ?? 0) & BPF_F_ID) !== 0;

export interface RankedStep {
  /** The result with ids as ranks: comparable with the oracle's kernel result. */
  readonly result: Result;
  /** The event as the model folded it (ids translated to model ids). */
  readonly folded: Event;
  /** The model's own result (model ids). */
  readonly raw: Result;
}

/** The kinds the oracle numbers by creation order; links keep their ids (see above). */
const RANKED: Readonly<Record<IdKind, boolean>> = { prog: true, map: true, link: false };

export class RankedModel {
  state: KernelState;
  /** Model ids of the objects the trace created, in creation order: rank n is created[kind][n - 1]. */
  readonly created: Record<IdKind, number[]> = { prog: [], map: [], link: [] };

  constructor(seed = 0, state?: KernelState) {
    this.state = state ?? initialState(seed);
  }

  /** The model id for rank `rank` (as the oracle's IdMap.toKernel). */
  toModel(kind: IdKind, rank: number): number {
    if (rank === 0 || !RANKED[kind]) return rank;
    const id = this.created[kind][rank - 1];
    if (id !== undefined) return id;
    return rank >= INT_MAX ? rank : FAKE_BASE + (rank & 0xffff);
  }

  /** The rank of model id `id`, or undefined for an object the trace did not create. */
  rank(kind: IdKind, id: number): number | undefined {
    if (!RANKED[kind]) return id;
    const i = this.created[kind].indexOf(id);
    return i < 0 ? undefined : i + 1;
  }

  /** Where a *_GET_NEXT_ID walk starts for start rank `start` (as IdMap.walkStart). */
  private walkStart(kind: IdKind, start: number): number {
    const ids = this.created[kind];
    if (start === 0 || start >= INT_MAX || !RANKED[kind]) return start;
    if (start <= ids.length) return ids[start - 1];
    return ids.length ? ids[ids.length - 1] : 0;
  }

  /** The largest id the trace's events can name for an object of `kind` made so far (0: none). */
  idRange(kind: IdKind): number {
    return RANKED[kind] ? this.created[kind].length : this.state.nextId[kind] - 1;
  }

  /** The event with ranks replaced by model ids (the oracle's idsToKernel, plus the id walk's start). */
  toModelEvent(e: Event): Event {
    if (e.kind !== 'bpf') return e;
    const a: Obj = { ...(e.attr as Obj) };
    const map = (field: string, kind: IdKind) => { if (typeof a[field] === 'number') a[field] = this.toModel(kind, a[field] as number); };
    switch (e.cmd) {
      case 'BPF_PROG_GET_FD_BY_ID': map('prog_id', 'prog'); break;
      case 'BPF_MAP_GET_FD_BY_ID': map('map_id', 'map'); break;
      case 'BPF_LINK_GET_FD_BY_ID': map('link_id', 'link'); break;
      case 'BPF_PROG_ATTACH':
      case 'BPF_PROG_DETACH':
        if (hasId(a.attach_flags)) map('relative_id', relativeKind(a.attach_flags));
        break;
      case 'BPF_LINK_CREATE': {
        const tcx = a.tcx as Obj | undefined;
        if (tcx && typeof tcx.relative_id === 'number' && hasId(a.flags)) a.tcx = { ...tcx, relative_id: this.toModel(relativeKind(a.flags), tcx.relative_id) };
        break;
      }
      default: {
        const walk = NEXT_ID[e.cmd];
        if (walk) a.start_id = this.walkStart(walk, typeof a.start_id === 'number' ? a.start_id : 0);
        else return e;
      }
    }
    return { ...e, attr: a } as Event;
  }

  private rankOut(kind: IdKind, v: unknown): unknown {
    if (typeof v !== 'number' || v === 0) return v;
    return this.rank(kind, v) ?? `model ${kind} id ${v}, not created by the trace`;
  }

  /** The result with model ids replaced by ranks (the oracle's idsToModel). `before` is the state the event was folded in. */
  toRankedResult(e: Event, r: Result, before: KernelState): Result {
    if (e.kind !== 'bpf' || !r.out) return r;
    const o: Obj = { ...r.out };
    const walk = NEXT_ID[e.cmd];
    if (walk && 'next_id' in o) o.next_id = this.rankOut(walk, o.next_id);
    if (e.cmd === 'BPF_PROG_QUERY') {
      if (Array.isArray(o.prog_ids)) o.prog_ids = o.prog_ids.map((v) => this.rankOut('prog', v));
      if (Array.isArray(o.link_ids)) o.link_ids = o.link_ids.map((v) => this.rankOut('link', v));
    }
    if (e.cmd === 'BPF_OBJ_GET_INFO_BY_FD' && o.info && typeof o.info === 'object') {
      const kind = before.procs[e.pid]?.fds[e.attr.bpf_fd]?.kind;
      if (kind === 'prog' || kind === 'map' || kind === 'link') {
        const info: Obj = { ...(o.info as Obj) };
        if ('id' in info) info.id = this.rankOut(kind, info.id);
        if (kind === 'link') {
          if ('prog_id' in info) info.prog_id = this.rankOut('prog', info.prog_id);
          if ('map_id' in info) info.map_id = this.rankOut('map', info.map_id);
        }
        o.info = info;
      }
    }
    return { ...r, out: o };
  }

  /** Folds one event whose ids are ranks; the result's ids are ranks. Throws what the fold throws. */
  step(e: Event): RankedStep {
    const before = this.state;
    const folded = this.toModelEvent(e);
    const { state, result } = fold(before, folded);
    this.state = state;
    const created = e.kind === 'bpf' ? CREATES[e.cmd] : undefined;
    if (created && e.kind === 'bpf' && result.ret >= 0) {
      const entry = state.procs[e.pid]?.fds[result.ret];
      if (entry && entry.kind === created) this.created[created].push(entry.id);
    }
    return { result: this.toRankedResult(e, result, before), folded, raw: result };
  }
}

/** What the model answers to each event of a trace (ids as ranks). A fold that throws ends the list with its error. */
export function modelResults(events: readonly Event[], seed = 0): { results: Result[]; error?: { index: number; message: string } } {
  const m = new RankedModel(seed);
  const results: Result[] = [];
  for (let i = 0; i < events.length; i++) {
    try {
      results.push(m.step(events[i]).result);
    } catch (err) {
      return { results, error: { index: i, message: (err as Error)?.message ?? String(err) } };
    }
  }
  return { results };
}
