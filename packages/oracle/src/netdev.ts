// veth pairs, made and removed with ip(8) inside the runner's network namespace.
import { spawnSync } from 'node:child_process';
import { errno, type Result } from '@bpfsim/events';

interface IpLink { readonly ifindex: number; readonly ifname: string; readonly link?: string }

/** strerror texts ip(8) prints after "RTNETLINK answers: ". */
const STRERROR: Readonly<Record<string, number>> = {
  'File exists': errno.EEXIST, 'Invalid argument': errno.EINVAL, 'No such device': errno.ENODEV,
  'Operation not supported': errno.EOPNOTSUPP, 'Numerical result out of range': errno.ERANGE,
  'Operation not permitted': errno.EPERM, 'Device or resource busy': errno.EBUSY,
  'Cannot allocate memory': errno.ENOMEM, 'No buffer space available': errno.ENOBUFS,
};

function ip(args: string[]): { ok: true; stdout: string } | { ok: false; ret: number } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ip(8): ${r.error.message}`);
  if (r.status === 0) return { ok: true, stdout: r.stdout };
  const err = r.stderr.trim();
  // ip looks the name up itself before deleting; the kernel would say ENODEV.
  if (/^Cannot find device/.test(err)) return { ok: false, ret: -errno.ENODEV };
  const m = /RTNETLINK answers: (.+)$/m.exec(err);
  const n = m ? STRERROR[m[1].trim()] : undefined;
  if (n === undefined) throw new Error(`ip ${args.join(' ')} failed in a way the oracle cannot map to an errno: ${err}`);
  return { ok: false, ret: -n };
}

export function listLinks(): IpLink[] {
  const r = ip(['-j', 'link', 'show']);
  if (!r.ok) throw new Error('ip -j link show failed');
  return JSON.parse(r.stdout) as IpLink[];
}

/** `ip link add name NAME type veth [peer name PEER]`; ret is NAME's ifindex. */
export function addVeth(name: string, peer?: string): Result {
  // `name` is spelled out: ip would read a bare "a" or "d" as an abbreviated keyword.
  const r = ip(['link', 'add', 'name', name, 'type', 'veth', ...(peer === undefined ? [] : ['peer', 'name', peer])]);
  if (!r.ok) return { ret: r.ret };
  const links = listLinks();
  const dev = links.find((l) => l.ifname === name);
  const other = dev && links.find((l) => l.ifname === dev.link);
  if (!dev || !other) throw new Error(`ip link add ${name} succeeded but the veth pair is not listed: ${JSON.stringify(links)}`);
  return { ret: dev.ifindex, out: { ifindex: dev.ifindex, peer_ifindex: other.ifindex, peer: other.ifname } };
}

/** `ip link del NAME`: a veth takes its peer with it. */
export function delLink(name: string): Result {
  const r = ip(['link', 'del', 'dev', name]);
  return { ret: r.ok ? 0 : r.ret };
}
