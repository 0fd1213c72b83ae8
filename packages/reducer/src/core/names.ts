import { BPF_OBJ_NAME_LEN } from '@bpfsim/events';

/**
 * bpf_obj_name_cpy(): a prog or map name is at most 15 characters of [A-Za-z0-9_.]; the kernel
 * answers -EINVAL otherwise. Returns the name, or undefined for -EINVAL.
 */
export function objName(name: string | undefined): string | undefined {
  if (name === undefined) return '';
  if (name.length >= BPF_OBJ_NAME_LEN) return undefined;
  return /^[A-Za-z0-9_.]*$/.test(name) ? name : undefined;
}
