// Reading helper arguments: memory behind pointers, maps behind map pointers, 64-bit returns.
import { Fault, hex64 } from '../fault.ts';
import type { Machine } from '../machine.ts';
import { resolve, wrote } from '../memory/access.ts';
import { BASE, HI_MAPS, KIND_MEM } from '../memory/region.ts';
import type { MapView } from '../maps/overlay.ts';

/** The n bytes at (hi, lo) as a view into the region's memory (no copy). */
export function bytesAt(m: Machine, hi: number, lo: number, n: number, pc: number, write: boolean, what: string): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const r = resolve(m, hi, lo, n, pc, what);
  if (r.kind !== KIND_MEM) throw new Fault('helper', pc, `${what}: ${r.name} memory cannot be passed to a helper`, hex64(hi, lo));
  if (write && !r.writable) throw new Fault('readonly', pc, `${what}: ${r.name} is read-only`, hex64(hi, lo));
  if (write) wrote(m, r, n);
  return r.u8.subarray(m.o, m.o + n);
}

/** The map a map pointer names. */
export function mapArg(m: Machine, hi: number, lo: number, pc: number, helper: string): MapView {
  const id = (lo - BASE) | 0;
  const v = hi === HI_MAPS ? m.overlay.view(id) : undefined;
  if (v === undefined) throw notAMap(hi, lo, pc, helper);
  return v;
}

/** Apart from mapArg, which V8 then inlines whole into a compiled program's helper calls. */
function notAMap(hi: number, lo: number, pc: number, helper: string): Fault {
  return new Fault('helper', pc, `${helper}: r1 ${hex64(hi, lo)} is not a pointer to a map in the snapshot`, hex64(hi, lo));
}

/** Returns a signed 32-bit result (an errno or a small value) as a sign-extended 64-bit r0. */
export function ret(m: Machine, v: number): number {
  m.rh = v < 0 ? -1 : 0;
  return v | 0;
}

/** Returns an unsigned 32-bit result, zero-extended. */
export function retU32(m: Machine, v: number): number {
  m.rh = 0;
  return v | 0;
}

/** A u64 argument that must fit in 32 bits unsigned (offsets, sizes): Infinity when it does not. */
export const u32arg = (lo: number, hi: number) => (hi === 0 ? lo >>> 0 : Infinity);
