// Ids inside events are model ids; ids the kernel writes back are kernel ids. These translate.
import { BPF_F_ID, BPF_F_LINK, u32le, type ModelledCmd } from '@bpfsim/events';
import { foreignId, type IdKind, type IdMap } from './ids.ts';
import type { InfoKind } from './attr/info.ts';
import type { Out } from './attr/decode.ts';

type Attr = Record<string, unknown>;

const relativeKind = (flags: unknown): IdKind => ((Number(flags) & BPF_F_LINK) !== 0 ? 'link' : 'prog');
const hasIdFlag = (flags: unknown) => (Number(flags ?? 0) & BPF_F_ID) !== 0;

/** The attr with model ids replaced by kernel ids (GET_NEXT_ID's start_id is walked separately). */
export function idsToKernel(cmd: ModelledCmd, attr: Readonly<Attr>, ids: IdMap): Attr {
  const a: Attr = { ...attr };
  const map = (field: string, kind: IdKind) => { if (typeof a[field] === 'number') a[field] = ids.toKernel(kind, a[field] as number); };
  switch (cmd) {
    case 'BPF_PROG_GET_FD_BY_ID': map('prog_id', 'prog'); break;
    case 'BPF_MAP_GET_FD_BY_ID': map('map_id', 'map'); break;
    case 'BPF_LINK_GET_FD_BY_ID': map('link_id', 'link'); break;
    case 'BPF_PROG_ATTACH':
    case 'BPF_PROG_DETACH':
      if (hasIdFlag(a.attach_flags)) map('relative_id', relativeKind(a.attach_flags));
      break;
    case 'BPF_LINK_CREATE': {
      const tcx = a.tcx as Attr | undefined;
      if (tcx && typeof tcx.relative_id === 'number' && hasIdFlag(a.flags)) {
        a.tcx = { ...tcx, relative_id: ids.toKernel(relativeKind(a.flags), tcx.relative_id) };
      }
      break;
    }
    default:
  }
  return a;
}

function toModel(ids: IdMap, kind: IdKind, v: unknown): unknown {
  if (typeof v !== 'number' || v === 0) return v;
  return ids.toModel(kind, v) ?? foreignId(v);
}

/** The out fields with kernel ids replaced by model ids. */
export function idsToModel(cmd: ModelledCmd, out: Out | undefined, ids: IdMap, infoKind?: InfoKind): Out | undefined {
  if (!out) return out;
  const o: Out = { ...out };
  if (cmd === 'BPF_PROG_QUERY') {
    if (Array.isArray(o.prog_ids)) o.prog_ids = o.prog_ids.map((v) => toModel(ids, 'prog', v));
    if (Array.isArray(o.link_ids)) o.link_ids = o.link_ids.map((v) => toModel(ids, 'link', v));
  }
  if (cmd === 'BPF_OBJ_GET_INFO_BY_FD' && o.info && infoKind) {
    const info: Attr = { ...(o.info as Attr) };
    if ('id' in info) info.id = toModel(ids, infoKind, info.id);
    if (infoKind === 'link') {
      if ('prog_id' in info) info.prog_id = toModel(ids, 'prog', info.prog_id);
      if ('map_id' in info) info.map_id = toModel(ids, 'map', info.map_id);
    }
    o.info = info;
  }
  return o;
}

/**
 * A BPF_MAP_LOOKUP_ELEM on a prog array answers the program's id (prog_fd_array_sys_lookup_elem):
 * its value, a little-endian u32 kernel id, as the model id (a foreign id stays as the kernel wrote it).
 */
export function progArrayValueToModel(value: string, ids: IdMap): string {
  if (value.length !== 8) return value;
  const kernelId = parseInt(value.slice(6, 8) + value.slice(4, 6) + value.slice(2, 4) + value.slice(0, 2), 16);
  const id = ids.toModel('prog', kernelId);
  if (id === undefined) return value;
  return u32le(id);
}
