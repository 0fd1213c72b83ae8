// C strings: char[16] object names stored inline in the attr, and NUL-terminated strings behind pointers.
import { BPF_OBJ_NAME_LEN } from '@bpfsim/events';

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * char[BPF_OBJ_NAME_LEN]: a name of 16 bytes or more fills the array without a NUL (longer
 * ones are cut), which the kernel rejects itself (EINVAL), as it would from any C caller.
 */
export function encodeName16(s: string): Uint8Array {
  const out = new Uint8Array(BPF_OBJ_NAME_LEN);
  out.set(enc.encode(s).subarray(0, BPF_OBJ_NAME_LEN));
  return out;
}

/** The bytes of a NUL-terminated C string. */
export function cString(s: string): Uint8Array {
  const bytes = enc.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Text up to the first NUL (or the whole array). */
export function decodeCString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return dec.decode(nul < 0 ? b : b.subarray(0, nul));
}
