// A bloom filter's bits during a batch: the words pushes set, over the snapshot's words.
import { bytesToHex as toHex } from '../hex.ts';
import { bloomDepth, bloomGeometryOf, bloomHash, radixGet, type BloomData, type MapShape } from '@bpfsim/state';

export class BloomOverlay {
  private readonly words = new Map<number, number>();
  readonly pushes: { seq: number; value: string }[] = [];
  constructor(private readonly map: MapShape) {}

  private word(i: number): number {
    const w = this.words.get(i);
    if (w !== undefined) return w;
    const d = this.map.data as BloomData;
    return (radixGet(d.words, bloomDepth(d), i) as number | undefined) ?? 0;
  }

  private bits(value: Uint8Array): number[] {
    const g = bloomGeometryOf(this.map);
    const out: number[] = [];
    for (let i = 0; i < g.nrHashFuncs; i++) out.push(bloomHash(g, value, i));
    return out;
  }

  /** bloom_map_peek_elem: every bit set. */
  has(value: Uint8Array): boolean {
    return this.bits(value).every((b) => ((this.word(Math.floor(b / 32)) >>> (b % 32)) & 1) === 1);
  }

  /** bloom_map_push_elem. */
  push(value: Uint8Array, seq: number): void {
    for (const b of this.bits(value)) {
      const i = Math.floor(b / 32);
      this.words.set(i, (this.word(i) | (1 << (b % 32))) >>> 0);
    }
    this.pushes.push({ seq, value: toHex(value) });
  }
}

