// `bpftool net show`: the tcx hooks of every device, programs in run order, e.g.
//   eth0(3) tcx/ingress tc_ingress prog_id 4 link_id 2
import type { KernelState } from '@bpfsim/reducer';
import { devName } from './bpftool.ts';

export function netShow(s: KernelState): string {
  const lines: string[] = ['xdp:', '', 'tc:'];
  for (const dev of Object.values(s.netdevs)) {
    for (const [dir, entry] of [['ingress', dev.tcx_ingress], ['egress', dev.tcx_egress]] as const) {
      for (const it of entry?.items ?? []) {
        const name = s.progs[it.prog_id]?.name ?? '';
        lines.push(`${devName(s, dev.ifindex)} tcx/${dir} ${name} prog_id ${it.prog_id}${it.link_id ? ` link_id ${it.link_id}` : ''}`);
      }
    }
  }
  lines.push('', 'flow_dissector:', '', 'netfilter:');
  return lines.join('\n');
}
