// dev_tcx_uninstall(): a device going away takes its tcx entries with it. Programs attached with
// BPF_PROG_ATTACH lose their attach reference; links stay alive, detached (their ifindex reads 0,
// BPF_LINK_DETACH still answers 0 and BPF_LINK_UPDATE -ENOLINK).
import type { S } from '../core/draft.ts';
import { unref } from '../core/objects.ts';
import { DIRECTIONS, ENTRY_KEY, entryOf } from './direction.ts';
import { child } from '../draft/index.ts';

export function tcxUninstall(s: S, ifindex: number): void {
  const dev = child(child(s, 'netdevs'), ifindex);
  if (!dev) return;
  for (const dir of DIRECTIONS) {
    const items = entryOf(dev, dir)?.items;
    if (!items) continue;
    delete dev[ENTRY_KEY[dir]];
    for (const it of items) {
      if (it.link_id) child(child(s, 'links'), it.link_id).ifindex = 0;
      else unref(s, 'prog', it.prog_id);
    }
  }
}
