// What a link's last reference going away does, by link type (the kernel's link->ops->release).
import { bpf_link_type } from '@bpfsim/events';
import type { Link } from '../state.ts';
import type { S } from '../core/draft.ts';
import { tcxLinkRelease } from '../tcx/link.ts';

export function releaseLink(s: S, link: Link): void {
  if (link.type === bpf_link_type.BPF_LINK_TYPE_TCX) tcxLinkRelease(s, link);
}
