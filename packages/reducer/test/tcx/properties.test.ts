// Properties of the tcx model over random scenarios (the generator of gen/generate.ts, driven by a
// stream of numbers that fast-check draws and shrinks).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BPF_F_AFTER, BPF_F_BEFORE, bpf_attach_type, type Event } from '@bpfsim/events';
import { checkReferences, fold, initialState, type KernelState, type MprogEntry } from '../../src/index.ts';
import { tcxRunOrder, type Direction } from '../../src/tcx/index.ts';
import { generateFromStream } from './gen/generate.ts';

const DIRS: readonly [Direction, number][] = [['ingress', bpf_attach_type.BPF_TCX_INGRESS], ['egress', bpf_attach_type.BPF_TCX_EGRESS]];
const stream = fc.array(fc.noBias(fc.nat({ max: 0xffffffff })).map((x) => x / 0x100000000), { maxLength: 400 });
const scenario = fc.tuple(stream, fc.integer({ min: 3, max: 45 })).map(([s, n]) => generateFromStream(s, n));

function states(events: readonly Event[]): KernelState[] {
  const out = [initialState(0)];
  for (const e of events) out.push(fold(out[out.length - 1], e).state);
  return out;
}

const entryOf = (s: KernelState, ifindex: number, dir: Direction): MprogEntry | undefined =>
  s.netdevs[ifindex]?.[dir === 'ingress' ? 'tcx_ingress' : 'tcx_egress'];
const chain = (s: KernelState, ifindex: number, dir: Direction) => entryOf(s, ifindex, dir)?.items ?? [];

function query(s: KernelState, ifindex: number, type: number) {
  const r = fold(s, { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_QUERY', attr: { target_ifindex: ifindex, attach_type: type, count: 64, prog_ids: true, link_ids: true } }).result;
  return r as { ret: number; out: { count: number; revision: number; prog_ids: number[]; link_ids: number[] } };
}

describe('tcx properties', () => {
  it('the revision changes exactly when the chain does: +1, or back to 1 when the entry is freed', () => {
    fc.assert(fc.property(scenario, (events) => {
      const ss = states(events);
      for (let i = 1; i < ss.length; i++) {
        const [a, b] = [ss[i - 1], ss[i]];
        for (const k of Object.keys(b.netdevs)) {
          const ifindex = Number(k);
          if (!a.netdevs[ifindex]) continue;
          for (const [dir] of DIRS) {
            const [ea, eb] = [entryOf(a, ifindex, dir), entryOf(b, ifindex, dir)];
            const changed = JSON.stringify(ea?.items ?? []) !== JSON.stringify(eb?.items ?? []);
            const [ra, rb] = [ea?.revision ?? 1, eb?.revision ?? 1];
            expect(rb !== ra, `event ${i - 1} ${JSON.stringify(events[i - 1])}`).toBe(changed);
            if (changed) expect(rb).toBe(eb ? ra + 1 : 1);
          }
        }
      }
    }), { numRuns: 120 });
  });

  it("query's ids are exactly the attached programs and links, in run order, and references add up", () => {
    fc.assert(fc.property(scenario, (events) => {
      for (const s of states(events)) {
        expect(checkReferences(s)).toEqual([]);
        const attachedLinks = new Set<number>();
        for (const k of Object.keys(s.netdevs)) {
          const ifindex = Number(k);
          for (const [dir, type] of DIRS) {
            const items = chain(s, ifindex, dir);
            const q = query(s, ifindex, type);
            expect(q.ret).toBe(0);
            expect(q.out.count).toBe(items.length);
            expect(q.out.prog_ids).toEqual(items.map((it) => it.prog_id));
            expect(q.out.link_ids).toEqual(items.map((it) => it.link_id));
            expect(items.length).toBeLessThanOrEqual(63);
            expect(new Set(q.out.prog_ids).size).toBe(items.length);
            for (const it of items) {
              expect(s.progs[it.prog_id]).toBeDefined();
              if (!it.link_id) continue;
              const l = s.links[it.link_id];
              expect(l).toMatchObject({ ifindex, attach_type: type, prog_id: it.prog_id });
              expect(attachedLinks.has(l.id)).toBe(false);
              attachedLinks.add(l.id);
            }
          }
        }
        // Every link that names a device is in that device's chain; the others are in none.
        for (const l of Object.values(s.links)) expect(attachedLinks.has(l.id)).toBe(l.ifindex !== 0);
      }
    }), { numRuns: 80 });
  });

  it('the fast path always equals the control path, frozen', () => {
    fc.assert(fc.property(scenario, (events) => {
      for (const s of states(events)) {
        for (const k of Object.keys(s.netdevs)) {
          for (const [dir] of DIRS) {
            const e = entryOf(s, Number(k), dir);
            const order = tcxRunOrder(s, Number(k), dir);
            expect(Object.isFrozen(order)).toBe(true);
            if (!e) { expect(order).toEqual([]); continue; }
            expect(order).toBe(e.fp);
            expect(e.fp).toEqual(e.items.map((it) => it.prog_id));
          }
        }
      }
    }), { numRuns: 80 });
  });

  it('a detach undoes its attach; a link detach (and close) undoes its link_create', () => {
    let undone = 0;
    const extra = fc.record({ prog: fc.nat(), dev: fc.nat(), dir: fc.constantFrom(...DIRS), where: fc.constantFrom(0, BPF_F_BEFORE, BPF_F_AFTER), link: fc.boolean() });
    fc.assert(fc.property(scenario, extra, (events, x) => {
      const s0 = states(events).pop()!;
      const progFds = Object.entries(s0.procs[1]?.fds ?? {}).filter(([, e]) => e.kind === 'prog').map(([fd]) => Number(fd));
      const devs = Object.keys(s0.netdevs).map(Number);
      if (!progFds.length) return;
      const fd = progFds[x.prog % progFds.length];
      const ifindex = devs[x.dev % devs.length];
      const [dir, type] = x.dir;
      const before = entryOf(s0, ifindex, dir);
      let s = s0;
      const go = (e: Event) => { const r = fold(s, e); s = r.state; return r.result; };
      if (!x.link) {
        const r = go({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_ATTACH', attr: { target_ifindex: ifindex, attach_type: type, attach_bpf_fd: fd, attach_flags: x.where } });
        if (r.ret !== 0) { expect(s).toBe(s0); return; }
        expect(go({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_DETACH', attr: { target_ifindex: ifindex, attach_type: type, attach_bpf_fd: fd } }).ret).toBe(0);
      } else {
        const r = go({ kind: 'bpf', pid: 1, cmd: 'BPF_LINK_CREATE', attr: { prog_fd: fd, target_ifindex: ifindex, attach_type: type, flags: x.where } });
        if (r.ret < 0) { expect(s.netdevs).toBe(s0.netdevs); expect(s.progs).toBe(s0.progs); return; }
        expect(go({ kind: 'bpf', pid: 1, cmd: 'BPF_LINK_DETACH', attr: { link_fd: r.ret } }).ret).toBe(0);
        expect(chain(s, ifindex, dir)).toEqual(before?.items ?? []);
        expect(go({ kind: 'close', pid: 1, fd: r.ret }).ret).toBe(0);
        expect(s.links).toEqual(s0.links);
      }
      const after = entryOf(s, ifindex, dir);
      expect(after?.items ?? []).toEqual(before?.items ?? []);
      expect(after?.revision).toBe(before ? before.revision + 2 : undefined);
      expect(s.progs).toEqual(s0.progs);
      expect(s.procs).toEqual(s0.procs);
      undone++;
    }), { numRuns: 150 });
    // Not vacuous: many of the attaches went through.
    expect(undone).toBeGreaterThan(30);
  });

  it("when a process exits, no slot owned by its links remains, unless the link is pinned", () => {
    let checked = 0;
    fc.assert(fc.property(scenario, fc.array(fc.boolean(), { maxLength: 16 }), (events, pinMask) => {
      let s = states(events).pop()!;
      const mine = Object.entries(s.procs[2]?.fds ?? {}).filter(([, e]) => e.kind === 'link').map(([fd, e]) => [Number(fd), e.id] as const);
      const pinned = new Set<number>();
      mine.forEach(([fd, id], i) => {
        if (!pinMask[i]) return;
        const r = fold(s, { kind: 'bpf', pid: 2, cmd: 'BPF_OBJ_PIN', attr: { pathname: `/sys/fs/bpf/l${i}`, bpf_fd: fd } });
        s = r.state;
        if (r.result.ret === 0) pinned.add(id);
      });
      const elsewhere = new Set(Object.values(s.procs).filter((p) => p.pid !== 2).flatMap((p) => Object.values(p.fds).filter((e) => e.kind === 'link').map((e) => e.id)));
      const attachedBefore = new Set(Object.values(s.links).filter((l) => l.ifindex).map((l) => l.id));
      if (s.procs[2]) s = fold(s, { kind: 'exit', pid: 2 }).state;
      const slots = new Set<number>();
      for (const d of Object.values(s.netdevs)) for (const e of [d.tcx_ingress, d.tcx_egress]) for (const it of e?.items ?? []) if (it.link_id) slots.add(it.link_id);
      for (const [, id] of mine) {
        const kept = pinned.has(id) || elsewhere.has(id);
        expect(slots.has(id)).toBe(kept && attachedBefore.has(id));
        expect(s.links[id] !== undefined).toBe(kept);
        checked++;
      }
      expect(checkReferences(s)).toEqual([]);
    }), { numRuns: 150 });
    expect(checked).toBeGreaterThan(30);
  });
});
