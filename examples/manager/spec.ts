// The fuzz spec of the example manager: its operations, what must hold, and who else is on the
// machine. `bpfsim fuzz` fuzzes the buggy build by default; `--target examples/manager/fixed.ts`
// fuzzes the fixed one.
import type { KernelState } from '@bpfsim/reducer';
import { crash, netdevChurn, revisionRace, thirdParty, type FuzzSpec } from '@bpfsim/fuzz';
import { MANAGER_PID, PREFIX, TcManager } from './manager.ts';

export const DEVICES = ['eth0', 'eth1'] as const;

const ours = (s: KernelState, id: number): boolean => s.progs[id]?.name.startsWith(PREFIX) ?? false;
const ingress = (s: KernelState, ifindex: number): readonly number[] => s.netdevs[ifindex]?.tcx_ingress?.fp ?? [];
/** Whether one of our programs runs on the device's ingress. */
function oursAttached(s: KernelState, ifindex: number): boolean {
  for (const id of ingress(s, ifindex)) if (ours(s, id)) return true;
  return false;
}

/** (device, prog) pairs attached in `prev` and no longer in `state`, in either direction. */
function detached(prev: KernelState, state: KernelState): [string, number][] {
  const out: [string, number][] = [];
  for (const dev of Object.values(prev.netdevs)) {
    for (const key of ['tcx_ingress', 'tcx_egress'] as const) {
      const before = dev[key]?.fp ?? [], after = state.netdevs[dev.ifindex]?.[key]?.fp ?? [];
      if (after === before) continue;
      for (const id of before) if (!after.includes(id)) out.push([`${dev.name} ${key.slice(4)}`, id]);
    }
  }
  return out;
}

export function managerSpec(fixed: boolean): FuzzSpec<TcManager> {
  return {
    name: `manager-${fixed ? 'fixed' : 'buggy'}`,
    setup(k) {
      for (const [i, name] of DEVICES.entries()) k.netdevAdd(name, `peer${i}`);
      const m = new TcManager(k, { devices: DEVICES, fixed });
      m.reconcile();
      return m;
    },
    operations: {
      reconcile: (m) => m.reconcile(),
      upgrade: (m) => m.upgrade(),
    },
    invariants: {
      /** Never a moment without our policy on a device we installed it on. */
      'policy attached': ({ state, world }) => {
        // each device it installed on that still exists under that ifindex (checked after every event: no lists built)
        let bad: string[] | undefined;
        for (const [name, { ifindex }] of world.installed) {
          if (state.netdevs[ifindex]?.name !== name || oursAttached(state, ifindex)) continue;
          (bad ??= []).push(`no ${PREFIX}* program is attached on ${name} (${ifindex}) ingress`);
        }
        return bad;
      },
      /** The manager only ever takes its own programs out. */
      'no foreign detach': ({ state, prev, event, result }) => {
        if (event?.kind !== 'bpf' || event.pid !== MANAGER_PID || !result || result.ret < 0) return true;
        if (state.netdevs === prev.netdevs) return true; // state is persistent: an unchanged table is the same object
        return detached(prev, state).filter(([, id]) => !ours(prev, id))
          .map(([where, id]) => `the manager's ${event.cmd} took prog ${id} (${prev.progs[id]?.name}) off ${where}: not one of its programs`);
      },
      /** Between operations: one copy of the policy per device... */
      'one copy': {
        every: 'step',
        check: ({ state }) => {
          let bad: string[] | undefined;
          for (const d of Object.values(state.netdevs)) {
            const chain = ingress(state, d.ifindex);
            let n = 0;
            for (const id of chain) if (ours(state, id)) n++;
            if (n < 2) continue;
            const mine = chain.filter((id) => ours(state, id));
            (bad ??= []).push(`${d.name} ingress runs ${mine.length} copies of the policy: ${mine.map((id) => `${id} (${state.progs[id].name})`).join(', ')}`);
          }
          return bad;
        },
      },
      /** ...and it is the current version. */
      'current version': {
        every: 'step',
        check: ({ state, world }) => {
          const current = `${PREFIX}${world.version}`;
          let bad: string[] | undefined;
          for (const [name, { ifindex }] of world.installed) {
            if (state.netdevs[ifindex]?.name !== name || ingress(state, ifindex).some((id) => state.progs[id]?.name === current)) continue;
            const names = ingress(state, ifindex).filter((id) => ours(state, id)).map((id) => state.progs[id].name);
            (bad ??= []).push(`${name} ingress runs ${names.join(', ') || 'nothing of ours'}, not ${current}`);
          }
          return bad;
        },
      },
    },
    adversaries: [
      thirdParty({ pid: 200, devices: DEVICES }),
      revisionRace({ pid: 201, devices: DEVICES }),
      netdevChurn({ devices: DEVICES }),
      crash({ pids: [MANAGER_PID, 200] }),
    ],
    pids: [MANAGER_PID],
    restart: (m) => m.restart(),
  };
}
