// Checksum helpers (net/core/filter.c, include/net/checksum.h): bpf_l3_csum_replace (10),
// bpf_l4_csum_replace (11), bpf_csum_diff (28), bpf_csum_update (40), bpf_csum_level (135).
// Values are one's-complement sums of the raw memory words, as the kernel computes them on a
// little-endian machine; the skb starts CHECKSUM_NONE (no skb->csum to keep up to date), and only
// bpf_csum_level moves it to CHECKSUM_UNNECESSARY and back, which no other helper here looks at.
import { errno } from '@bpfsim/events';
import { bytesAt, ret, retU32, u32arg } from './args.ts';
import type { HelperFn } from './table.ts';
import { CHECKSUM_NONE } from '../machine.ts';

const BPF_F_HDR_FIELD_MASK = 0xf, BPF_F_PSEUDO_HDR = 0x10, BPF_F_MARK_MANGLED_0 = 0x20, BPF_F_MARK_ENFORCE = 0x40, BPF_F_IPV6 = 0x80;

/** csum_add: 32-bit add with end-around carry. */
export function csumAdd(a: number, b: number): number {
  const s = (a >>> 0) + (b >>> 0);
  return (s > 0xffffffff ? s - 0xffffffff : s) >>> 0;
}
/** csum_fold: 32 -> 16 bits, complemented. */
export function csumFold(s: number): number {
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
/** csum_partial of little-endian u32 words (len a multiple of 4 here), from seed. */
export function csumPartial(b: Uint8Array, seed: number): number {
  let s = seed >>> 0;
  for (let i = 0; i + 3 < b.length; i += 4) s = csumAdd(s, (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0);
  return s;
}

const sum16At = (m: Parameters<HelperFn>[0], off: number) => m.pkt.u8[off] | (m.pkt.u8[off + 1] << 8);
const setSum16 = (m: Parameters<HelperFn>[0], off: number, v: number) => { m.pkt.u8[off] = v & 0xff; m.pkt.u8[off + 1] = (v >>> 8) & 0xff; m.pktDirty = true; };

/** csum_replace_by_diff / inet_proto_csum_replace_by_diff (not CHECKSUM_PARTIAL). */
const replaceByDiff = (sum: number, diff: number) => csumFold(csumAdd(diff, ~sum >>> 0));
/** csum_replace4 / inet_proto_csum_replace4 (not CHECKSUM_PARTIAL): fold(~sum + ~from + to). */
const replace4 = (sum: number, from: number, to: number) => csumFold(csumAdd(csumAdd(~sum >>> 0, ~from >>> 0), to >>> 0));
/** csum_replace2 */
function replace2(sum: number, from: number, to: number): number {
  const add16 = (a: number, b: number) => { const r = ((a & 0xffff) + (b & 0xffff)); return (r & 0xffff) + (r >>> 16); };
  return ~add16(add16(~sum & 0xffff, ~from & 0xffff), to & 0xffff) & 0xffff;
}

export const l3CsumReplace: HelperFn = (m, _l1, _h1, l2, h2, l3, _h3, l4, _h4, l5, h5) => {
  if (h5 !== 0 || (l5 & ~BPF_F_HDR_FIELD_MASK) !== 0) return ret(m, -errno.EINVAL);
  const off = u32arg(l2, h2);
  if (off > 0xffff || off & 1) return ret(m, -errno.EFAULT);
  if (off + 2 > m.pkt.len) return ret(m, -errno.EFAULT);
  const sum = sum16At(m, off);
  switch (l5 & BPF_F_HDR_FIELD_MASK) {
    case 0: if (l3 !== 0) return ret(m, -errno.EINVAL); setSum16(m, off, replaceByDiff(sum, l4)); break;
    case 2: setSum16(m, off, replace2(sum, l3, l4)); break;
    case 4: setSum16(m, off, replace4(sum, l3, l4)); break;
    default: return ret(m, -errno.EINVAL);
  }
  return ret(m, 0);
};

export const l4CsumReplace: HelperFn = (m, _l1, _h1, l2, h2, l3, _h3, l4, _h4, l5, h5) => {
  const allowed = BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6;
  if (h5 !== 0 || (l5 & ~allowed) !== 0) return ret(m, -errno.EINVAL);
  const off = u32arg(l2, h2);
  if (off > 0xffff || off & 1) return ret(m, -errno.EFAULT);
  if (off + 2 > m.pkt.len) return ret(m, -errno.EFAULT);
  const mmzero = (l5 & BPF_F_MARK_MANGLED_0) !== 0, mforce = (l5 & BPF_F_MARK_ENFORCE) !== 0;
  const sum = sum16At(m, off);
  if (mmzero && !mforce && sum === 0) return ret(m, 0);
  let out: number;
  switch (l5 & BPF_F_HDR_FIELD_MASK) {
    case 0: if (l3 !== 0) return ret(m, -errno.EINVAL); out = replaceByDiff(sum, l4); break;
    case 2: out = replace4(sum, l3 & 0xffff, l4 & 0xffff); break;
    case 4: out = replace4(sum, l3, l4); break;
    default: return ret(m, -errno.EINVAL);
  }
  if (mmzero && out === 0) out = 0xffff; // CSUM_MANGLED_0
  setSum16(m, off, out);
  return ret(m, 0);
};

/** bpf_csum_diff(from, from_size, to, to_size, seed) (Linux >= 6.12: folded to 16 bits). */
export const csumDiff: HelperFn = (m, l1, h1, l2, h2, l3, h3, l4, h4, l5, _h5, pc) => {
  const fromSize = u32arg(l2, h2), toSize = u32arg(l4, h4);
  if (((fromSize | toSize) & 3) !== 0 || fromSize + toSize > 512) return ret(m, -errno.EINVAL);
  const from = bytesAt(m, h1, l1, fromSize, pc, false, 'bpf_csum_diff from');
  const to = bytesAt(m, h3, l3, toSize, pc, false, 'bpf_csum_diff to');
  const seed = l5 >>> 0;
  let r: number;
  if (fromSize && toSize) r = csumAdd(csumPartial(to, seed), ~csumPartial(from, 0) >>> 0);
  else if (toSize) r = csumPartial(to, seed);
  else r = ~csumPartial(from, ~seed >>> 0) >>> 0;
  return retU32(m, fold32to16(r));
};

/** csum_from32to16: the high half of sum + rol(sum, 16). */
export function fold32to16(s: number): number {
  const t = ((s >>> 0) + ((((s >>> 16) | (s << 16)) >>> 0))) % 4294967296;
  return Math.floor(t / 65536) & 0xffff;
}

/** bpf_csum_update: only CHECKSUM_COMPLETE skbs have a csum to update. */
export const csumUpdate: HelperFn = (m) => ret(m, -errno.ENOTSUPP);
const BPF_CSUM_LEVEL_QUERY = 0, BPF_CSUM_LEVEL_INC = 1, BPF_CSUM_LEVEL_DEC = 2, BPF_CSUM_LEVEL_RESET = 3;
/** SKB_MAX_CSUM_LEVEL */
const SKB_MAX_CSUM_LEVEL = 3;

/**
 * bpf_csum_level(skb, level) on Machine.csumLevel (CHECKSUM_NONE, or CHECKSUM_UNNECESSARY with its
 * level): the __skb_{incr,decr,reset}_checksum_unnecessary steps; a query of anything but
 * CHECKSUM_UNNECESSARY is -EACCES.
 */
export const csumLevel: HelperFn = (m, _l1, _h1, l2, h2) => {
  const level = h2 === 0 ? l2 >>> 0 : -1;
  const lv = m.csumLevel;
  switch (level) {
    case BPF_CSUM_LEVEL_QUERY: return ret(m, lv === CHECKSUM_NONE ? -errno.EACCES : lv);
    case BPF_CSUM_LEVEL_INC: m.csumLevel = lv === CHECKSUM_NONE ? 0 : Math.min(lv + 1, SKB_MAX_CSUM_LEVEL); break;
    case BPF_CSUM_LEVEL_DEC: if (lv !== CHECKSUM_NONE) m.csumLevel = lv - 1; break; // level 0 goes back to CHECKSUM_NONE (-1)
    case BPF_CSUM_LEVEL_RESET: m.csumLevel = CHECKSUM_NONE; break;
    default: return ret(m, -errno.EINVAL);
  }
  return ret(m, 0);
};
