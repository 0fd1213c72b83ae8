import { describe, expect, it } from 'vitest';
import { errno } from '@bpfsim/events';
import { Sim, LOOPBACK, TCX_INGRESS } from './sim.ts';

describe('smoke', () => {
  it('attach, query, detach', () => {
    const sim = new Sim();
    const fd1 = sim.load();
    expect(sim.query(LOOPBACK, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 0, revision: 1, attach_flags: 0, prog_ids: [], link_ids: [] });
    expect(sim.attach(fd1, LOOPBACK, TCX_INGRESS)).toBe(0);
    expect(sim.query(LOOPBACK, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 1, revision: 2, attach_flags: 0, prog_ids: [1], link_ids: [0] });
    expect(sim.attach(fd1, LOOPBACK, TCX_INGRESS)).toBe(-errno.EEXIST);
    expect(sim.detach(fd1, LOOPBACK, TCX_INGRESS)).toBe(0);
    expect(sim.query(LOOPBACK, TCX_INGRESS, 4).revision).toBe(1);
  });
});
