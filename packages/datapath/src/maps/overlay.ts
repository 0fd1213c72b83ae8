// The copy-on-write view of the snapshot's maps during a batch: later packets see earlier
// packets' writes, the snapshot is never touched. An element is copied out of the snapshot the
// first time a program reaches it (lookup, update, delete); from then on its bytes live here and
// pointers handed to the program point into them, so stores through a looked-up value are writes
// to the map, as in the kernel. writeSet() then reports what differs from the snapshot.
import { bytesToHex as toHex, hexToBytes as fromHex } from '../hex.ts';
import { bpf_map_type } from '@bpfsim/events';
import { arrayValue, hashValue, type HashData, type MapShape } from '@bpfsim/state';
import type { Snapshot, SnapshotMap } from '../snapshot.ts';
import type { WriteOp, WriteSet } from '../writeset.ts';
import { BloomOverlay } from './bloom.ts';
import { IntTable } from './inttable.ts';
import type { Region } from '../memory/region.ts';

export interface Element {
  /** The current value; null once deleted. */
  buf: Uint8Array | null;
  /** The snapshot's value (hex), undefined when the snapshot has no such key. */
  readonly orig: string | undefined;
  /** Sequence number of the last update/delete, -1 when only read or written through a pointer. */
  pos: number;
  readonly first: number;
  /** Region id of buf in the machine, valid while epoch matches the machine's packet epoch. */
  rid: number;
  epoch: number;
  /** The region object for buf, reused from packet to packet (only its id changes). */
  region?: Region;
}

export class MapView {
  readonly elements = new Map<string, Element>();
  /**
   * Lookups of 4-byte keys that found an element, by the key as an int32 (maps/ops.ts lookupU32):
   * spares building the hex key. An element object stays its key's element until insert()
   * replaces it, which clears this.
   */
  readonly byU32 = new IntTable<Element>();
  /** Elements in a hash map after this batch's inserts and deletes. */
  count: number;
  bloom: BloomOverlay | null = null;
  constructor(readonly map: SnapshotMap) {
    this.count = map.data.kind === 'hash' ? (map.data as HashData).count : 0;
  }
}

export class Overlay {
  private readonly views = new Map<number, MapView>();
  private seq = 0;
  constructor(readonly snapshot: Snapshot) {}

  /** views by small map id: an array index is cheaper than a Map lookup on every helper call. */
  private readonly byId: (MapView | undefined)[] = [];

  view(mapId: number): MapView | undefined {
    const w = mapId >= 0 && mapId < 1024 ? this.byId[mapId] : undefined;
    return w !== undefined ? w : this.viewOf(mapId);
  }

  private viewOf(mapId: number): MapView | undefined {
    let v = this.views.get(mapId);
    if (v === undefined) {
      const map = this.snapshot.maps[mapId];
      if (map === undefined) return undefined;
      v = new MapView(map);
      this.views.set(mapId, v);
    }
    if (mapId >= 0 && mapId < 1024) this.byId[mapId] = v;
    return v;
  }

  nextSeq(): number {
    return this.seq++;
  }

  /** The element for key (hex), copied from the snapshot on first touch; undefined if it never existed. */
  element(v: MapView, key: string): Element | undefined {
    let e = v.elements.get(key);
    if (e !== undefined) return e;
    const m = v.map;
    const shape = m as unknown as MapShape;
    let orig: string | undefined;
    if (m.data.kind === 'array') orig = arrayValue(shape, key);
    else if (m.data.kind === 'hash') orig = hashValue(shape, key);
    else return undefined;
    if (orig === undefined) return undefined;
    e = { buf: fromHex(orig), orig, pos: -1, first: this.seq++, rid: 0, epoch: -1 };
    v.elements.set(key, e);
    return e;
  }

  /** Records a new element (a hash insert); the caller has checked the flags and the count. */
  insert(v: MapView, key: string, value: Uint8Array): Element {
    const e: Element = { buf: value, orig: undefined, pos: this.seq++, first: this.seq, rid: 0, epoch: -1 };
    v.elements.set(key, e);
    if (v.byU32.size !== 0) v.byU32.clear();
    return e;
  }

  /** The write set: see writeset.ts. */
  writeSet(): WriteSet {
    const ops: { seq: number; op: WriteOp }[] = [];
    for (const [id, v] of this.views) {
      const isHash = v.map.data.kind === 'hash';
      for (const [key, e] of v.elements) {
        if (e.buf === null) {
          if (e.orig !== undefined) ops.push({ seq: e.pos, op: { map_id: id, key, delete: true } });
          continue;
        }
        const value = toHex(e.buf);
        if (isHash && e.pos >= 0) ops.push({ seq: e.pos, op: { map_id: id, key, value } });
        else if (value !== e.orig) ops.push({ seq: e.pos >= 0 ? e.pos : e.first, op: isHash ? { map_id: id, key, value, in_place: true } : { map_id: id, key, value } });
      }
      if (v.bloom) for (const p of v.bloom.pushes) ops.push({ seq: p.seq, op: { map_id: id, key: '', value: p.value, push: true } });
    }
    return ops.sort((a, b) => a.seq - b.seq).map((o) => o.op);
  }
}

