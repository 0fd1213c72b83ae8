// Hex <-> bytes on the per-packet path: table-driven, several times faster than the event
// vocabulary's general helpers (same format: lowercase, two digits a byte).
const HEX: string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

export function hexToBytes(h: string): Uint8Array {
  const b = new Uint8Array(h.length >>> 1);
  hexInto(h, b);
  return b;
}

/** Decodes into `out` (at least h.length / 2 bytes); returns the byte count. */
export function hexInto(h: string, out: Uint8Array): number {
  const n = h.length >>> 1;
  for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = (nibble(h.charCodeAt(j)) << 4) | nibble(h.charCodeAt(j + 1));
  return n;
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}
