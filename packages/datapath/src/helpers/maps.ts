// Map helpers: bpf_map_lookup_elem (1), _update_elem (2), _delete_elem (3), and the bloom
// filter's bpf_map_push_elem (87), _pop_elem (88), _peek_elem (89).
import { errno } from '@bpfsim/events';
import { Fault, hex64 } from '../fault.ts';
import type { Machine } from '../machine.ts';
import { elementPointer, lookup, lookupU32, peek, push, remove, update } from '../maps/ops.ts';
import type { Element } from '../maps/overlay.ts';
import { resolve } from '../memory/access.ts';
import { KIND_MEM, type Region } from '../memory/region.ts';
import { bytesAt, mapArg, ret } from './args.ts';
import type { HelperFn } from './table.ts';

/** Map operations report unmodelled map types by throwing a string. */
function guard<T>(pc: number, f: () => T): T {
  try { return f(); } catch (e) { if (typeof e === 'string') throw new Fault('helper', pc, e); throw e; }
}

// Faults built apart from the helpers below: their messages' code would otherwise count against
// what V8 inlines of the helper into a compiled program.
function notMemory(r: Region, hi: number, lo: number, pc: number): Fault {
  return new Fault('helper', pc, `bpf_map_lookup_elem key: ${r.name} memory cannot be passed to a helper`, hex64(hi, lo));
}

export const mapLookupElem: HelperFn = (m, l1, h1, l2, h2, _l3, _h3, _l4, _h4, _l5, _h5, pc) => {
  const v = mapArg(m, h1, l1, pc, 'bpf_map_lookup_elem');
  let e: Element | undefined;
  try {
    if (v.map.key_size === 4) {
      // bytesAt's checks, without the subarray; the element cached by the key's value.
      const r = resolve(m, h2, l2, 4, pc, 'bpf_map_lookup_elem key');
      if (r.kind !== KIND_MEM) throw notMemory(r, h2, l2, pc);
      e = lookupU32(m, v, r.u8, m.o);
    } else e = lookup(m, v, bytesAt(m, h2, l2, v.map.key_size, pc, false, 'bpf_map_lookup_elem key'));
  } catch (err) {
    if (typeof err === 'string') throw new Fault('helper', pc, err);
    throw err;
  }
  if (e === undefined) { m.rh = 0; return 0; }
  return elementPointer(m, v, e);
};

export const mapUpdateElem: HelperFn = (m, l1, h1, l2, h2, l3, h3, l4, h4, _l5, _h5, pc) => {
  const v = mapArg(m, h1, l1, pc, 'bpf_map_update_elem');
  const key = bytesAt(m, h2, l2, v.map.key_size, pc, false, 'bpf_map_update_elem key');
  const value = bytesAt(m, h3, l3, v.map.value_size, pc, false, 'bpf_map_update_elem value');
  return ret(m, guard(pc, () => update(m, v, key, value, l4, h4)));
};

export const mapDeleteElem: HelperFn = (m, l1, h1, l2, h2, _l3, _h3, _l4, _h4, _l5, _h5, pc) => {
  const v = mapArg(m, h1, l1, pc, 'bpf_map_delete_elem');
  const key = bytesAt(m, h2, l2, v.map.key_size, pc, false, 'bpf_map_delete_elem key');
  return ret(m, guard(pc, () => remove(m, v, key)));
};

export const mapPushElem: HelperFn = (m, l1, h1, l2, h2, l3, h3, _l4, _h4, _l5, _h5, pc) => {
  const v = mapArg(m, h1, l1, pc, 'bpf_map_push_elem');
  const value = bytesAt(m, h2, l2, v.map.value_size, pc, false, 'bpf_map_push_elem value');
  return ret(m, guard(pc, () => push(m, v, value, l3, h3)));
};

export const mapPopElem: HelperFn = (m, l1, h1, _l2, _h2, _l3, _h3, _l4, _h4, _l5, _h5, pc) => {
  mapArg(m, h1, l1, pc, 'bpf_map_pop_elem');
  return ret(m, -errno.EOPNOTSUPP); // bloom filters have no pop; queues and stacks are not modelled
};

export const mapPeekElem: HelperFn = (m, l1, h1, l2, h2, _l3, _h3, _l4, _h4, _l5, _h5, pc) => {
  const v = mapArg(m, h1, l1, pc, 'bpf_map_peek_elem');
  const value = bytesAt(m, h2, l2, v.map.value_size, pc, true, 'bpf_map_peek_elem value');
  return ret(m, guard(pc, () => peek(v, value)));
};
