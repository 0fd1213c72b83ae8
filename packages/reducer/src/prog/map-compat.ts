// check_map_prog_compatibility() of the verifier, as far as bpfsim's map types go: a sleepable
// program may reference only some map types. Measured on Linux 6.18
// (fixtures/kernel/prog-array-owner-types.json): hash and array maps load, a bloom filter or a prog
// array is -EINVAL ("Sleepable programs can only use array, hash, ringbuf and local storage maps").
import { bpf_map_type } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { peek } from '../draft/index.ts';
import type { Check } from '../result.ts';

const SLEEPABLE_MAP_TYPES: readonly number[] = [bpf_map_type.BPF_MAP_TYPE_HASH, bpf_map_type.BPF_MAP_TYPE_ARRAY];

export function sleepableMapCheck(s: S, sleepable: boolean, mapIds: readonly number[]): Check {
  if (!sleepable) return undefined;
  for (const id of mapIds) if (!SLEEPABLE_MAP_TYPES.includes(peek(peek(s, 'maps'), id).map_type)) return 'EINVAL';
  return undefined;
}
