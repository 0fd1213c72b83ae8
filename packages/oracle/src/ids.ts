// Kernel BPF ids are global; the model's start at 1 per kind.
//
// Progs and maps: the n-th prog (map) the trace creates is model id n. A failed BPF_PROG_LOAD or
// BPF_MAP_CREATE takes no kernel id (the id is allocated once the object is whole), so inside one
// trace this is the kernel's own numbering shifted to start at 1.
//
// Links: the kernel allocates a link's id in bpf_link_prime(), before the attach step, and a
// failed BPF_LINK_CREATE after that point uses the id up (idr_alloc_cyclic's cursor moves on).
// To keep those gaps, link ids are translated by offset: the session learns the id the kernel's
// link idr will hand out next before the trace's first event (setBase, see session.ts), and
// model link id = kernel link id - base + 1. This assumes nothing else on the host creates (or
// tries to create) a link while the trace runs: a host link made meanwhile would shift every
// later link id of the trace by one.
export type IdKind = 'prog' | 'map' | 'link';

/** Kernel ids are allocated cyclically from 1 and stay far below this in practice. */
const FAKE_BASE = 0x7fff0000;
const INT_MAX = 0x7fffffff;

export class IdMap {
  private readonly kernel: Record<IdKind, number[]> = { prog: [], map: [], link: [] };
  /** Per kind numbered by offset: the kernel id that is model id 1. */
  private readonly base: Partial<Record<IdKind, number>> = {};

  /** Numbers `kind` by offset from now on: kernel id `base` is model id 1. */
  setBase(kind: IdKind, base: number): void {
    if (!Number.isInteger(base) || base <= 0 || base >= INT_MAX) throw new Error(`bad ${kind} id base ${base}`);
    if (this.kernel[kind].length) throw new Error(`the ${kind} id base is set after the trace created a ${kind}`);
    this.base[kind] = base;
  }

  /** Records a newly created object; returns its model id. */
  register(kind: IdKind, kernelId: number): number {
    const base = this.base[kind];
    if (base !== undefined && kernelId < base) {
      throw new Error(`the kernel gave a new ${kind} id ${kernelId}, below the trace's first ${base}: the ids wrapped, or the base is wrong`);
    }
    this.kernel[kind].push(kernelId);
    return base === undefined ? this.kernel[kind].length : kernelId - base + 1;
  }

  created(kind: IdKind): number { return this.kernel[kind].length; }

  /** The kernel id for a model id; ids the trace never created map to ids that do not exist. */
  toKernel(kind: IdKind, modelId: number): number {
    if (modelId === 0) return 0;
    if (modelId >= INT_MAX) return modelId;
    const base = this.base[kind];
    if (base !== undefined) {
      // Ids the trace has not (yet) created, or lost to a failed create, are kernel ids that hold
      // nothing of the trace's, as in the model.
      const k = base + modelId - 1;
      return k < INT_MAX ? k : FAKE_BASE + (modelId & 0xffff);
    }
    const k = this.kernel[kind][modelId - 1];
    if (k !== undefined) return k;
    return FAKE_BASE + (modelId & 0xffff);
  }

  /** The model id of a kernel id of this trace, or undefined for an object the trace did not create. */
  toModel(kind: IdKind, kernelId: number): number | undefined {
    const i = this.kernel[kind].indexOf(kernelId);
    if (i < 0) return undefined;
    const base = this.base[kind];
    return base === undefined ? i + 1 : kernelId - base + 1;
  }

  /**
   * Where the kernel walk of *_GET_NEXT_ID starts for a model start_id. Past the trace's own
   * ids the walk starts at its newest object, and finds nothing of the trace's own. From
   * INT_MAX up the id goes through as it is: the kernel refuses those (EINVAL).
   */
  walkStart(kind: IdKind, modelStart: number): number {
    const ids = this.kernel[kind];
    if (modelStart === 0 || modelStart >= INT_MAX) return modelStart;
    const base = this.base[kind];
    if (base !== undefined) return Math.min(base + modelStart - 1, INT_MAX - 1);
    if (modelStart <= ids.length) return ids[modelStart - 1];
    return ids.length ? ids[ids.length - 1] : 0;
  }
}

/** Shown in place of an id the trace did not create (e.g. a host object). */
export const foreignId = (kernelId: number): string => `foreign kernel id ${kernelId}`;
