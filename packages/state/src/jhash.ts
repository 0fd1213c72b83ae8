// Bob Jenkins' lookup3 hash as the kernel has it in include/linux/jhash.h.
//
// jhash()  hashes bytes; on a little-endian machine it equals lookup3's hashlittle().
// jhash2() hashes u32 words; it equals lookup3's hashword(), and jhash() of the same words
//          laid out little-endian.
// Both return an unsigned 32-bit number. All arithmetic stays in int32 (`| 0`), rotations are
// shift pairs; nothing allocates.

/** JHASH_INITVAL, "an arbitrary initial parameter". */
export const JHASH_INITVAL = 0xdeadbeef;

// State of the mix/final rounds, kept in module scope so the hot path allocates nothing.
let A = 0;
let B = 0;
let C = 0;

function mix(): void {
  let a = A, b = B, c = C;
  a = (a - c) | 0; a ^= (c << 4) | (c >>> 28); c = (c + b) | 0;
  b = (b - a) | 0; b ^= (a << 6) | (a >>> 26); a = (a + c) | 0;
  c = (c - b) | 0; c ^= (b << 8) | (b >>> 24); b = (b + a) | 0;
  a = (a - c) | 0; a ^= (c << 16) | (c >>> 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= (a << 19) | (a >>> 13); a = (a + c) | 0;
  c = (c - b) | 0; c ^= (b << 4) | (b >>> 28); b = (b + a) | 0;
  A = a; B = b; C = c;
}

function final(): void {
  let a = A, b = B, c = C;
  c ^= b; c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c; a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a; b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b; c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c; a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a; b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b; c = (c - ((b << 24) | (b >>> 8))) | 0;
  A = a; B = b; C = c;
}

function le32(k: Uint8Array, i: number): number {
  return k[i] | (k[i + 1] << 8) | (k[i + 2] << 16) | (k[i + 3] << 24);
}

/**
 * jhash(key, length, initval) of include/linux/jhash.h: hashes the first `length` bytes of `bytes`
 * (all of them by default) with `initval` (taken mod 2^32). Returns a u32.
 */
export function jhash(bytes: Uint8Array, initval: number, length: number = bytes.length): number {
  const init = (JHASH_INITVAL + length + initval) | 0;
  A = init; B = init; C = init;
  let i = 0;
  while (length > 12) {
    A = (A + le32(bytes, i)) | 0;
    B = (B + le32(bytes, i + 4)) | 0;
    C = (C + le32(bytes, i + 8)) | 0;
    mix();
    length -= 12;
    i += 12;
  }
  // The kernel's fall-through switch on the 0..12 bytes left.
  if (length === 0) return C >>> 0;
  switch (length) {
    case 12: C = (C + (bytes[i + 11] << 24)) | 0; // falls through
    case 11: C = (C + (bytes[i + 10] << 16)) | 0; // falls through
    case 10: C = (C + (bytes[i + 9] << 8)) | 0;   // falls through
    case 9: C = (C + bytes[i + 8]) | 0;           // falls through
    case 8: B = (B + (bytes[i + 7] << 24)) | 0;   // falls through
    case 7: B = (B + (bytes[i + 6] << 16)) | 0;   // falls through
    case 6: B = (B + (bytes[i + 5] << 8)) | 0;    // falls through
    case 5: B = (B + bytes[i + 4]) | 0;           // falls through
    case 4: A = (A + (bytes[i + 3] << 24)) | 0;   // falls through
    case 3: A = (A + (bytes[i + 2] << 16)) | 0;   // falls through
    case 2: A = (A + (bytes[i + 1] << 8)) | 0;    // falls through
    case 1: A = (A + bytes[i]) | 0;
  }
  final();
  return C >>> 0;
}

/**
 * jhash2(k, length, initval) of include/linux/jhash.h: hashes the first `length` u32 words of
 * `words` (all of them by default) with `initval`. Returns a u32.
 */
export function jhash2(words: Uint32Array | readonly number[], initval: number, length: number = words.length): number {
  const init = (JHASH_INITVAL + ((length << 2) | 0) + initval) | 0;
  A = init; B = init; C = init;
  let i = 0;
  while (length > 3) {
    A = (A + words[i]) | 0;
    B = (B + words[i + 1]) | 0;
    C = (C + words[i + 2]) | 0;
    mix();
    length -= 3;
    i += 3;
  }
  if (length === 0) return C >>> 0;
  switch (length) {
    case 3: C = (C + words[i + 2]) | 0; // falls through
    case 2: B = (B + words[i + 1]) | 0; // falls through
    case 1: A = (A + words[i]) | 0;
  }
  final();
  return C >>> 0;
}

/** The little-endian u32 words of `bytes` (whose length must be a multiple of 4), as jhash2 reads a key in memory. */
export function bytesToWords(bytes: Uint8Array): Uint32Array {
  const n = bytes.length >>> 2;
  const w = new Uint32Array(n);
  for (let j = 0; j < n; j++) w[j] = le32(bytes, j * 4) >>> 0;
  return w;
}
