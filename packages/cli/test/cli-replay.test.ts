// The trace commands of the CLI: record, replay, show, diff, blame, bisect, debug (driven on stdin).
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '@bpfsim/events';
import { fold, initialState } from '@bpfsim/reducer';
import { parseScenario } from '@bpfsim/replay';
import { traceFromEntries, FORMAT_VERSION, Trace, scanTrace } from '@bpfsim/replay';

const root = new URL('../../../', import.meta.url).pathname;
const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), ...args], { encoding: 'utf8', cwd: root, input });
const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-cli-replay-'));
const scenario = join(root, 'examples/tcx-timetravel.jsonl');
const events = parseScenario(readFileSync(scenario, 'utf8')).events;
const trace = join(tmp, 'tcx.trace');
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);
let recorded: ReturnType<typeof cli>;
beforeAll(() => { recorded = cli(['record', scenario, '-o', trace, '--hash-every', '4']); });

describe('bpfsim record / replay', () => {
  it('records a scenario and replays it: every result and hash agrees', () => {
    const r = recorded;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^recorded 15 events to .*tcx\.trace \(\d+ bytes, 3 state hashes and an end record\)\n$/);
    const t = Trace.load(trace);
    expect(t.length).toBe(15);
    expect(t.hashes.length).toBe(3);
    const p = cli(['replay', trace]);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/^replayed 15 events: every result agrees, and so do 3 state hashes and the end record\nfinal state hash [0-9a-f]{16}\n$/);
    expect(p.stderr).toBe('');
    expect(cli(['replay', '--quiet', trace]).stdout).toBe('');
    const bar = cli(['replay', trace, '--progress', 'always']);
    expect(bar.stderr).toMatch(/^\r\[#{30}\] 100% {2}15\/15 events {2}[\d,]+ events\/s \r\x1b\[K$/);
  });

  it('reports a divergence: the event, the recorded and the actual result, what changed; exit 1', () => {
    let s = initialState(0);
    const entries = events.map((e, i) => { const r = fold(s, e); s = r.state; return { event: e, result: i === 5 ? { ret: 7 } : r.result }; });
    const bad = join(tmp, 'bad.trace');
    writeFileSync(bad, traceFromEntries(entries).bytes);
    const r = cli(['replay', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('divergence at event 5: event 5: the result differs');
    expect(r.stdout).toContain('  event:    [pid 100] bpf(BPF_LINK_CREATE, {prog_fd=5, target_ifindex=3, attach_type=BPF_TCX_INGRESS})');
    expect(r.stdout).toContain('  recorded: = 7\n  actual:   = 6\n');
    expect(r.stdout).toContain('    netdevs.3.tcx_ingress.items[1]: + {prog_id: 2, link_id: 1}');
  });

  it('records snapshots every N events (--snapshot-every; by default every 8,192), and refuses a count that is not one', () => {
    const every5 = join(tmp, 'every5.trace');
    expect(cli(['record', scenario, '-o', every5, '--snapshot-every', '5']).status).toBe(0);
    expect([...Trace.load(every5).scan.snapshots.keys()]).toEqual([5, 10, 15]);
    expect([...Trace.load(trace).scan.snapshots.keys()]).toEqual([]); // (15 events: none by default)
    const bad = cli(['record', scenario, '-o', join(tmp, 'x.trace'), '--snapshot-every', 'often']);
    expect([bad.status, bad.stderr]).toEqual([2, 'bpfsim: record: --snapshot-every: expected an integer >= 0 or auto, got "often"\n']);
  });

  it('replays on worker threads (--workers) with the same report, a divergence included', () => {
    // 20,000 events with a snapshot every 8,192: three segments of at least MIN_SEGMENT.
    const evs: Event[] = [];
    for (let c = 0; evs.length < 20_000; c++) {
      evs.push({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 8 } } as Event);
      for (let k = 0; k < 8; k++) evs.push({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key: `0${k}000000`, value: (c >>> 0).toString(16).padStart(8, '0') } } as Event);
      evs.push({ kind: 'close', pid: 1, fd: 3 });
    }
    let s = initialState(0);
    const entries = evs.map((e) => { const r = fold(s, e); s = r.state; return { event: e, result: r.result }; });
    const good = join(tmp, 'long.trace'), bad = join(tmp, 'long-bad.trace');
    writeFileSync(good, traceFromEntries(entries, { snapshotEvery: 8192 }).bytes);
    entries[3_000] = { ...entries[3_000], result: { ret: -1 } };
    writeFileSync(bad, traceFromEntries(entries, { snapshotEvery: 8192 }).bytes);
    const said = [good, bad].map((file) => {
      const alone = cli(['replay', file, '--workers', '0']), shared = cli(['replay', file, '--workers', '1']);
      expect(shared.stderr).toBe('');
      expect([shared.status, shared.stdout]).toEqual([alone.status, alone.stdout]);
      return shared.stdout;
    });
    expect(said[0]).toMatch(/^replayed 20000 events: every result agrees, and so do 78 state hashes, 2 snapshots and the end record\n/);
    expect(said[1]).toContain('divergence at event 3000: event 3000: the result differs');
  });

  it('replays the intact prefix of a torn trace, warns and exits 3', () => {
    const bytes = readFileSync(trace);
    const torn = join(tmp, 'torn.trace');
    const scan = scanTrace(bytes);
    writeFileSync(torn, bytes.subarray(0, scan.eventOffsets[14] + 5));
    const r = cli(['replay', torn]);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^replayed 14 events: every result agrees/);
    // Records before it: 14 events, 3 hashes, and the structures records (format version 2) among them.
    const record = 17 + scan.structuresAt.filter((at) => at <= 14).length;
    expect(r.stderr).toMatch(new RegExp(`^bpfsim: warning: the trace is damaged at byte \\d+ \\(record ${record}, after 14 events\\): torn record: .*; only the intact events were replayed\n$`));
  });

  it('refuses what is not a trace, a newer format, a missing file: a message, exit 2, no stack trace', () => {
    const bytes = readFileSync(trace);
    const newer = join(tmp, 'newer.trace');
    const b = Buffer.from(bytes);
    b.writeUInt16LE(FORMAT_VERSION + 1, 8);
    writeFileSync(newer, b);
    for (const [args, msg] of [
      [['replay', newer], `bpfsim: ${newer}: trace format version ${FORMAT_VERSION + 1} is newer than this bpfsim reads (up to ${FORMAT_VERSION}): upgrade bpfsim to read it\n`],
      [['show', scenario], `bpfsim: ${scenario}: not a bpfsim trace (bad magic bytes)\n`],
      [['replay', join(tmp, 'nope.trace')], `bpfsim: cannot read ${join(tmp, 'nope.trace')}: ENOENT\n`],
      [['replay'], 'bpfsim: replay: expected one trace file (bpfsim replay TRACE)\n'],
      [['record', scenario], 'bpfsim: record: expected -o TRACE, the trace file to write\n'],
      [['record', scenario, '-o', trace, '--fsync', 'sometimes'], 'bpfsim: record: --fsync: expected never, hash or always, got "sometimes"\n'],
      [['show', trace, '--at', '99'], 'bpfsim: show: --at: position 99 is past the end of the trace (it has 15 events)\n'],
      [['show', trace, '--frob'], 'bpfsim: show: unknown option --frob\n'],
      [['blame', trace, 'a..b'], 'bpfsim: blame: bad path "a..b": empty segment\n'],
      [['bisect', trace, '--invariant', 'nope'], 'bpfsim: bisect: unknown invariant "nope" (known: references, tcx)\n'],
    ] as const) {
      const r = cli([...args]);
      expect(r.stderr, args.join(' ')).toBe(msg);
      expect(r.status, args.join(' ')).toBe(2);
      noStack(r.stderr);
    }
  });
});

describe('bpfsim show / diff / blame / bisect', () => {
  it('shows the state at a position the way bpftool prints it', () => {
    const r = cli(['show', trace, '--at', '6']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# state after 6 of 15 events; next: event 6: \[pid 100\] bpf\(BPF_MAP_UPDATE_ELEM/);
    expect(r.stdout).toContain('# bpftool prog show\n1: sched_cls  name first  tag ');
    expect(r.stdout).toContain('# bpftool link show\n1: tcx  prog 2\n\tifindex eth0(3)  attach_type tcx_ingress');
    expect(JSON.parse(cli(['show', trace, '--at', '2', '--json']).stdout).maps[1].name).toBe('stats');
  });

  it('diffs two positions, or shows what one event changed', () => {
    const one = cli(['diff', trace, '4']);
    expect(one.stdout).toBe([
      'event 4: [pid 100] bpf(BPF_PROG_ATTACH, {target_ifindex=3, attach_bpf_fd=4, attach_type=BPF_TCX_INGRESS}) = 0',
      '  progs.1.refs: 1 → 2',
      '  netdevs.3.tcx_ingress: + {revision: 2, items: [{prog_id: 1, link_id: 0}], fp: [1]}',
      '',
    ].join('\n'));
    const two = cli(['diff', trace, '5', '11', '--path', 'netdevs.3.tcx_ingress']);
    expect(two.stdout).toBe([
      'state after 5 events → after 11 events:',
      '  netdevs.3.tcx_ingress.revision: 2 → 4',
      '  netdevs.3.tcx_ingress.items[0].prog_id: 1 → 2',
      '  netdevs.3.tcx_ingress.items[0].link_id: 0 → 1',
      '  netdevs.3.tcx_ingress.fp[0]: 1 → 2',
      '',
    ].join('\n'));
    expect(cli(['diff', trace, '8']).stdout).toContain('  (no differences)');
  });

  it('blames a path on the event that last changed it', () => {
    const r = cli(['blame', trace, 'netdevs.3.tcx_ingress.items', '--at', '9']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe([
      'netdevs.3.tcx_ingress.items = [{prog_id: 1, link_id: 0}, {prog_id: 2, link_id: 1}]   (after 9 events)',
      'last changed by event 5: [pid 100] bpf(BPF_LINK_CREATE, {prog_fd=5, target_ifindex=3, attach_type=BPF_TCX_INGRESS}) = 6',
      '  netdevs.3.tcx_ingress.items[1]: + {prog_id: 2, link_id: 1}',
      '',
    ].join('\n'));
    expect(cli(['blame', trace, 'bpffs.eth0_second']).stdout).toContain('last changed by event 7: [pid 100] bpf(BPF_OBJ_PIN');
    expect(cli(['blame', trace, 'nextIfindex', '--at', '0']).stdout).toBe('nextIfindex = 2   (after 0 events)\nunchanged since the initial state\n');
  });

  it('bisects an invariant: holds (exit 0), or names where it first fails (exit 1)', () => {
    const ok = cli(['bisect', trace, '--invariant', 'references']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^invariant references holds at the end of the trace \(15 events\)/);
    expect(cli(['bisect', trace, '--invariant', 'tcx', '--linear']).stdout).toBe('invariant tcx holds after every one of the 15 events\n');
    // A trace whose starting state is already broken.
    const s0 = initialState(0);
    const broken = { ...s0, maps: { 9: { id: 9, refs: 1, map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_flags: 0, map_extra: 0, name: 'x', frozen: false, data: { kind: 'array', values: {} } } } };
    const p = join(tmp, 'broken.trace');
    writeFileSync(p, traceFromEntries([{ kind: 'close', pid: 1, fd: 3 }] as Event[], { state: broken as never }).bytes);
    const r = cli(['bisect', p, '--invariant', 'references']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('invariant references fails in the initial state:\n  map 9 is alive but nothing holds it\n  map 9 counts 1 references, held by 0 ()\n');
  });
});

describe('bpfsim debug', () => {
  it('steps, goes back, prints, watches, breaks on a syscall and on an errno, driven from stdin', () => {
    const script = [
      'step 2',
      'print maps.1.name',
      'break BPF_LINK_CREATE',
      'break EBADF',
      'continue',
      'step',
      'watch netdevs.3.tcx_ingress.revision',
      'continue',
      'continue',
      'back 2',
      'print netdevs.3.tcx_ingress.items',
      'goto 12',
      'blame netdevs.3.tcx_ingress.items[0]',
      'changes 10',
      'rc',
      'goto 99',
      'print a..b',
      'frobnicate',
      'quit',
      'step',
    ].join('\n') + '\n';
    const r = cli(['debug', trace], script);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    const expected = [
      'bpfsim debug: 15 events; help lists the commands',
      'at position 0 of 15; next: 0  ip link add eth0 type veth peer name peer0 = 3 {ifindex=3, peer_ifindex=2, peer="peer0"}',
      'breakpoints: none',
      'watches: none',
      '   0  ip link add eth0 type veth peer name peer0 = 3 {ifindex=3, peer_ifindex=2, peer="peer0"}',
      '      netdevs.2: + {ifindex: 2, name: "peer0", peer: 3}',
      '      netdevs.3: + {ifindex: 3, name: "eth0", peer: 2}',
      '      nextIfindex: 2 → 4',
      '   1  [pid 100] bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_ARRAY, key_size=4, value_size=8, max_entries=4, map_name="stats"}) = 3',
    ];
    expect(out.startsWith(expected.join('\n') + '\n')).toBe(true);
    expect(out).toContain('maps.1.name = "stats"\n');
    expect(out).toContain('breakpoints: BPF_LINK_CREATE, EBADF\n');
    expect(out).toContain('breakpoint BPF_LINK_CREATE: at position 5 of 15; next: 5  [pid 100] bpf(BPF_LINK_CREATE');
    expect(out).toContain('      netdevs.3.tcx_ingress.items[1]: + {prog_id: 2, link_id: 1}\n');
    expect(out).toContain('watching netdevs.3.tcx_ingress.revision = 3\n');
    expect(out).toContain('breakpoint EBADF: at position 9 of 15; next: 9  [pid 100] bpf(BPF_LINK_UPDATE, {link_fd=9, new_prog_fd=4}) = -1 EBADF\n');
    expect(out).toContain('watch netdevs.3.tcx_ingress.revision: 3 → 4 (event 10)\nat position 11 of 15');
    expect(out).toContain('at position 9 of 15; next: 9  [pid 100] bpf(BPF_LINK_UPDATE');
    expect(out).toContain('netdevs.3.tcx_ingress.items = [{prog_id: 1, link_id: 0}, {prog_id: 2, link_id: 1}]\n');
    expect(out).toContain('netdevs.3.tcx_ingress.items[0] = {prog_id: 2, link_id: 1}   (after 12 events)\nlast changed by event 10: [pid 100] bpf(BPF_PROG_DETACH');
    expect(out).toContain('event 10: [pid 100] bpf(BPF_PROG_DETACH, {target_ifindex=3, attach_bpf_fd=4, attach_type=BPF_TCX_INGRESS}) = 0\n  progs.1.refs: 2 → 1\n');
    expect(out).toContain('breakpoint EBADF: at position 9 of 15');
    expect(out).toContain('goto: position 99 is past the end (15)\n');
    expect(out).toContain('bad path "a..b": empty segment\n');
    expect(out).toContain('unknown command "frobnicate" (help lists them)\n');
    expect(out.trimEnd().endsWith('unknown command "frobnicate" (help lists them)')).toBe(true);
  });
});

describe('bpfsim debug breakpoints', () => {
  it('refuses a name that is no bpf command, event kind or errno (it would never stop), and breaks on any failing event with error', () => {
    const r = cli(['debug', trace], ['break errno', 'break error', 'break link_update', 'continue', 'delete nope', 'delete error', 'info', 'quit'].join('\n') + '\n');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('break: "errno" is not a bpf command (PROG_ATTACH), an event kind (bpf, close, dup, fork, exit, unlink, mkdir, netdev_add, netdev_del, tick, packets), an errno (EBADF) or error\n');
    expect(r.stdout).toContain('breakpoints: ERROR, BPF_LINK_UPDATE\n');
    // Event 9 is the trace's only failing event, and a BPF_LINK_UPDATE: the first breakpoint listed that matches names the stop.
    expect(r.stdout).toContain('breakpoint ERROR: at position 9 of 15; next: 9  [pid 100] bpf(BPF_LINK_UPDATE, {link_fd=9, new_prog_fd=4}) = -1 EBADF\n');
    expect(r.stdout).toContain('delete: no breakpoint nope\nbreakpoints: BPF_LINK_UPDATE\n');
  });
});

describe('examples', () => {
  it('a trace recorded by this format version still reads', () => {
    const t = Trace.load(join(root, 'examples/tcx-timetravel.trace'));
    expect(t.complete).toBe(true);
    expect(t.header).toMatchObject({ seed: 0, hashEvery: 4, hash: 'sh64-v1' });
    expect(Array.from({ length: t.length }, (_, i) => t.event(i))).toEqual(events);
  });
});
