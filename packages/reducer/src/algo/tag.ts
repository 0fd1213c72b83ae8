// A BPF program's tag, as bpf_prog_calc_tag() computes it at BPF_PROG_LOAD (kernel/bpf/core.c).
//
// The instructions as loaded are copied and, because map fds are unstable from user space, the
// imm of an LD_IMM64 (code 0x18) whose src_reg is BPF_PSEUDO_MAP_FD (1) or BPF_PSEUDO_MAP_VALUE (2)
// is zeroed, and so is the imm of the instruction right after it when that one has code, dst_reg,
// src_reg and off all 0 (the second half: upper 32 bits, or the value offset for MAP_VALUE).
// The first half's off is kept. Nothing else is masked: BPF_PSEUDO_MAP_IDX (5) and
// BPF_PSEUDO_MAP_IDX_VALUE (6) keep their fd_array index and offset, constants keep their value.
//
// Linux 6.18 hashes the result with SHA-256 into prog->digest; the tag is its first 8 bytes
// (measured on the live kernel; up to 6.17 it was the first 8 bytes of a SHA-1).
// Each instruction is laid out as struct bpf_insn on a little-endian machine:
//   code u8 | dst_reg (low nibble), src_reg (high nibble) | off s16 LE | imm s32 LE

import type { Insn } from '@bpfsim/events';
import { toHex } from '@bpfsim/events';
import { sha256 } from './sha256.ts';

const LD_IMM64 = 0x18; // BPF_LD | BPF_IMM | BPF_DW
const PSEUDO_MAP_FD = 1;
const PSEUDO_MAP_VALUE = 2;

/** The bytes bpf_prog_calc_tag hashes: the instructions with map fds (and map value offsets) zeroed. */
export function tagInput(insns: readonly Insn[]): Uint8Array {
  const b = new Uint8Array(insns.length * 8);
  let wasLdMap = false;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    let imm = x.imm;
    if (!wasLdMap && x.code === LD_IMM64 && (x.src_reg === PSEUDO_MAP_FD || x.src_reg === PSEUDO_MAP_VALUE)) {
      wasLdMap = true;
      imm = 0;
    } else if (wasLdMap && x.code === 0 && x.dst_reg === 0 && x.src_reg === 0 && x.off === 0) {
      wasLdMap = false;
      imm = 0;
    } else {
      wasLdMap = false;
    }
    const o = i * 8;
    b[o] = x.code;
    b[o + 1] = (x.dst_reg & 0xf) | ((x.src_reg & 0xf) << 4);
    b[o + 2] = x.off & 0xff;
    b[o + 3] = (x.off >> 8) & 0xff;
    b[o + 4] = imm & 0xff;
    b[o + 5] = (imm >>> 8) & 0xff;
    b[o + 6] = (imm >>> 16) & 0xff;
    b[o + 7] = (imm >>> 24) & 0xff;
  }
  return b;
}

/** prog->digest: SHA-256 of tagInput(insns), 64 hex chars. */
export function progDigest(insns: readonly Insn[]): string {
  return toHex(sha256(tagInput(insns)));
}

/** prog->tag as bpf_prog_info.tag and `bpftool prog` show it: 16 lowercase hex chars. */
export function progTag(insns: readonly Insn[]): string {
  return toHex(sha256(tagInput(insns)).subarray(0, 8));
}
