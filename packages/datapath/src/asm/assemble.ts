// An assembler for the eBPF conformance suite's syntax (bpf_conformance's bpf_assembler):
//   mov %r0, 1 | add32 %r1, %r2 | neg %r1 | be16 %r0 | le64 %r0 | bswap32 %r0 | swap16 %r0
//   sdiv / smod (off 1) | movsx832 %r0, %r1 (movsx, width, class)
//   ja label | ja32 label (gotol) | jne32 %r1, 5, +3 | exit
//   call 5 | call helper 5 | call local label | call runtime 7 (kfunc) | call %r2 (callx)
//   lddw %r1, 0x1122334455667788 | ldxw %r0, [%r1+4] | ldxsb %r0, [%r10-1]
//   stw [%r10-4], 1 | stxdw [%r10-8], %r1 | lock [fetch] add|or|and|xor|xchg|cmpxchg[32] [%r10-8], %r1
//   label:   # comment
// with two bpfsim extensions for programs that use maps:
//   ldmapfd %r1, 3            ld_imm64 with src_reg BPF_PSEUDO_MAP_FD and fd 3
//   ldmapvalue %r1, 3, 16     ld_imm64 with src_reg BPF_PSEUDO_MAP_VALUE, fd 3, offset 16
// As in the suite, a jump to `exit` goes to the first exit instruction unless a label says otherwise.
import type { Insn } from '@bpfsim/events';
import { insn } from '@bpfsim/events';
import * as op from '../opcodes.ts';

export class AsmError extends Error {
  constructor(readonly line: number, message: string) { super(`line ${line}: ${message}`); }
}

const ALU: Record<string, number> = {
  add: op.BPF_ADD, sub: op.BPF_SUB, mul: op.BPF_MUL, div: op.BPF_DIV, sdiv: op.BPF_DIV, or: op.BPF_OR, and: op.BPF_AND,
  lsh: op.BPF_LSH, rsh: op.BPF_RSH, neg: op.BPF_NEG, mod: op.BPF_MOD, smod: op.BPF_MOD, xor: op.BPF_XOR,
  mov: op.BPF_MOV, arsh: op.BPF_ARSH,
};
const JMP: Record<string, number> = {
  jeq: op.BPF_JEQ, jgt: op.BPF_JGT, jge: op.BPF_JGE, jset: op.BPF_JSET, jne: op.BPF_JNE, jsgt: op.BPF_JSGT,
  jsge: op.BPF_JSGE, jlt: op.BPF_JLT, jle: op.BPF_JLE, jslt: op.BPF_JSLT, jsle: op.BPF_JSLE,
};
const SIZES: Record<string, number> = { b: op.BPF_B, h: op.BPF_H, w: op.BPF_W, dw: op.BPF_DW };
/** A mnemonic's entry in one of the tables above (own keys only: "constructor" is no mnemonic). */
const entry = (t: Record<string, number>, k: string): number | undefined => (Object.prototype.hasOwnProperty.call(t, k) ? t[k] : undefined);
const ATOMIC: Record<string, number> = { add: op.BPF_ADD, or: op.BPF_OR, and: op.BPF_AND, xor: op.BPF_XOR, xchg: op.BPF_XCHG, cmpxchg: op.BPF_CMPXCHG };

/** A number in decimal or 0x hex, optionally negative, as a BigInt. */
function parseNum(s: string, line: number): bigint {
  const m = /^([+-]?)(0x[0-9a-fA-F]+|\d+)$/.exec(s);
  if (!m) throw new AsmError(line, `invalid number '${s}'`);
  const v = BigInt(m[2]);
  return m[1] === '-' ? -v : v;
}

/**
 * imm32, kept as its low 32 bits (signed): a decimal is a signed 32-bit value, a hex number may
 * also be an unsigned one (0xffffffff), as the conformance suite's assembler reads them.
 */
function imm32(s: string, line: number): number {
  const v = parseNum(s, line);
  const max = /^[+-]?0x/.test(s) ? 1n << 32n : 1n << 31n;
  if (v < -(1n << 31n) || v >= max) throw new AsmError(line, `immediate '${s}' does not fit in 32 bits`);
  return Number(BigInt.asIntN(32, v));
}

function off16(s: string, line: number): number {
  const v = parseNum(s, line);
  if (v < -(1n << 15n) || v >= 1n << 16n) throw new AsmError(line, `offset '${s}' does not fit in 16 bits`);
  return Number(BigInt.asIntN(16, v));
}

function reg(s: string | undefined, line: number): number {
  const m = /^%r(\d+)$/.exec(s ?? '');
  if (!m || Number(m[1]) > 10) throw new AsmError(line, `invalid register '${s ?? ''}'`);
  return Number(m[1]);
}

/** [%rN], [%rN+off], [%rN-off] */
function memOperand(s: string | undefined, line: number): [number, number] {
  const m = /^\[(%r\d+)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?\]$/.exec(s ?? '');
  if (!m) throw new AsmError(line, `invalid memory operand '${s ?? ''}'`);
  return [reg(m[1], line), m[2] ? off16(m[2] + m[3], line) : 0];
}

interface Pending { index: number; label: string; field: 'off' | 'imm'; line: number }

export function assemble(text: string): Insn[] {
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  const lines = text.split('\n');

  const target = (s: string | undefined, line: number, field: 'off' | 'imm'): number => {
    if (s === undefined) throw new AsmError(line, 'missing jump target');
    if (/^[+-]/.test(s)) return field === 'off' ? off16(s, line) : imm32(s, line);
    pending.push({ index: out.length, label: s, field, line });
    return 0;
  };

  for (let ln = 1; ln <= lines.length; ln++) {
    let text = lines[ln - 1];
    const hash = text.indexOf('#');
    if (hash >= 0) text = text.slice(0, hash);
    text = text.trim();
    if (!text) continue;
    const lab = /^([A-Za-z_.][\w.]*):\s*(.*)$/.exec(text);
    if (lab) {
      if (labels.has(lab[1])) throw new AsmError(ln, `duplicate label '${lab[1]}'`);
      labels.set(lab[1], out.length);
      text = lab[2];
      if (!text) continue;
    }
    const sp = text.search(/\s/);
    const mn = sp < 0 ? text : text.slice(0, sp);
    const rest = sp < 0 ? '' : text.slice(sp + 1);
    // Operands split on commas and spaces outside brackets.
    const ops = rest.replace(/\[[^\]]*\]/g, (b) => b.replace(/\s+/g, '')).split(/[\s,]+/).filter(Boolean);
    const want = (n: number) => { if (ops.length !== n) throw new AsmError(ln, `${mn} takes ${n} operand(s), got ${ops.length}`); };

    if (mn === 'exit') { want(0); if (!labels.has('exit')) labels.set('exit', out.length); out.push(insn(op.BPF_JMP | op.BPF_EXIT)); continue; }
    if (mn === 'lddw' || mn === 'ldmapfd' || mn === 'ldmapvalue') {
      const d = reg(ops[0], ln);
      if (mn === 'lddw') {
        want(2);
        const v = BigInt.asUintN(64, parseNum(ops[1], ln));
        if (parseNum(ops[1], ln) >= 1n << 64n || parseNum(ops[1], ln) < -(1n << 63n)) throw new AsmError(ln, `'${ops[1]}' does not fit in 64 bits`);
        out.push(insn(0x18, d, 0, 0, Number(BigInt.asIntN(32, v))), insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))));
      } else if (mn === 'ldmapfd') {
        want(2);
        out.push(insn(0x18, d, 1, 0, imm32(ops[1], ln)), insn(0));
      } else {
        want(3);
        out.push(insn(0x18, d, 2, 0, imm32(ops[1], ln)), insn(0, 0, 0, 0, imm32(ops[2], ln)));
      }
      continue;
    }
    if (mn === 'ja' || mn === 'ja32') {
      want(1);
      if (mn === 'ja') out.push(insn(op.BPF_JMP | op.BPF_JA, 0, 0, target(ops[0], ln, 'off')));
      else out.push(insn(op.BPF_JMP32 | op.BPF_JA, 0, 0, 0, target(ops[0], ln, 'imm')));
      continue;
    }
    if (mn === 'call') {
      if (ops.length === 1 && ops[0].startsWith('%')) { out.push(insn(op.BPF_JMP | op.BPF_CALL | op.BPF_X, reg(ops[0], ln))); continue; }
      const [mode, t] = ops.length === 1 ? ['helper', ops[0]] : ops;
      if (ops.length > 2) throw new AsmError(ln, 'call takes 1 or 2 operands');
      if (mode === 'helper') out.push(insn(op.BPF_JMP | op.BPF_CALL, 0, 0, 0, imm32(t, ln)));
      else if (mode === 'local') out.push(insn(op.BPF_JMP | op.BPF_CALL, 0, 1, 0, target(t, ln, 'imm')));
      else if (mode === 'runtime') out.push(insn(op.BPF_JMP | op.BPF_CALL, 0, 2, 0, imm32(t, ln)));
      else throw new AsmError(ln, `invalid call mode '${mode}'`);
      continue;
    }
    if (mn === 'lock') {
      if (ops.length === 0) throw new AsmError(ln, 'Invalid number of operands for lock');
      const fetch = ops[0] === 'fetch';
      const args = fetch ? ops.slice(1) : ops;
      if (args.length !== 3) throw new AsmError(ln, 'lock takes [fetch] op [%rD+off], %rS');
      const w = args[0].endsWith('32');
      const name = w ? args[0].slice(0, -2) : args[0];
      const a = entry(ATOMIC, name);
      if (a === undefined) throw new AsmError(ln, `invalid atomic op '${args[0]}'`);
      if (fetch && (a === op.BPF_XCHG || a === op.BPF_CMPXCHG)) throw new AsmError(ln, `${name} always fetches`);
      const [d, o] = memOperand(args[1], ln);
      out.push(insn(op.BPF_STX | op.BPF_ATOMIC | (w ? op.BPF_W : op.BPF_DW), d, reg(args[2], ln), o, a | (fetch ? op.BPF_FETCH : 0)));
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^ldx(s?)(b|h|w|dw)$/.exec(mn))) {
      want(2);
      if (m[1] && m[2] === 'dw') throw new AsmError(ln, 'no sign-extending dw load');
      const [s, o] = memOperand(ops[1], ln);
      out.push(insn(op.BPF_LDX | (m[1] ? op.BPF_MEMSX : op.BPF_MEM) | SIZES[m[2]], reg(ops[0], ln), s, o));
      continue;
    }
    if ((m = /^st(x?)(b|h|w|dw)$/.exec(mn))) {
      want(2);
      const [d, o] = memOperand(ops[0], ln);
      if (m[1]) out.push(insn(op.BPF_STX | op.BPF_MEM | SIZES[m[2]], d, reg(ops[1], ln), o));
      else out.push(insn(op.BPF_ST | op.BPF_MEM | SIZES[m[2]], d, 0, o, imm32(ops[1], ln)));
      continue;
    }
    if ((m = /^(be|le|bswap|swap)(16|32|64)$/.exec(mn))) {
      want(1);
      const code = m[1] === 'be' ? op.BPF_ALU | op.BPF_END | op.BPF_TO_BE
        : m[1] === 'le' ? op.BPF_ALU | op.BPF_END | op.BPF_TO_LE : op.BPF_ALU64 | op.BPF_END;
      out.push(insn(code, reg(ops[0], ln), 0, 0, Number(m[2])));
      continue;
    }
    if ((m = /^movsx(8|16|32)(32|64)$/.exec(mn))) {
      want(2);
      if (m[1] === '32' && m[2] === '32') throw new AsmError(ln, 'movsx3232 is not an instruction');
      out.push(insn((m[2] === '64' ? op.BPF_ALU64 : op.BPF_ALU) | op.BPF_MOV | op.BPF_X, reg(ops[0], ln), reg(ops[1], ln), Number(m[1])));
      continue;
    }
    if ((m = /^([a-z]+?)(32)?$/.exec(mn)) && entry(ALU, m[1]) !== undefined) {
      const cls = m[2] ? op.BPF_ALU : op.BPF_ALU64;
      const off = m[1] === 'sdiv' || m[1] === 'smod' ? 1 : 0;
      if (m[1] === 'neg') { want(1); out.push(insn(cls | op.BPF_NEG, reg(ops[0], ln))); continue; }
      want(2);
      const d = reg(ops[0], ln);
      if (ops[1].startsWith('%')) out.push(insn(cls | ALU[m[1]] | op.BPF_X, d, reg(ops[1], ln), off));
      else out.push(insn(cls | ALU[m[1]] | op.BPF_K, d, 0, off, imm32(ops[1], ln)));
      continue;
    }
    if ((m = /^([a-z]+?)(32)?$/.exec(mn)) && entry(JMP, m[1]) !== undefined) {
      want(3);
      const cls = m[2] ? op.BPF_JMP32 : op.BPF_JMP;
      const d = reg(ops[0], ln);
      const x = ops[1].startsWith('%');
      const s = x ? reg(ops[1], ln) : 0, k = x ? 0 : imm32(ops[1], ln);
      out.push(insn(cls | JMP[m[1]] | (x ? op.BPF_X : op.BPF_K), d, s, target(ops[2], ln, 'off'), k));
      continue;
    }
    throw new AsmError(ln, `Invalid mnemonic '${mn}'`);
  }
  for (const p of pending) {
    const at = labels.get(p.label);
    if (at === undefined) throw new AsmError(p.line, `Invalid label '${p.label}'`);
    const rel = at - p.index - 1;
    out[p.index] = p.field === 'off' ? { ...out[p.index], off: rel } : { ...out[p.index], imm: rel };
  }
  return out;
}
