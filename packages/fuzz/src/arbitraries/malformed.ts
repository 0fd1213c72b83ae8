// Deliberately malformed events: a well-formed event with one thing broken, from a catalogue of
// the ways an event can be wrong. validateEvent must refuse every one of them (and step() must
// answer its error, never throw). Each comes with the name of its mutation.
import fc from 'fast-check';
import { ATTR_SCHEMAS, type Event, type FieldKind, type ModelledCmd, type Schema } from '@bpfsim/events';
import type { Universe } from '../universe.ts';
import { eventArb, type EventArbOptions } from './events.ts';

/** A malformed event and what was done to a well-formed one to make it. */
export interface Malformed { readonly mutation: Mutation; readonly event: unknown }

export const MUTATIONS = [
  'not-an-object', 'unknown-kind', 'kind-not-a-string', 'extra-field', 'bad-pid', 'unknown-cmd', 'unmodelled-cmd',
  'attr-not-an-object', 'missing-required', 'unknown-attr-field', 'int-out-of-range', 'not-an-integer', 'bad-hex',
  'bad-outbuf', 'union-conflict', 'bad-enum-name', 'bad-insn', 'bad-string', 'struct-not-an-object',
  'path-outside-bpffs', 'bad-ifname', 'bad-fd', 'bad-dir-flag',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

type Obj = Record<string, unknown>;
const RANGE_BREAKERS: Record<string, readonly number[]> = {
  u8: [256, -1], u16: [65536, -1], u32: [-1, 2 ** 32], s32: [2 ** 31, -(2 ** 31) - 1], u64: [-1, 2 ** 64], s64: [2 ** 63, -(2 ** 63) * 2],
};
const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length];

/** The fields of `schema` whose kind satisfies `test`, as [name, kind] (top level only). */
function fieldsOf(schema: Schema, test: (k: FieldKind) => boolean): [string, FieldKind][] {
  return Object.entries(schema).filter(([, f]) => test(f.kind)).map(([n, f]) => [n, f.kind]);
}
const isInt = (k: FieldKind) => typeof k === 'string' && k in RANGE_BREAKERS;

/** Applies `m` to `e` (choices from `n`), or undefined when `m` does not apply to this event. */
export function mutate(e: Event, m: Mutation, n: number): unknown {
  const o = e as unknown as Obj;
  const bpf = e.kind === 'bpf' ? e : undefined;
  const schema: Schema | undefined = bpf ? ATTR_SCHEMAS[bpf.cmd as ModelledCmd] : undefined;
  const attr = bpf ? (bpf.attr as Obj) : undefined;
  const withAttr = (a: Obj) => ({ ...o, attr: a });
  switch (m) {
    case 'not-an-object': return pick<unknown>([null, [], 'close', 42, [o]], n);
    case 'unknown-kind': return { ...o, kind: pick(['frobnicate', 'BPF', 'Close', ''], n) };
    case 'kind-not-a-string': return { ...o, kind: pick<unknown>([7, null, ['bpf'], { bpf: true }], n) };
    case 'extra-field': return { ...o, [pick(['bogus', 'ret', 'result', 'flags'], n)]: 1 };
    case 'bad-pid':
      if (!('pid' in o)) return undefined;
      return { ...o, pid: pick<unknown>([0, -1, 1.5, '100', null, 2 ** 32], n) };
    case 'unknown-cmd': return bpf ? { ...o, cmd: pick<unknown>(['BPF_NOPE', 'bpf_map_create', 0, ''], n) } : undefined;
    case 'unmodelled-cmd': return bpf ? { ...o, cmd: pick(['BPF_BTF_LOAD', 'BPF_MAP_LOOKUP_BATCH', 'BPF_ITER_CREATE', 'BPF_TOKEN_CREATE', 'BPF_ENABLE_STATS'], n) } : undefined;
    case 'attr-not-an-object': return bpf ? { ...o, attr: pick<unknown>([[], 'attr', 7, true], n) } : undefined;
    case 'missing-required': {
      if (!schema || !attr) return undefined;
      const req = Object.entries(schema).filter(([, f]) => f.required).map(([k]) => k);
      if (!req.length) return undefined;
      const a = { ...attr };
      delete a[pick(req, n)];
      return withAttr(a);
    }
    case 'unknown-attr-field': return attr ? withAttr({ ...attr, [pick(['bogus', 'map_fd_', 'size', 'fd'], n)]: 1 }) : undefined;
    case 'int-out-of-range': {
      if (!schema || !attr) return undefined;
      const f = fieldsOf(schema, isInt);
      if (!f.length) return undefined;
      const [name, kind] = pick(f, n);
      return withAttr({ ...attr, [name]: pick(RANGE_BREAKERS[kind as string], n >> 4) });
    }
    case 'not-an-integer': {
      if (!schema || !attr) return undefined;
      const f = fieldsOf(schema, (k) => isInt(k) || (typeof k === 'object' && 'enum' in k));
      if (!f.length) return undefined;
      const [name, kind] = pick(f, n);
      const bad = typeof kind === 'object' ? [1.5, -1, true, null] : [1.5, '3', true, null, [3]];
      return withAttr({ ...attr, [name]: pick<unknown>(bad, n >> 4) });
    }
    case 'bad-hex': {
      if (!schema || !attr) return undefined;
      const f = fieldsOf(schema, (k) => k === 'bytes');
      if (!f.length) return undefined;
      return withAttr({ ...attr, [pick(f, n)[0]]: pick<unknown>(['ABCD', 'zz', '123', '0x01', 7, ['00']], n >> 4) });
    }
    case 'bad-outbuf': {
      if (!schema || !attr) return undefined;
      const f = fieldsOf(schema, (k) => k === 'outbuf');
      if (!f.length) return undefined;
      return withAttr({ ...attr, [pick(f, n)[0]]: pick<unknown>([1, 0, 'yes', null], n >> 4) });
    }
    case 'union-conflict': {
      if (!schema || !attr) return undefined;
      const groups = new Map<string, string[]>();
      const collect = (s: Schema) => { for (const [k, f] of Object.entries(s)) if (f.union) groups.set(f.union, [...(groups.get(f.union) ?? []), k]); };
      collect(schema);
      const gs = [...groups.values()].filter((g) => g.length >= 2);
      if (!gs.length) return undefined;
      const [a, b] = pick(gs, n);
      // both members, with values their kind accepts
      return withAttr({ ...attr, [a]: 1, [b]: 2 });
    }
    case 'bad-enum-name': {
      if (!schema || !attr) return undefined;
      const f = fieldsOf(schema, (k) => typeof k === 'object' && 'enum' in k);
      if (!f.length) return undefined;
      return withAttr({ ...attr, [pick(f, n)[0]]: pick(['BPF_NOT_A_NAME', 'hash', 'BPF_MAP_TYPE_HASH ', ''], n >> 4) });
    }
    case 'bad-insn': {
      if (!schema?.insns || !attr) return undefined;
      const good = { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
      const bad = pick<unknown>([
        'insns', [{ code: 0x95, dst_reg: 0, src_reg: 0, off: 0 }], [{ ...good, dst_reg: 16 }], [{ ...good, off: 40000 }],
        [{ ...good, imm: 2 ** 31 }], [{ ...good, code: 256 }], [{ ...good, extra: 1 }], [null], [[0x95, 0, 0, 0, 0]],
      ], n);
      return withAttr({ ...attr, insns: bad });
    }
    case 'bad-string': {
      if (!schema || !attr) return undefined;
      const f = fieldsOf(schema, (k) => k === 'str');
      if (!f.length) return undefined;
      return withAttr({ ...attr, [pick(f, n)[0]]: pick<unknown>(['a\0b', 5, null, ['x']], n >> 4) });
    }
    case 'struct-not-an-object': {
      if (!schema || !attr) return undefined;
      const f = fieldsOf(schema, (k) => typeof k === 'object' && 'struct' in k);
      if (!f.length) return undefined;
      return withAttr({ ...attr, [pick(f, n)[0]]: pick<unknown>([5, [], 'tcx', null], n >> 4) });
    }
    case 'path-outside-bpffs':
      if (e.kind !== 'mkdir' && e.kind !== 'unlink') return undefined;
      return { ...o, pathname: pick<unknown>(['/tmp/x', 'sys/fs/bpf/a', '/sys/fs/bpfx', '', 7], n) };
    case 'bad-ifname':
      if (e.kind !== 'netdev_add' && e.kind !== 'netdev_del') return undefined;
      return { ...o, [e.kind === 'netdev_add' && n % 2 ? 'peer' : 'name']: pick<unknown>(['', 'a/b', 'sixteen_chars_xx', 'has space', '..', 'a:b', 5], n >> 1) };
    case 'bad-fd':
      if (e.kind !== 'close' && e.kind !== 'dup') return undefined;
      return { ...o, fd: pick<unknown>([2 ** 31, 1.5, '3', null], n) };
    case 'bad-dir-flag':
      if (e.kind !== 'unlink') return undefined;
      return { ...o, dir: pick<unknown>([1, 'yes', null], n) };
  }
}

/** A malformed event from any mutation that applies to a well-formed event of `eventArb`. */
export function malformedArb(u: Universe, o: EventArbOptions = {}): fc.Arbitrary<Malformed> {
  return fc.tuple(eventArb(u, o), fc.constantFrom(...MUTATIONS), fc.nat()).map(([e, m, n]) => {
    const x = mutate(e, m, n);
    // Not every mutation fits every event; extra-field fits all.
    return x === undefined ? { mutation: 'extra-field' as const, event: mutate(e, 'extra-field', n) } : { mutation: m, event: x };
  });
}

/** Just the malformed event (see malformedArb for its mutation). */
export const malformedEventArb = (u: Universe, o: EventArbOptions = {}): fc.Arbitrary<unknown> => malformedArb(u, o).map((m) => m.event);
