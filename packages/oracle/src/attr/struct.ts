// Little-endian scalar access to C structs held in byte arrays (x86-64 and arm64 are little-endian).
export type ScalarType = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | 's64';

const SIZE: Record<ScalarType, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };
export const scalarSize = (t: ScalarType): number => SIZE[t];

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** 64-bit values come back as numbers while exact, as decimal strings beyond 2^53. */
export function readScalar(b: Uint8Array, off: number, type: ScalarType): number | string {
  const v = view(b);
  switch (type) {
    case 'u8': return v.getUint8(off);
    case 'u16': return v.getUint16(off, true);
    case 'u32': return v.getUint32(off, true);
    case 's32': return v.getInt32(off, true);
    case 'u64': case 's64': {
      const x = type === 'u64' ? v.getBigUint64(off, true) : v.getBigInt64(off, true);
      return x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(x) : x.toString();
    }
  }
}

/** readScalar for fields known to fit in a double (u32, s32, small u64). */
export function readNumber(b: Uint8Array, off: number, type: ScalarType): number {
  const x = readScalar(b, off, type);
  return typeof x === 'number' ? x : Number(x);
}

export function writeScalar(b: Uint8Array, off: number, type: ScalarType, value: number | bigint): void {
  const v = view(b);
  switch (type) {
    case 'u8': v.setUint8(off, Number(value)); return;
    case 'u16': v.setUint16(off, Number(value), true); return;
    case 'u32': v.setUint32(off, Number(value), true); return;
    case 's32': v.setInt32(off, Number(value), true); return;
    case 'u64': v.setBigUint64(off, BigInt(value), true); return;
    case 's64': v.setBigInt64(off, BigInt(value), true); return;
  }
}
