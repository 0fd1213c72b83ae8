// Deterministic randomness: a xorshift32 stream kept in state and seeded by the trace header.
export function seedRng(seed: number): number {
  const s = (seed ^ 0x9e3779b9) >>> 0;
  return s === 0 ? 0x6d2b79f5 : s;
}
/** Advances the stream: returns [the next u32, the new state]. */
export function nextRandom(state: number): [number, number] {
  let x = state >>> 0;
  x ^= x << 13; x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5; x >>>= 0;
  return [x, x];
}
