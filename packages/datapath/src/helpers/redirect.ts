// Redirect helpers: they record the target in bpf_redirect_info and return TC_ACT_REDIRECT (7),
// or TC_ACT_SHOT (2) for flags they do not accept (net/core/filter.c). The pipeline acts on the
// target when the verdict is TC_ACT_REDIRECT.
import { bytesAt, retU32, u32arg } from './args.ts';
import type { HelperFn } from './table.ts';

const TC_ACT_SHOT = 2, TC_ACT_REDIRECT = 7;
export const BPF_F_INGRESS = 1;
/** sizeof(struct bpf_redir_neigh) */
const REDIR_NEIGH_SIZE = 20;

/** bpf_redirect(ifindex, flags): only BPF_F_INGRESS. */
export const redirect: HelperFn = (m, l1, _h1, l2, h2) => {
  if (h2 !== 0 || (l2 & ~BPF_F_INGRESS) !== 0) return retU32(m, TC_ACT_SHOT);
  m.redirect = { ifindex: l1 >>> 0, flags: l2 >>> 0, kind: 'redirect' };
  return retU32(m, TC_ACT_REDIRECT);
};

/** bpf_redirect_peer(ifindex, flags): no flags. */
export const redirectPeer: HelperFn = (m, l1, _h1, l2, h2) => {
  if (l2 !== 0 || h2 !== 0) return retU32(m, TC_ACT_SHOT);
  m.redirect = { ifindex: l1 >>> 0, flags: 0, kind: 'peer' };
  return retU32(m, TC_ACT_REDIRECT);
};

/** bpf_redirect_neigh(ifindex, params, plen, flags). */
export const redirectNeigh: HelperFn = (m, l1, _h1, l2, h2, l3, h3, l4, h4, _l5, _h5, pc) => {
  const plen = u32arg(l3, h3);
  if ((plen !== 0 && plen < REDIR_NEIGH_SIZE) || l4 !== 0 || h4 !== 0) return retU32(m, TC_ACT_SHOT);
  if (plen !== 0) bytesAt(m, h2, l2, plen, pc, false, 'bpf_redirect_neigh params');
  m.redirect = { ifindex: l1 >>> 0, flags: 0, kind: 'neigh' };
  return retU32(m, TC_ACT_REDIRECT);
};
