// Resolving the map references of a loaded program. An ld_imm64 with src_reg BPF_PSEUDO_MAP_FD
// or BPF_PSEUDO_MAP_VALUE carries the loading process's fd in imm (BPF_PSEUDO_MAP_IDX / _IDX_VALUE
// an index into fd_array); the prog's map_ids lists the maps in the order the verifier's
// resolve_pseudo_ldimm64 first met them, walking the instructions in order. So the k-th distinct
// reference is map_ids[k].
import type { Insn } from '@bpfsim/events';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE } from '@bpfsim/events';
import { LD_IMM64 } from './cfg.ts';

export const isMapRef = (src: number) =>
  src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_VALUE || src === BPF_PSEUDO_MAP_IDX || src === BPF_PSEUDO_MAP_IDX_VALUE;

/** Which reference an ld_imm64 makes: by fd and by fd_array index are different references. */
const refKey = (x: Insn) => (x.src_reg === BPF_PSEUDO_MAP_FD || x.src_reg === BPF_PSEUDO_MAP_VALUE ? 'fd:' : 'idx:') + x.imm;

/** insn index -> k, for every map-referencing ld_imm64: it names the k-th distinct map the program names. */
export function mapRefOrdinals(insns: readonly Insn[]): Map<number, number> {
  const order = new Map<string, number>();
  const out = new Map<number, number>();
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (x.code !== LD_IMM64) continue;
    if (isMapRef(x.src_reg)) {
      const k = refKey(x);
      let n = order.get(k);
      if (n === undefined) order.set(k, (n = order.size));
      out.set(i, n);
    }
    i++; // the second half
  }
  return out;
}

/** insn index -> map id, for every map-referencing ld_imm64 (undefined ids: more references than map_ids). */
export function linkMaps(insns: readonly Insn[], mapIds: readonly number[]): Map<number, number | undefined> {
  const out = new Map<number, number | undefined>();
  for (const [i, k] of mapRefOrdinals(insns)) out.set(i, mapIds[k]);
  return out;
}
