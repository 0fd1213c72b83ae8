// enum bpf_func_id names (Linux 6.18), as the verifier prints them: uapi data from @bpfsim/events.
import { BPF_FUNC_MAX_ID, BPF_FUNC_NAMES } from '@bpfsim/events';

export { BPF_FUNC_MAX_ID, BPF_FUNC_NAMES };

/** 'bpf_redirect (23)', or 'unknown#N' as the verifier names ids past the last. */
export function helperName(id: number): string {
  return id >= 0 && id < BPF_FUNC_MAX_ID ? `${BPF_FUNC_NAMES[id]} (${id})` : `unknown#${id}`;
}
