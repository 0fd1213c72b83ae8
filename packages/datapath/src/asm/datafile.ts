// The conformance suite's .data files: `-- asm`, `-- raw`, `-- mem`, `-- result`, `-- error`, ...
import type { Insn } from '@bpfsim/events';

export interface DataFile {
  readonly asm?: string;
  /** -- raw: instructions as 64-bit words (0x... per line) or as 8 hex bytes per line. */
  readonly raw?: Insn[];
  readonly mem: Uint8Array;
  /** Expected r0, as a u64. */
  readonly result?: bigint;
  readonly error?: string;
  /** Section names present, in order. */
  readonly sections: readonly string[];
}

function insnFromBytes(b: number[]): Insn {
  const imm = (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) | 0;
  const off = ((b[2] | (b[3] << 8)) << 16) >> 16;
  return { code: b[0], dst_reg: b[1] & 0xf, src_reg: b[1] >> 4, off, imm };
}

function parseRaw(lines: string[]): Insn[] {
  const out: Insn[] = [];
  for (const l of lines) {
    const t = l.trim();
    if (!t) continue;
    if (/^0x[0-9a-fA-F]+$/.test(t)) {
      const v = BigInt(t);
      out.push(insnFromBytes(Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))));
    } else {
      const bytes = t.split(/\s+/).map((x) => parseInt(x, 16));
      for (let i = 0; i + 8 <= bytes.length; i += 8) out.push(insnFromBytes(bytes.slice(i, i + 8)));
    }
  }
  return out;
}

export function parseDataFile(text: string): DataFile {
  const sections = new Map<string, string[]>();
  const order: string[] = [];
  let cur: string[] | null = null;
  for (const line of text.split('\n')) {
    const m = /^-- (.*)$/.exec(line);
    if (m) { cur = []; sections.set(m[1].trim(), cur); order.push(m[1].trim()); continue; }
    if (cur === null) continue; // header comments
    if (line.startsWith('#') && sections.get('asm') !== cur) continue;
    cur.push(line);
  }
  const mem = (sections.get('mem') ?? []).join(' ').trim();
  const result = sections.get('result')?.join('').trim();
  return {
    asm: sections.get('asm')?.join('\n'),
    raw: sections.has('raw') ? parseRaw(sections.get('raw')!) : undefined,
    mem: new Uint8Array(mem ? mem.split(/\s+/).map((x) => parseInt(x, 16)) : []),
    result: result ? BigInt(result) : undefined,
    error: sections.get('error')?.join('\n').trim(),
    sections: order,
  };
}
