// What compiled code calls: 64-bit arithmetic, memory access, and the few operations that need
// the machine (map value pointers, tail calls, callx, ld_abs). Bound by name into each compiled
// program's scope once (codegen.ts), so calls are direct and V8 can inline them.
import { bpf_map_type } from '@bpfsim/events';
import { radixDepth, radixGet } from '@bpfsim/state';
import { Exit, Fault, hex64, type FaultKind } from '../fault.ts';
import { R, arsh64, bswap16, bswap32, lsh64, mul64, rsh64, sdiv64, smod64, udiv64, umod64 } from '../int64.ts';
import { atomic32, atomic64, ld16, ld32, ld64, ld8, st16, st32, st64, st8 } from '../memory/access.ts';
import { BASE, HI_MAPS, HI_STACK } from '../memory/region.ts';
import type { Machine } from '../machine.ts';
import { elementPointer } from '../maps/ops.ts';
import { MAX_TAIL_CALL_CNT } from '../opcodes.ts';
import type { ProgArrayData } from '../snapshot.ts';
import type { ProgFn } from './codegen.ts';

const fault = (pc: number, kind: FaultKind, msg: string) => new Fault(kind, pc, msg);

/** ld_imm64 BPF_PSEUDO_MAP_VALUE: a pointer to byte `off` of element 0 of an array map. */
function mapvalue(m: Machine, mapId: number, off: number, pc: number): number {
  const v = m.overlay.view(mapId);
  if (v === undefined) throw fault(pc, 'insn', `map ${mapId} is not in the snapshot`);
  if (v.map.map_type !== bpf_map_type.BPF_MAP_TYPE_ARRAY) throw fault(pc, 'insn', `direct value access to map ${mapId} of type ${v.map.map_type} is not modelled`);
  if (off < 0 || off >= v.map.value_size) throw fault(pc, 'oob', `direct value offset ${off} outside the ${v.map.value_size}-byte value of map ${mapId}`);
  return elementPointer(m, v, m.overlay.element(v, '00000000')!, off);
}

/**
 * bpf_tail_call's lookup, in the kernel's order: index within max_entries, then the count
 * (which an empty slot spends too), then the slot. The target's main function, or null.
 */
function tailcall(m: Machine, mapL: number, mapH: number, idxL: number, _idxH: number, pc: number): ProgFn | null {
  const v = mapH === HI_MAPS ? m.overlay.view((mapL - BASE) | 0) : undefined;
  if (v === undefined || v.map.map_type !== bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY) {
    throw fault(pc, 'helper', `bpf_tail_call: r2 ${hex64(mapH, mapL)} is not a prog array in the snapshot`);
  }
  const index = idxL >>> 0; // u32 index
  if (index >= v.map.max_entries) return null;
  if (m.tailCalls >= MAX_TAIL_CALL_CNT) return null;
  m.tailCalls++;
  const data = v.map.data as ProgArrayData;
  if (data.kind !== 'prog_array') throw fault(pc, 'helper', `bpf_tail_call: map ${v.map.id} has no prog array data`);
  const progId = radixGet(data.progs, radixDepth(v.map.max_entries), index) as number | undefined;
  if (progId === undefined) return null;
  const fn = m.load(progId);
  if (fn === undefined) throw fault(pc, 'helper', `bpf_tail_call: prog ${progId} in slot ${index} of map ${v.map.id} is not in the snapshot`);
  m.tailCalled.push(progId);
  m.progId = progId;
  return fn;
}

/** call %rN (BPF_JMP | BPF_CALL | BPF_X, uBPF's callx): the helper whose id the register holds. */
function callx(m: Machine, id: number, l1: number, h1: number, l2: number, h2: number, l3: number, h3: number,
  l4: number, h4: number, l5: number, h5: number, pc: number): number {
  const why = m.helpers.missing(id);
  if (why !== undefined || id === 12) throw fault(pc, 'helper', why ?? 'callx to bpf_tail_call');
  return m.helpers.fn(id)(m, l1, h1, l2, h2, l3, h3, l4, h4, l5, h5, pc);
}

/** LD_ABS / LD_IND: a big-endian load from the packet; past its end the program returns 0. */
function ldabs(m: Machine, off: number, n: number, _pc: number): number {
  const p = m.pkt;
  if (off < 0 || off + n > p.len) throw new Exit(0, 0);
  if (n === 1) return p.u8[off];
  if (n === 2) return p.dv.getUint16(off, false);
  return p.dv.getInt32(off, false);
}

export const runtime = {
  R, mul64, udiv64, umod64, sdiv64, smod64, lsh64, rsh64, arsh64, bswap16, bswap32,
  ld8, ld16, ld32, ld64, st8, st16, st32, st64, atomic32, atomic64,
  fault, mapvalue, tailcall, callx, ldabs, HI_STACK,
};
export type Runtime = typeof runtime;
export const RUNTIME_NAMES = Object.keys(runtime);
