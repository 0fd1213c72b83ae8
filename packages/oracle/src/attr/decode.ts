// What the kernel wrote back (into the attr and into the buffers it points at), as named out fields.
import { errno, toHex, type ModelledCmd } from '@bpfsim/events';
import { ATTR_LAYOUT } from './layout.ts';
import { decodeInfo, type InfoKind } from './info.ts';
import { decodeCString } from './strings.ts';
import { readNumber, readScalar, type ScalarType } from './struct.ts';

export interface CallOutcome {
  readonly ret: number;
  /** The attr bytes after the call. */
  readonly attr: Uint8Array;
  /** Every buffer the kernel may have written, after the call, by attr field. */
  readonly bufs: ReadonlyMap<string, Uint8Array>;
}

type Attr = Readonly<Record<string, unknown>>;
export type Out = Record<string, unknown>;

function field(cmd: ModelledCmd, b: Uint8Array, name: string): number | string {
  const slot = ATTR_LAYOUT[cmd][name];
  return readScalar(b, slot.off, slot.type === 'ptr' || slot.type === 'name16' ? 'u64' : (slot.type as ScalarType));
}

function u32Array(b: Uint8Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n && (i + 1) * 4 <= b.length; i++) out.push(readNumber(b, i * 4, 'u32'));
  return out;
}

function decodeQuery(c: CallOutcome): Out {
  const cmd = 'BPF_PROG_QUERY';
  const count = field(cmd, c.attr, 'count') as number;
  const out: Out = { count, revision: field(cmd, c.attr, 'revision'), attach_flags: field(cmd, c.attr, 'attach_flags') };
  // Every query implementation copies the arrays only when prog_ids was passed.
  if (!c.bufs.has('prog_ids')) return out;
  for (const name of ['prog_ids', 'prog_attach_flags', 'link_ids', 'link_attach_flags']) {
    const b = c.bufs.get(name);
    if (b) out[name] = u32Array(b, Math.min(count, b.length / 4));
  }
  return out;
}

function decodeTestRun(c: CallOutcome): Out {
  const cmd = 'BPF_PROG_TEST_RUN';
  const size = field(cmd, c.attr, 'data_size_out') as number;
  const out: Out = { retval: field(cmd, c.attr, 'retval'), duration: field(cmd, c.attr, 'duration'), data_size_out: size };
  const data = c.bufs.get('data_out');
  if (data) out.data_out = toHex(data.subarray(0, Math.min(size, data.length)));
  const ctx = c.bufs.get('ctx_out');
  if (ctx) {
    const ctxSize = field(cmd, c.attr, 'ctx_size_out') as number;
    out.ctx_size_out = ctxSize;
    out.ctx_out = toHex(ctx.subarray(0, Math.min(ctxSize, ctx.length)));
  }
  return out;
}

/**
 * The out fields of one call, or undefined when the kernel wrote nothing. `infoKind` names
 * the object behind bpf_fd for BPF_OBJ_GET_INFO_BY_FD.
 */
export function decodeOut(cmd: ModelledCmd, attr: Attr, c: CallOutcome, infoKind?: InfoKind): Out | undefined {
  const ok = c.ret >= 0;
  const okOrNoSpace = ok || c.ret === -errno.ENOSPC;
  switch (cmd) {
    case 'BPF_MAP_LOOKUP_ELEM':
    case 'BPF_MAP_LOOKUP_AND_DELETE_ELEM': {
      const v = c.bufs.get('value');
      return ok && v ? { value: toHex(v) } : undefined;
    }
    case 'BPF_MAP_GET_NEXT_KEY': {
      const k = c.bufs.get('next_key');
      return ok && k ? { next_key: toHex(k) } : undefined;
    }
    case 'BPF_PROG_LOAD': {
      const log = c.bufs.get('log_buf');
      return log ? { log_buf: decodeCString(log), log_true_size: field(cmd, c.attr, 'log_true_size') } : undefined;
    }
    case 'BPF_PROG_QUERY': return okOrNoSpace ? decodeQuery(c) : undefined;
    case 'BPF_PROG_TEST_RUN': return okOrNoSpace ? decodeTestRun(c) : undefined;
    case 'BPF_PROG_GET_NEXT_ID':
    case 'BPF_MAP_GET_NEXT_ID':
    case 'BPF_LINK_GET_NEXT_ID':
      return ok ? { next_id: field(cmd, c.attr, 'next_id') } : undefined;
    case 'BPF_OBJ_GET_INFO_BY_FD': {
      if (!ok) return undefined;
      const infoLen = field(cmd, c.attr, 'info_len') as number;
      const b = c.bufs.get('info');
      if (!b || attr.info !== true) return { info_len: infoLen };
      return { info_len: infoLen, info: infoKind ? decodeInfo(infoKind, b, infoLen) : { raw: toHex(b.subarray(0, infoLen)) } };
    }
    default:
      return undefined;
  }
}
