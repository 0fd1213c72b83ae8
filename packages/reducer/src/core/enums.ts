import { bpf_attach_type, bpf_map_type, bpf_prog_type } from '@bpfsim/events';

const ALL: Record<string, number> = { ...bpf_map_type, ...bpf_prog_type, ...bpf_attach_type };

/** An enum attr field's number, whether the event gave the kernel name or the raw value. */
export function enumValue(v: string | number | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'number' ? v : ALL[v];
}
