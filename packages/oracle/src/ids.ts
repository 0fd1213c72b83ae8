// Kernel BPF ids are global; the model's start at 1 per kind and count up in creation order.
// The n-th prog (map, link) the trace creates is model id n.
export type IdKind = 'prog' | 'map' | 'link';

/** Kernel ids are allocated cyclically from 1 and stay far below this in practice. */
const FAKE_BASE = 0x7fff0000;
const INT_MAX = 0x7fffffff;

export class IdMap {
  private readonly kernel: Record<IdKind, number[]> = { prog: [], map: [], link: [] };

  /** Records a newly created object; returns its model id. */
  register(kind: IdKind, kernelId: number): number {
    this.kernel[kind].push(kernelId);
    return this.kernel[kind].length;
  }

  created(kind: IdKind): number { return this.kernel[kind].length; }

  /** The kernel id for a model id; ids the trace never created map to ids that do not exist. */
  toKernel(kind: IdKind, modelId: number): number {
    if (modelId === 0) return 0;
    const k = this.kernel[kind][modelId - 1];
    if (k !== undefined) return k;
    return modelId >= INT_MAX ? modelId : FAKE_BASE + (modelId & 0xffff);
  }

  /** The model id of a kernel id of this trace, or undefined for an object the trace did not create. */
  toModel(kind: IdKind, kernelId: number): number | undefined {
    const i = this.kernel[kind].indexOf(kernelId);
    return i < 0 ? undefined : i + 1;
  }

  /**
   * Where the kernel walk of *_GET_NEXT_ID starts for a model start_id. Past the trace's own
   * ids the walk starts at its newest object, and finds nothing of the trace's own. From
   * INT_MAX up the id goes through as it is: the kernel refuses those (EINVAL).
   */
  walkStart(kind: IdKind, modelStart: number): number {
    const ids = this.kernel[kind];
    if (modelStart === 0 || modelStart >= INT_MAX) return modelStart;
    if (modelStart <= ids.length) return ids[modelStart - 1];
    return ids.length ? ids[ids.length - 1] : 0;
  }
}

/** Shown in place of an id the trace did not create (e.g. a host object). */
export const foreignId = (kernelId: number): string => `foreign kernel id ${kernelId}`;
