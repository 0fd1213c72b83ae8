// Network devices of the simulated namespace: `lo` at ifindex 1, veth pairs added and deleted
// like `ip link add NAME type veth [peer name PEER]` / `ip link del NAME`.
import type { NetdevAddEvent, Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { child, keys, peek } from '../draft/index.ts';
import { fail, ok } from '../result.ts';
import { netdevGone } from './hooks.ts';

export const LOOPBACK = { ifindex: 1, name: 'lo', peer: 0 } as const;

/** The ifindex of the device called `name`, read without drafting the devices (see peek). */
export function ifindexByName(s: S, name: string): number | undefined {
  const devs = s.netdevs;
  for (const k of keys(devs)) if (peek(devs, +k).name === name) return +k;
  return undefined;
}

/** dev_index_reserve(): xa_alloc_cyclic from the namespace's cursor, so ifindexes are not reused soon. */
function allocIfindex(s: S): number {
  let i = s.nextIfindex;
  while (peek(peek(s, 'netdevs'), i)) i++;
  s.nextIfindex = i + 1;
  return i;
}

export function netdevAdd(s: S, e: NetdevAddEvent): Result {
  if (ifindexByName(s, e.name) !== undefined) return fail('EEXIST');
  let peerName = e.peer;
  if (peerName === undefined) {
    // The kernel names an unnamed peer veth%d: the lowest number not in use.
    const names = new Set<string>();
    for (const k of keys(s.netdevs)) names.add(peek(peek(s, 'netdevs'), +k).name);
    for (let n = 0; ; n++) if (!names.has(`veth${n}`) && `veth${n}` !== e.name) { peerName = `veth${n}`; break; }
  }
  if (peerName === e.name || ifindexByName(s, peerName) !== undefined) return fail('EEXIST');
  // veth_newlink() registers the peer before the device itself.
  const peer = allocIfindex(s);
  const dev = allocIfindex(s);
  s.netdevs[peer] = { ifindex: peer, name: peerName, peer: dev };
  s.netdevs[dev] = { ifindex: dev, name: e.name, peer };
  return ok(dev, { ifindex: dev, peer_ifindex: peer, peer: peerName });
}

export function netdevDel(s: S, name: string): Result {
  const ifindex = ifindexByName(s, name);
  if (ifindex === undefined) return fail('ENODEV');
  if (ifindex === LOOPBACK.ifindex) return fail('EOPNOTSUPP');
  const dev = child(child(s, 'netdevs'), ifindex);
  for (const i of dev.peer ? [ifindex, dev.peer] : [ifindex]) {
    netdevGone(s, i);
    delete s.netdevs[i];
  }
  return ok(0);
}
