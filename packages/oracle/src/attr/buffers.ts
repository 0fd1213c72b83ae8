// The user-space buffers a bpf() call points at, and how big the ones the kernel writes into are.
import { bpf_map_type, type ModelledCmd } from '@bpfsim/events';

export interface BufSpec {
  /** Attr field (dotted path) whose pointer addresses this buffer. */
  readonly field: string;
  readonly ptrOff: number;
  /** Bytes placed at the start of the buffer; the rest of `cap` is zero. */
  readonly input: Uint8Array;
  readonly cap: number;
  /** Whether the kernel writes into this buffer (else it only reads it). */
  readonly output: boolean;
  /** How many bytes of the buffer to read back after the call (0 for inputs). */
  readonly retLen: number;
  /** Read back only up to the first NUL. */
  readonly cstr: boolean;
}

export interface EncodedCall {
  readonly cmd: number;
  readonly attr: Uint8Array;
  readonly bufs: readonly BufSpec[];
}

/** The sizes of a map, as its fdinfo shows them. */
export interface MapShape { readonly map_type: number; readonly key_size: number; readonly value_size: number }

/** What the encoder needs to know about the live process to size a buffer. */
export interface EncodeContext {
  /** The map behind `fd` in the calling process, or undefined if `fd` is not a map. */
  mapOf(fd: number): MapShape | undefined;
  /** num_possible_cpus(): per-cpu maps copy one value slot per possible cpu. */
  possibleCpus(): number;
}

/** The most the oracle reads back from one buffer (verifier logs can be large). */
export const MAX_READBACK = 16 << 20;
/** The kernel writes at most sizeof(struct bpf_prog_info) bytes of info; this leaves room. */
const INFO_READBACK = 4096;

type Attr = Readonly<Record<string, unknown>>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Capacity of an outbuf field (a pointer the kernel writes through), from the attr's size fields. */
export function outbufCapacity(cmd: ModelledCmd, field: string, attr: Attr, ctx: EncodeContext): number {
  switch (field) {
    case 'log_buf': return num(attr.log_size);
    case 'next_key': return ctx.mapOf(num(attr.map_fd))?.key_size ?? 0;
    case 'info': return num(attr.info_len);
    case 'prog_ids': case 'prog_attach_flags': case 'link_ids': case 'link_attach_flags':
      return 4 * num(attr.count ?? attr.prog_cnt);
    case 'data_out': return num(attr.data_size_out);
    case 'ctx_out': return num(attr.ctx_size_out);
  }
  throw new Error(`${cmd}.${field}: no capacity rule for this output buffer`);
}

export function readbackLength(field: string, cap: number): number {
  return Math.min(cap, field === 'info' ? INFO_READBACK : MAX_READBACK);
}

const isLookup = (cmd: ModelledCmd) => cmd === 'BPF_MAP_LOOKUP_ELEM' || cmd === 'BPF_MAP_LOOKUP_AND_DELETE_ELEM';

/** `bytes` fields the kernel also writes into: a lookup's value, except on a bloom filter (there it is the input). */
export function bytesAreWritten(cmd: ModelledCmd, field: string, attr: Attr, ctx: EncodeContext): boolean {
  return field === 'value' && isLookup(cmd) && ctx.mapOf(num(attr.map_fd))?.map_type !== bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER;
}

const PERCPU_MAP_TYPES = new Set([
  bpf_map_type.BPF_MAP_TYPE_PERCPU_HASH, bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY,
  bpf_map_type.BPF_MAP_TYPE_LRU_PERCPU_HASH, bpf_map_type.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
]);

/**
 * A lookup without `value` gets a zeroed buffer of the size the kernel copies out (the
 * value is what a lookup is for), except on a bloom filter, whose value is the input:
 * there a missing value stays NULL. Undefined when no buffer is passed.
 */
export function implicitLookupValue(cmd: ModelledCmd, attr: Attr, ctx: EncodeContext): number | undefined {
  if (!isLookup(cmd) || attr.value !== undefined) return undefined;
  const map = ctx.mapOf(num(attr.map_fd));
  if (!map || map.map_type === bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER) return undefined;
  if (!PERCPU_MAP_TYPES.has(map.map_type)) return map.value_size;
  return Math.ceil(map.value_size / 8) * 8 * ctx.possibleCpus();
}
