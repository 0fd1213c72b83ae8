// The engine's address space. A pointer is a 64-bit value whose high half names a region
// (PTR_TAG | region id) and whose low half is BASE + the offset in the region. BASE keeps
// small negative offsets from borrowing into the high half, so `ptr - 1` is still a pointer
// into (just before) the same region and is caught by its bounds check. A scalar that happens
// to look like a pointer can reach memory: there is no verifier, and the region's bounds still hold.

export const PTR_TAG = 0x88880000 | 0;
export const BASE = 0x40000000;

/** Fixed region ids; map values get ids from FIRST_DYNAMIC_REGION on, per packet. */
export const RID_STACK = 1;
export const RID_MAPS = 2;
export const RID_CTX = 3;
export const RID_PACKET = 4;
export const FIRST_DYNAMIC_REGION = 5;

export const HI_STACK = PTR_TAG | RID_STACK;
export const HI_MAPS = PTR_TAG | RID_MAPS;
export const HI_CTX = PTR_TAG | RID_CTX;
export const HI_PACKET = PTR_TAG | RID_PACKET;

/** Plain bytes (stack, packet, map value, test memory). */
export const KIND_MEM = 0;
/** struct __sk_buff: field accesses go through memory/ctx.ts. */
export const KIND_CTX = 1;
/** Map pointers (lo = BASE + map id): only helpers take them, a dereference faults. */
export const KIND_MAP = 2;

export interface Region {
  readonly kind: number;
  u8: Uint8Array;
  dv: DataView;
  /** Accessible bytes: [0, len). */
  len: number;
  writable: boolean;
  /** For messages: 'stack', 'packet', 'map 3 value', ... */
  readonly name: string;
}

export function memRegion(name: string, u8: Uint8Array, writable = true, kind = KIND_MEM): Region {
  return { kind, u8, dv: new DataView(u8.buffer, u8.byteOffset, u8.byteLength), len: u8.length, writable, name };
}
