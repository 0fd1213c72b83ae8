// The uapi constants against the C header of this machine, for every name that header has
// (Debian's header is older than the kernel: names it lacks are checked by the live-kernel fixtures).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as uapi from '../src/uapi.ts';
import { errno } from '../src/errno.ts';

const hasCc = spawnSync('cc', ['--version']).status === 0 && existsSync('/usr/include/linux/bpf.h');

describe.skipIf(!hasCc)('uapi constants (needs cc and /usr/include/linux/bpf.h)', () => {
  it('match linux/bpf.h and errno.h for every name they define', () => {
    const names = [...uapi.BPF_CMD_NAMES, ...uapi.BPF_MAP_TYPE_NAMES, ...uapi.BPF_PROG_TYPE_NAMES, ...uapi.BPF_ATTACH_TYPE_NAMES, ...uapi.BPF_LINK_TYPE_NAMES];
    const ours: Record<string, number> = { ...uapi.bpf_cmd, ...uapi.bpf_map_type, ...uapi.bpf_prog_type, ...uapi.bpf_attach_type, ...uapi.bpf_link_type };
    for (const [k, v] of Object.entries(uapi)) if (/^BPF_(F_|ANY|NOEXIST|EXIST|PSEUDO_)/.test(k) && typeof v === 'number') { names.push(k as never); ours[k] = v; }
    const enumNames = new Set<string>(names);
    // Macros are visible to #if defined(); enumerators are not, so each of those is compiled on its
    // own and a name the older header lacks simply fails to compile and is skipped.
    const dir = mkdtempSync(join(tmpdir(), 'uapi-'));
    let checked = 0;
    const src = [...enumNames].map((n) => `#if defined(${n})\nprintf("${n} %ld\\n", (long)(${n}));\n#endif`).join('\n');
    writeFileSync(join(dir, 'm.c'), `#include <stdio.h>\n#include <linux/bpf.h>\nint main(void){\n${src}\nreturn 0;}\n`);
    execFileSync('cc', ['-o', join(dir, 'm'), join(dir, 'm.c')]);
    const seen = new Map<string, number>();
    for (const line of execFileSync(join(dir, 'm'), { encoding: 'utf8' }).trim().split('\n').filter(Boolean)) { const [n, v] = line.split(' '); seen.set(n, Number(v)); }
    for (const n of enumNames) {
      if (seen.has(n)) continue;
      const f = join(dir, 'e.c');
      writeFileSync(f, `#include <stdio.h>\n#include <linux/bpf.h>\nint main(void){printf("%ld\\n",(long)(${n}));return 0;}\n`);
      if (spawnSync('cc', ['-o', join(dir, 'e'), f]).status !== 0) continue;
      seen.set(n, Number(execFileSync(join(dir, 'e'), { encoding: 'utf8' })));
    }
    for (const [n, v] of seen) { expect(ours[n], n).toBe(v); checked++; }
    expect(checked).toBeGreaterThan(150);
    const e = Object.keys(errno).filter((k) => k !== 'ENOTSUPP');
    writeFileSync(join(dir, 'errno.c'), `#include <stdio.h>\n#include <errno.h>\nint main(void){\n${e.map((n) => `printf("%d\\n", ${n});`).join('\n')}\nreturn 0;}\n`);
    execFileSync('cc', ['-o', join(dir, 'errno'), join(dir, 'errno.c')]);
    expect(execFileSync(join(dir, 'errno'), { encoding: 'utf8' }).trim().split('\n').map(Number)).toEqual(e.map((n) => (errno as Record<string, number>)[n]));
  }, 120_000);
});
