// Inside the private namespaces: a fresh bpffs, and a chroot for the helpers that holds only it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface NamespaceIds { readonly net: string; readonly mnt: string }

export function currentNamespaces(): NamespaceIds {
  return { net: readlinkSync('/proc/self/ns/net'), mnt: readlinkSync('/proc/self/ns/mnt') };
}

/** Refuses to go on unless both namespaces differ from the caller's: nothing here may touch the host. */
export function assertPrivateNamespaces(host: NamespaceIds): void {
  const here = currentNamespaces();
  if (here.net === host.net) throw new Error(`not in a private network namespace (${here.net})`);
  if (here.mnt === host.mnt) throw new Error(`not in a private mount namespace (${here.mnt})`);
}

function mount(args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim()}`);
}

/**
 * Mounts a tmpfs over /dev/shm (private to this mount namespace, gone with it) holding the
 * helpers' chroot: sys/fs/bpf is a fresh bpffs (also mounted on /sys/fs/bpf), tmp/ is a
 * plain directory and fifo/ holds the FIFOs of forked helpers. The helpers can reach nothing else of the host's files.
 */
export function prepareRoot(): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : '/tmp';
  mount(['-t', 'tmpfs', '-o', 'mode=0755,size=64m', 'bpfsim-oracle', base]);
  const root = join(base, 'root');
  const bpffs = join(root, 'sys/fs/bpf');
  mkdirSync(bpffs, { recursive: true });
  mkdirSync(join(root, 'fifo'), { mode: 0o700 });
  // A non-bpffs directory, so that pinning outside bpffs fails as it does on a real system.
  mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
  mount(['-t', 'bpf', 'bpf', bpffs]);
  if (existsSync('/sys/fs/bpf')) mount(['--bind', bpffs, '/sys/fs/bpf']);
  return root;
}
