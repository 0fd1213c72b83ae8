// A hash table from int32 keys to objects, by open addressing with linear probing: the 4-byte key
// cache of map lookups (maps/ops.ts lookupU32) hits it once or twice per packet, and a JS Map's
// get costs several times more. Entries are only added, or all cleared at once.

export class IntTable<V extends object> {
  private keys = new Int32Array(16);
  private vals: (V | undefined)[] = new Array<V | undefined>(16).fill(undefined);
  private mask = 15;
  size = 0;

  private slot(k: number): number {
    return (Math.imul(k, 0x9e3779b1) >>> 16) & this.mask;
  }

  get(k: number): V | undefined {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    for (let i = this.slot(k); ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === undefined || keys[i] === k) return v;
    }
  }

  set(k: number, v: V): void {
    const mask = this.mask;
    let i = this.slot(k);
    while (this.vals[i] !== undefined && this.keys[i] !== k) i = (i + 1) & mask;
    if (this.vals[i] === undefined) this.size++;
    this.keys[i] = k;
    this.vals[i] = v;
    if (this.size * 2 > mask) this.grow();
  }

  clear(): void {
    this.vals.fill(undefined);
    this.size = 0;
  }

  private grow(): void {
    const keys = this.keys, vals = this.vals;
    const n = (this.mask + 1) * 2;
    this.keys = new Int32Array(n);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < vals.length; i++) { const v = vals[i]; if (v !== undefined) this.set(keys[i], v); }
  }
}
