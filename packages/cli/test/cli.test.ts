import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, ScenarioError } from '@bpfsim/replay';

const root = new URL('../../../', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), ...args], { encoding: 'utf8', cwd: root });
const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-cli-'));
const file = (name: string, text: string) => { const p = join(tmp, name); writeFileSync(p, text); return p; };

describe('parseScenario', () => {
  it('reads JSON arrays, {events} objects and JSON Lines alike', () => {
    const e = { kind: 'close', pid: 1, fd: 3 };
    expect(parseScenario(JSON.stringify([e])).events).toEqual([e]);
    expect(parseScenario(JSON.stringify({ name: 'x', seed: 7, events: [e] }))).toEqual({ name: 'x', seed: 7, events: [e] });
    expect(parseScenario(`// comment\n${JSON.stringify(e)}\n\n${JSON.stringify(e)}\n`).events).toEqual([e, e]);
  });
  it('names the event index, the line and the field of a malformed event', () => {
    const good = JSON.stringify({ kind: 'close', pid: 1, fd: 3 });
    const bad = JSON.stringify({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_HASH', key_size: -1, value_size: 4, max_entries: 1 } });
    expect(() => parseScenario(`${good}\n${good}\n${bad}\n`, 'f.jsonl')).toThrow('f.jsonl:3: event 2: attr.key_size: -1 does not fit in u32');
    expect(() => parseScenario(`${good}\n{oops\n`, 'f.jsonl')).toThrow(/f\.jsonl:2: event 1: not valid JSON/);
    expect(() => parseScenario('[{"kind":"bpf","pid":1,"cmd":"BPF_NOPE"}]', 'a.json')).toThrow(new ScenarioError('a.json: event 0: cmd: unknown bpf_cmd "BPF_NOPE"'));
  });
});

describe('bpfsim run', () => {
  it('prints each result strace-style and the state bpftool-style', () => {
    const r = cli('run', join(root, 'examples/loader.jsonl'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/bpf\(BPF_MAP_CREATE, \{map_type=BPF_MAP_TYPE_HASH, .*\}\) = 3/);
    expect(r.stdout).toMatch(/BPF_MAP_UPDATE_ELEM.* = -1 EEXIST/);
    expect(r.stdout).toContain('# bpftool map show');
    expect(r.stdout).toMatch(/1: hash {2}name counters {2}flags 0x0\n\tkey 4B {2}value 8B {2}max_entries 1024\n\tpinned \/sys\/fs\/bpf\/loader\/counters/);
  });
  it('replays the bundled trace and prints its timeline (the README main job)', () => {
    const r = cli('replay', join(root, 'examples/tcx-upgrade.trace'), '--timeline');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/BPF_LINK_UPDATE.*= -1 EPERM/);
    expect(r.stdout).toContain('packet 0: drop after prog 3 -> 2');
    expect(r.stdout).toContain('netdevs.3.tcx_ingress.items[0]: + {prog_id: 3, link_id: 0}');
    expect(r.stdout).toMatch(/replayed 32 events: every result agrees/);
  });
  it('refuses a malformed scenario with the event index and field, exit 2, no stack trace', () => {
    const p = file('bad.json', JSON.stringify([{ kind: 'close', pid: 1, fd: 3 }, { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 3, insns: [{ code: 0x95, dst_reg: 0, src_reg: 0, off: 0 }] } }]));
    const r = cli('run', p);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`bpfsim: ${p}: event 1: attr.insns[0].imm: missing (an integer, s32)\n`);
  });
  it('says what is wrong with the command line', () => {
    expect(cli('run').stderr).toMatch(/expected one scenario file/);
    expect(cli('run', join(tmp, 'missing.json')).stderr).toMatch(/cannot read .*missing\.json: ENOENT/);
    expect(cli('frobnicate').status).toBe(2);
  });
});
