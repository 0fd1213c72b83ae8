// The helpers a tc (SCHED_CLS / SCHED_ACT) program can call here, by id.
import { HelperTable, type HelperFn } from './table.ts';
import { mapDeleteElem, mapLookupElem, mapPeekElem, mapPopElem, mapPushElem, mapUpdateElem } from './maps.ts';
import { getCgroupClassid, getHashRecalc, setHash, setHashInvalid, skbChangeType, skbLoadBytes, skbPullData, skbStoreBytes } from './skb.ts';
import { csumDiff, csumLevel, csumUpdate, l3CsumReplace, l4CsumReplace } from './csum.ts';
import { redirect, redirectNeigh, redirectPeer } from './redirect.ts';
import { getNumaNodeId, getPrandomU32, getSmpProcessorId, ktimeGetNs } from './misc.ts';
import { tracePrintk } from './printk.ts';

const TC: [number, HelperFn][] = [
  [1, mapLookupElem], [2, mapUpdateElem], [3, mapDeleteElem],
  [5, ktimeGetNs], [6, tracePrintk], [7, getPrandomU32], [8, getSmpProcessorId],
  [9, skbStoreBytes], [10, l3CsumReplace], [11, l4CsumReplace],
  [17, getCgroupClassid], [23, redirect], [32, skbChangeType], [26, skbLoadBytes], [28, csumDiff],
  [34, getHashRecalc], [39, skbPullData], [40, csumUpdate], [41, setHashInvalid], [42, getNumaNodeId],
  [48, setHash], [87, mapPushElem], [88, mapPopElem], [89, mapPeekElem],
  [125, ktimeGetNs], [135, csumLevel], [152, redirectNeigh], [155, redirectPeer], [160, ktimeGetNs], [208, ktimeGetNs],
];

/** tc programs: helper 12 is bpf_tail_call. */
export const TC_HELPERS = new HelperTable('tc', new Map(TC), true);
