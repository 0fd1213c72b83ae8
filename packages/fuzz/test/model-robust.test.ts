// Random bytes and random JSON as events never crash the fold: the reducer's step() answers a
// validation error or the kernel's result, the Kernel facade's apply() throws nothing but an
// EventError, and the built-in kernel invariants hold after every event that folded.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ATTR_SCHEMAS, EventError, type Field, type Schema } from '@bpfsim/events';
import { Kernel, kernelFold } from '@bpfsim/kernel';
import { initialState, step, type KernelState } from '@bpfsim/reducer';
import { KERNEL_INVARIANTS, returnProgram } from '../src/index.ts';

const u32Edges = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7fffffff, 0x80000000, 0xffffffff];
const intArb = (kind: string): fc.Arbitrary<number> => {
  switch (kind) {
    case 'u8': return fc.integer({ min: 0, max: 0xff });
    case 'u16': return fc.integer({ min: 0, max: 0xffff });
    case 's32': return fc.oneof(fc.integer({ min: -3, max: 12 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    case 'u64': case 's64': return fc.oneof(fc.nat(12), fc.constantFrom(0, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.nat());
    default: return fc.oneof({ weight: 4, arbitrary: fc.nat(12) }, { weight: 1, arbitrary: fc.constantFrom(...u32Edges) }, { weight: 1, arbitrary: fc.nat() });
  }
};
const hexArb = fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
const insnArb = fc.record({ code: fc.integer({ min: 0, max: 255 }), dst_reg: fc.integer({ min: 0, max: 15 }), src_reg: fc.integer({ min: 0, max: 15 }), off: fc.integer({ min: -0x8000, max: 0x7fff }), imm: intArb('s32') });
const strArb = fc.oneof(fc.constantFrom('', 'GPL', 'p', '/sys/fs/bpf/a', '/sys/fs/bpf/d', '/sys/fs/bpf/d/x', 'eth0', 'x'.repeat(40), '/sys/fs/bpf/__proto__', '/sys/fs/bpf/constructor'), fc.string({ maxLength: 20 }));
/** Names of Object.prototype members: as keys, kinds or commands they must be unknown names, not inherited members. */
const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];
const withOwn = (o: unknown, k: string): Record<string, unknown> =>
  Object.defineProperty({ ...(typeof o === 'object' && o !== null ? o : {}) }, k, { value: 1, writable: true, enumerable: true, configurable: true });

/** A value for a schema field: mostly of the right type (to reach the fold), sometimes anything. */
function fieldArb(f: Field): fc.Arbitrary<unknown> {
  const k = f.kind;
  let typed: fc.Arbitrary<unknown>;
  if (typeof k === 'object' && 'enum' in k) typed = fc.oneof(fc.constantFrom(...k.enum), fc.nat(40), fc.string({ maxLength: 6 }));
  else if (typeof k === 'object') typed = schemaArb(k.struct);
  else if (k === 'str') typed = strArb;
  else if (k === 'bytes') typed = fc.oneof({ weight: 5, arbitrary: hexArb }, { weight: 1, arbitrary: fc.string({ maxLength: 5 }) });
  else if (k === 'insns') typed = fc.oneof(fc.constant(returnProgram()), fc.array(insnArb, { maxLength: 6 }));
  else if (k === 'outbuf') typed = fc.boolean();
  else typed = intArb(k);
  return fc.oneof({ weight: 12, arbitrary: typed }, { weight: 1, arbitrary: fc.anything() });
}

function schemaArb(s: Schema): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(s);
  return fc.record(Object.fromEntries(keys.map((k) => [k, fieldArb(s[k])])), { requiredKeys: keys.filter((k) => s[k].required) });
}

const pidArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(100, 101) }, { weight: 1, arbitrary: fc.anything() });
const cmds = Object.keys(ATTR_SCHEMAS) as (keyof typeof ATTR_SCHEMAS)[];
const bpfArb = fc.constantFrom(...cmds).chain((cmd) => fc.record({ kind: fc.constant('bpf'), pid: pidArb, cmd: fc.constant(cmd), attr: schemaArb(ATTR_SCHEMAS[cmd] as Schema) }));
const fd = fc.oneof(fc.nat(8), fc.anything());
const otherArb = fc.oneof(
  fc.record({ kind: fc.constantFrom('close', 'dup'), pid: pidArb, fd }),
  fc.record({ kind: fc.constant('fork'), pid: pidArb, child: fc.oneof(fc.constantFrom(101, 102), fc.anything()) }),
  fc.record({ kind: fc.constant('exit'), pid: pidArb }),
  fc.record({ kind: fc.constantFrom('mkdir', 'unlink'), pid: pidArb, pathname: strArb }, { requiredKeys: ['kind', 'pid', 'pathname'] }),
  fc.record({ kind: fc.constant('netdev_add'), name: strArb, peer: strArb }, { requiredKeys: ['kind', 'name'] }),
  fc.record({ kind: fc.constant('netdev_del'), name: strArb }),
  fc.record({ kind: fc.constant('tick'), ns: intArb('u64') }),
  fc.record({ kind: fc.constant('packets'), packets: fc.array(fc.record({ ifindex: fc.nat(6), direction: fc.constantFrom('ingress', 'egress'), data: hexArb }), { maxLength: 2 }) }),
);
/** Events with a key (at the top, or in attr or in a packet's skb) or a kind or cmd named like a member of Object.prototype. */
const protoNamedArb = fc.oneof(
  fc.tuple(fc.oneof(bpfArb, otherArb), fc.constantFrom(...PROTO_NAMES)).map(([e, k]) => withOwn(e, k)),
  fc.tuple(bpfArb, fc.constantFrom(...PROTO_NAMES)).map(([e, k]) => ({ ...e, attr: withOwn(e.attr, k) })),
  fc.tuple(fc.constantFrom(...PROTO_NAMES), pidArb).map(([k, pid]) => ({ kind: k, pid })),
  fc.tuple(fc.constantFrom(...PROTO_NAMES), pidArb).map(([k, pid]) => ({ kind: 'bpf', pid, cmd: k, attr: {} })),
  fc.constantFrom(...PROTO_NAMES).map((k) => ({ kind: 'packets', packets: [{ ifindex: 1, direction: 'ingress', data: '00', skb: withOwn({}, k) }] })),
);
/** Anything at all, JSON, bytes, and events that are nearly or fully well-formed. */
const anyEventArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: protoNamedArb },
  { weight: 6, arbitrary: bpfArb },
  { weight: 3, arbitrary: otherArb },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => { try { return JSON.parse(Buffer.from(b).toString('utf8')); } catch { return Buffer.from(b).toString('latin1'); } }) },
);

/** Objects to hit: a veth pair, a tc program and a map of pid 100, and an attachment. */
const PRELUDE: unknown[] = [
  { kind: 'netdev_add', name: 'eth0', peer: 'peer0' },
  { kind: 'bpf', pid: 100, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: returnProgram(), license: 'GPL' } },
  { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4 } },
  { kind: 'bpf', pid: 100, cmd: 'BPF_PROG_ATTACH', attr: { target_ifindex: 3, attach_bpf_fd: 3, attach_type: 'BPF_TCX_INGRESS' } },
];

const kernelBad = (state: KernelState, prev: KernelState) => KERNEL_INVARIANTS.flatMap((k) => k.check(state, prev).map((m) => `${k.name}: ${m}`));

describe('random bytes and JSON as events', () => {
  it('step() never throws: a validation error or the kernel\'s answer, and the kernel invariants hold', () => {
    let folded = 0, refused = 0;
    fc.assert(fc.property(fc.array(anyEventArb, { maxLength: 25 }), (xs) => {
      let state = initialState(1);
      for (const x of [...PRELUDE, ...xs]) {
        const r = step(state, x, kernelFold);
        if (!r.ok) { refused++; expect(r.error.message).toBeTypeOf('string'); continue; }
        folded++;
        expect(Number.isInteger(r.result.ret)).toBe(true);
        expect(kernelBad(r.state, state)).toEqual([]);
        state = r.state;
      }
    }), { seed: 42, numRuns: 300 });
    // both paths were exercised, and most events reached the fold
    expect(refused).toBeGreaterThan(100);
    expect(folded).toBeGreaterThan(refused);
  });

  it('the Kernel facade\'s apply() throws only EventError, and records only what folded', () => {
    fc.assert(fc.property(fc.array(anyEventArb, { maxLength: 25 }), (xs) => {
      const k = new Kernel({ seed: 2 });
      for (const x of [...PRELUDE, ...xs]) {
        const before = k.trace.length;
        const prev = k.state;
        try {
          const r = k.apply(x);
          expect(Number.isInteger(r.ret)).toBe(true);
          expect(k.trace.length).toBe(before + 1);
          expect(kernelBad(k.state, prev)).toEqual([]);
        } catch (e) {
          expect(e).toBeInstanceOf(EventError);
          expect(k.trace.length).toBe(before);
          expect(k.state).toBe(prev);
        }
      }
    }), { seed: 43, numRuns: 200 });
  });

  it('the arbitrary reaches the fold\'s error paths (errnos), not only validation', () => {
    const outcomes = new Set<string>();
    for (const xs of fc.sample(fc.array(bpfArb, { maxLength: 25 }), { seed: 7, numRuns: 100 })) {
      let state = initialState(1);
      for (const x of [...PRELUDE, ...xs]) {
        const r = step(state, x, kernelFold);
        if (r.ok) { outcomes.add(r.result.ret < 0 ? String(r.result.ret) : 'ok'); state = r.state; }
      }
    }
    for (const o of ['ok', '-22', '-9']) expect(outcomes).toContain(o); // ok, EINVAL, EBADF at least
    expect(outcomes.size).toBeGreaterThanOrEqual(4);
  });
});
