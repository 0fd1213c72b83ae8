// Packet helpers of tc programs (net/core/filter.c): bpf_skb_load_bytes (26), bpf_skb_store_bytes (9),
// bpf_skb_pull_data (39), hash helpers (34, 41, 48), bpf_get_cgroup_classid (17), bpf_skb_change_type (32).
import { errno } from '@bpfsim/events';
import { SKB } from '../memory/ctx.ts';
import { PACKET_OTHERHOST, skbU32, setSkbU32 } from '../skb.ts';
import { bytesAt, ret, retU32, u32arg } from './args.ts';
import type { HelperFn } from './table.ts';

const INT_MAX = 0x7fffffff;
const BPF_F_RECOMPUTE_CSUM = 1, BPF_F_INVALIDATE_HASH = 2;

/** bpf_skb_load_bytes(skb, offset, to, len): on failure `to` is zeroed and -EFAULT returned. */
export const skbLoadBytes: HelperFn = (m, _l1, _h1, l2, _h2, l3, h3, l4, h4, _l5, _h5, pc) => {
  const len = u32arg(l4, h4);
  const to = bytesAt(m, h3, l3, len, pc, true, 'bpf_skb_load_bytes to');
  const off = l2 >>> 0; // u32 offset
  if (off > INT_MAX || off + len > m.pkt.len) { to.fill(0); return ret(m, -errno.EFAULT); }
  to.set(m.pkt.u8.subarray(off, off + len));
  return ret(m, 0);
};

/** bpf_skb_store_bytes(skb, offset, from, len, flags). */
export const skbStoreBytes: HelperFn = (m, _l1, _h1, l2, _h2, l3, h3, l4, h4, l5, h5, pc) => {
  const len = u32arg(l4, h4);
  const from = bytesAt(m, h3, l3, len, pc, false, 'bpf_skb_store_bytes from');
  if (h5 !== 0 || (l5 & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) !== 0) return ret(m, -errno.EINVAL);
  const off = l2 >>> 0;
  if (off > INT_MAX || off + len > m.pkt.len) return ret(m, -errno.EFAULT);
  m.pkt.u8.set(from.slice(), off); // slice: from may overlap the packet
  m.pktDirty = true;
  if (l5 & BPF_F_INVALIDATE_HASH) setSkbU32(m, SKB.hash, 0);
  return ret(m, 0);
};

/** bpf_skb_pull_data(skb, len): the packet is linear, so only len past the end fails. */
export const skbPullData: HelperFn = (m, _l1, _h1, l2, h2) => ret(m, u32arg(l2, h2) > m.pkt.len ? -errno.ENOMEM : 0);

export const getHashRecalc: HelperFn = (m) => retU32(m, skbU32(m, SKB.hash));
export const setHashInvalid: HelperFn = (m) => { setSkbU32(m, SKB.hash, 0); return retU32(m, 0); };
export const setHash: HelperFn = (m, _l1, _h1, l2) => { setSkbU32(m, SKB.hash, l2); return retU32(m, 0); };
/** No cgroup is modelled: classid 0. */
export const getCgroupClassid: HelperFn = (m) => retU32(m, 0);

/** bpf_skb_change_type(skb, pkt_type): only between PACKET_HOST .. PACKET_OTHERHOST, else -EINVAL. */
export const skbChangeType: HelperFn = (m, _l1, _h1, l2) => {
  const t = l2 >>> 0; // u32 pkt_type
  if (skbU32(m, SKB.pkt_type) > PACKET_OTHERHOST || t > PACKET_OTHERHOST) return ret(m, -errno.EINVAL);
  setSkbU32(m, SKB.pkt_type, t);
  return ret(m, 0);
};
