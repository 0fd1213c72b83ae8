// One bpf(2) event on a live helper: translate ids, encode, call, decode, translate back.
import { bpf_attach_type, bpf_map_type, type BpfEvent, type ModelledCmd, type Result } from '@bpfsim/events';
import { decodeOut, type CallOutcome } from './attr/decode.ts';
import { encodeAttr } from './attr/encode.ts';
import { implicitLookupValue } from './attr/buffers.ts';
import type { InfoKind } from './attr/info.ts';
import type { IdKind, IdMap } from './ids.ts';
import type { Helper } from './native/helper.ts';
import { fdinfo, fdKind, mapShape, possibleCpus } from './procfs.ts';
import { idsToKernel, idsToModel, progArrayValueToModel } from './translate.ts';

type Attr = Readonly<Record<string, unknown>>;

const CREATES: Partial<Record<ModelledCmd, IdKind>> = {
  BPF_MAP_CREATE: 'map', BPF_PROG_LOAD: 'prog', BPF_LINK_CREATE: 'link',
};
const NEXT_ID: Partial<Record<ModelledCmd, IdKind>> = {
  BPF_PROG_GET_NEXT_ID: 'prog', BPF_MAP_GET_NEXT_ID: 'map', BPF_LINK_GET_NEXT_ID: 'link',
};

async function call(h: Helper, cmd: ModelledCmd, attr: Attr, infoKind?: InfoKind): Promise<Result> {
  const ctx = { mapOf: (fd: number) => mapShape(h.pid, fd), possibleCpus };
  const encoded = encodeAttr(cmd, attr, ctx);
  const a = await h.bpf(encoded);
  const ret = a.ret < 0 ? -a.errno : a.ret;
  const outcome: CallOutcome = { ret, attr: a.attr, bufs: new Map(encoded.bufs.flatMap((b, i) => (b.output ? [[b.field, a.bufs[i]] as const] : []))) };
  const out = decodeOut(cmd, attr, outcome, infoKind);
  // A lookup writes only the value's bytes into a longer buffer: report what the kernel wrote.
  if (out && typeof out.value === 'string' && (cmd === 'BPF_MAP_LOOKUP_ELEM' || cmd === 'BPF_MAP_LOOKUP_AND_DELETE_ELEM')) {
    const written = implicitLookupValue(cmd, { ...attr, value: undefined }, ctx);
    if (written !== undefined && out.value.length > written * 2) return { ret, out: { ...out, value: out.value.slice(0, written * 2) } };
  }
  return out ? { ret, out } : { ret };
}

/** *_GET_NEXT_ID over the trace's own objects only: host objects are stepped over. */
async function nextId(h: Helper, ev: BpfEvent, kind: IdKind, ids: IdMap): Promise<Result> {
  let start = ids.walkStart(kind, ((ev.attr as Attr).start_id as number | undefined) ?? 0);
  const seen = new Set<number>();
  for (;;) {
    const r = await call(h, ev.cmd, { ...ev.attr, start_id: start });
    if (r.ret < 0) return r;
    const next = r.out?.next_id as number;
    const own = ids.toModel(kind, next);
    if (own !== undefined) return { ret: r.ret, out: { ...r.out, next_id: own } };
    if (seen.has(next)) throw new Error(`${ev.cmd}: the kernel's id walk came back to ${next}`);
    seen.add(next);
    start = next;
  }
}

/** A program that returns TC_ACT_UNSPEC: loads as BPF_PROG_TYPE_SCHED_CLS anywhere. */
const THROWAWAY_PROG = {
  prog_type: 'BPF_PROG_TYPE_SCHED_CLS',
  insns: [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: -1 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }],
  license: 'GPL',
};
const LOOPBACK_IFINDEX = 1;

/**
 * The link id the kernel will hand out next: makes a throwaway program and tcx link on `lo` in
 * helper `h`, reads the link's id, and closes both (the link detaches, and `lo`'s emptied tcx
 * entry is freed, so nothing of it stays). Their ids are not registered: the program is no prog
 * of the trace's, and link ids are then numbered from the id after the throwaway's (ids.ts).
 */
export async function probeNextLinkId(h: Helper): Promise<number> {
  const prog = await call(h, 'BPF_PROG_LOAD', THROWAWAY_PROG);
  if (prog.ret < 0) throw new Error(`link id probe: BPF_PROG_LOAD failed (${prog.ret})`);
  try {
    const link = await call(h, 'BPF_LINK_CREATE', {
      prog_fd: prog.ret, target_ifindex: LOOPBACK_IFINDEX, attach_type: bpf_attach_type.BPF_TCX_INGRESS, flags: 0, tcx: {},
    });
    if (link.ret < 0) throw new Error(`link id probe: BPF_LINK_CREATE on lo failed (${link.ret})`);
    const id = Number(fdinfo(h.pid, link.ret)?.link_id);
    const closed = await h.close(link.ret);
    if (closed < 0) throw new Error(`link id probe: close(${link.ret}) failed (${closed})`);
    if (!Number.isInteger(id) || id <= 0) throw new Error('link id probe: /proc shows no link_id for the throwaway link');
    return id + 1;
  } finally {
    await h.close(prog.ret);
  }
}

export async function runBpf(h: Helper, ev: BpfEvent, ids: IdMap): Promise<Result> {
  const walk = NEXT_ID[ev.cmd];
  if (walk) return nextId(h, ev, walk, ids);
  const attr = idsToKernel(ev.cmd, ev.attr as Attr, ids);
  let infoKind: InfoKind | undefined;
  if (ev.cmd === 'BPF_OBJ_GET_INFO_BY_FD') {
    const k = fdKind(h.pid, (ev.attr as Attr).bpf_fd as number);
    infoKind = k === 'prog' || k === 'map' || k === 'link' ? k : undefined;
  }
  const r = await call(h, ev.cmd, attr, infoKind);
  if (ev.cmd === 'BPF_MAP_LOOKUP_ELEM' && typeof r.out?.value === 'string' && mapShape(h.pid, (attr.map_fd as number) ?? 0)?.map_type === bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY) {
    return { ret: r.ret, out: { ...r.out, value: progArrayValueToModel(r.out.value, ids) } };
  }
  const created = CREATES[ev.cmd];
  if (created && r.ret >= 0) {
    const id = Number(fdinfo(h.pid, r.ret)?.[`${created}_id`]);
    if (!Number.isInteger(id) || id <= 0) throw new Error(`${ev.cmd} returned fd ${r.ret} but /proc shows no ${created}_id for it`);
    ids.register(created, id);
  }
  const out = idsToModel(ev.cmd, r.out, ids, infoKind);
  return out ? { ret: r.ret, out } : { ret: r.ret };
}
