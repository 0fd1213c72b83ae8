// Inline fast paths for the accesses a tc program makes most, so they cost no call: loads and
// stores in the packet (a pointer whose high half is HI_PACKET, in bounds), and loads of a ctx
// field through the ctx pointer itself (HI_CTX, BASE) at a constant offset, whose answer is
// decided at compile time (memory/ctx.ts). Anything else (other regions, out-of-bounds offsets,
// refused ctx fields, sign-extending loads) takes the memory/access.ts call, which also makes the
// faults; each fast path computes exactly what that call would return.
import { BASE, HI_CTX, HI_PACKET } from '../memory/region.ts';
import { SKB, ctxAccessAllowed } from '../memory/ctx.ts';

/** `if (<in the packet>) { <fast> } else { <slow> }`; sets t to the offset in the packet. */
const inPacket = (reg: number, off: number, n: number) =>
  `H${reg} === ${HI_PACKET} && ((t = (L${reg} + ${off - BASE}) | 0) >>> 0) + ${n} <= m.pkt.len`;

/** A zero- or non-extending load dst = *(src + off), or undefined for no fast path; `slow` is the call. */
export function fastLoad(d: number, s: number, off: number, n: number, slow: string): string {
  const L = `L${d}`, H = `H${d}`;
  const pkt = n === 1 ? `${L} = m.pkt.u8[t]; ${H} = 0;`
    : n === 2 ? `${L} = m.pkt.dv.getUint16(t, true); ${H} = 0;`
      : n === 4 ? `${L} = m.pkt.dv.getInt32(t, true); ${H} = 0;`
        : `${H} = m.pkt.dv.getInt32(t + 4, true); ${L} = m.pkt.dv.getInt32(t, true);`;
  let code = `if (${inPacket(s, off, n)}) { ${pkt} } else `;
  const ctx = ctxField(off, n, L, H);
  if (ctx !== undefined) code += `if (H${s} === ${HI_CTX} && L${s} === ${BASE}) { ${ctx} } else `;
  return `${code}{ ${slow} }`;
}

/** What ld8 / ld16 / ld32 / ld64 return for the ctx field at off (undefined: refused, let the call fault). */
function ctxField(off: number, n: number, L: string, H: string): string | undefined {
  if (!ctxAccessAllowed(off, n, false)) return undefined;
  if (n === 4 && (off === SKB.data || off === SKB.data_meta)) return `${L} = ${BASE}; ${H} = ${HI_PACKET};`;
  if (n === 4 && off === SKB.data_end) return `${L} = (${BASE} + m.pkt.len) | 0; ${H} = ${HI_PACKET};`;
  if (n === 8 && off === SKB.sk) return `${L} = 0; ${H} = 0;`; // no socket is modelled
  switch (n) {
    case 1: return `${L} = m.ctx[${off}]; ${H} = 0;`;
    case 2: return `${L} = m.cdv.getUint16(${off}, true); ${H} = 0;`;
    case 4: return `${L} = m.cdv.getInt32(${off}, true); ${H} = 0;`;
    default: return `${H} = m.cdv.getInt32(${off + 4}, true); ${L} = m.cdv.getInt32(${off}, true);`;
  }
}

/** *(size *)(dst + off) = (vl, vh) in the packet, else `slow`. */
export function fastStore(d: number, off: number, n: number, vl: string, vh: string, slow: string): string {
  const st = n === 1 ? `m.pkt.u8[t] = ${vl};`
    : n === 2 ? `m.pkt.dv.setUint16(t, ${vl}, true);`
      : n === 4 ? `m.pkt.dv.setInt32(t, ${vl}, true);`
        : `m.pkt.dv.setInt32(t, ${vl}, true); m.pkt.dv.setInt32(t + 4, ${vh}, true);`;
  return `if (${inPacket(d, off, n)} && m.pkt.writable) { ${st} m.pktDirty = true; } else { ${slow} }`;
}
