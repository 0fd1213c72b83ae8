// The reverse of encoding for scalar members: union bpf_attr bytes -> named fields.
import type { ModelledCmd } from '@bpfsim/events';
import { ATTR_LAYOUT } from './layout.ts';
import { decodeCString } from './strings.ts';
import { readScalar } from './struct.ts';

/** Every member of `cmd`'s layout read from `bytes` (pointers as addresses, names as text). */
export function readAttr(cmd: ModelledCmd, bytes: Uint8Array): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [name, slot] of Object.entries(ATTR_LAYOUT[cmd])) {
    out[name] = slot.type === 'name16'
      ? decodeCString(bytes.subarray(slot.off, slot.off + 16))
      : readScalar(bytes, slot.off, slot.type === 'ptr' ? 'u64' : slot.type);
  }
  return out;
}
