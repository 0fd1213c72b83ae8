// What a device going away releases in other subsystems (the kernel's unregister path).
import type { S } from '../core/draft.ts';
import { tcxUninstall } from '../tcx/uninstall.ts';

export function netdevGone(s: S, ifindex: number): void {
  tcxUninstall(s, ifindex);
}
