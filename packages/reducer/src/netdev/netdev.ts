// Network devices of the simulated namespace: `lo` at ifindex 1, veth pairs added and deleted
// like `ip link add NAME type veth [peer name PEER]` / `ip link del NAME`.
import type { NetdevAddEvent, Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { child, current, isDraft, peek } from '../draft/index.ts';
import { fail, ok } from '../result.ts';
import { netdevGone } from './hooks.ts';

export const LOOPBACK = { ifindex: 1, name: 'lo', peer: 0 } as const;

/**
 * The devices as they are now, as plain objects: reading them through the draft would make a
 * draft of every device, only to read its name.
 */
function devicesNow(s: S): Readonly<Record<number, { readonly name: string }>> {
  return isDraft(s.netdevs) ? current(s.netdevs) : s.netdevs;
}

function lookup(devs: Readonly<Record<number, { readonly name: string }>>, name: string): number | undefined {
  for (const k of Object.keys(devs)) if (devs[Number(k)].name === name) return Number(k);
  return undefined;
}

export function ifindexByName(s: S, name: string): number | undefined {
  return lookup(devicesNow(s), name);
}

/** dev_index_reserve(): xa_alloc_cyclic from the namespace's cursor, so ifindexes are not reused soon. */
function allocIfindex(s: S): number {
  let i = s.nextIfindex;
  while (peek(s.netdevs, i)) i++;
  s.nextIfindex = i + 1;
  return i;
}

export function netdevAdd(s: S, e: NetdevAddEvent): Result {
  const devs = devicesNow(s);
  if (lookup(devs, e.name) !== undefined) return fail('EEXIST');
  let peerName = e.peer;
  if (peerName === undefined) {
    // The kernel names an unnamed peer veth%d: the lowest number not in use.
    const names = new Set<string>();
    for (const k of Object.keys(devs)) names.add(devs[Number(k)].name);
    for (let n = 0; ; n++) if (!names.has(`veth${n}`) && `veth${n}` !== e.name) { peerName = `veth${n}`; break; }
  }
  if (peerName === e.name || lookup(devs, peerName) !== undefined) return fail('EEXIST');
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
  const dev = child(s.netdevs, ifindex);
  for (const i of dev.peer ? [ifindex, dev.peer] : [ifindex]) {
    netdevGone(s, i);
    delete s.netdevs[i];
  }
  return ok(0);
}
