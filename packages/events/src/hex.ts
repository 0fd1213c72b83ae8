// Bytes travel as lowercase hex strings: immutable, serialisable and comparable as they are.
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}
export function fromHex(h: string): Uint8Array {
  const b = new Uint8Array(h.length >> 1);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(i * 2, 2), 16);
  return b;
}
/** Little-endian hex of an unsigned integer of `size` bytes. */
export function u32le(v: number, size = 4): string {
  let s = '';
  for (let i = 0; i < size; i++) { const byte = Math.floor(v / 2 ** (8 * i)) & 0xff; s += (byte < 16 ? '0' : '') + byte.toString(16); }
  return s;
}
