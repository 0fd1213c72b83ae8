/* BPF_PROG_LOAD (SCHED_CLS, log_level 1) of programs with one defect each: records errno and the
 * verifier log. Output: JSON on stdout (fixtures/insncheck.json). */
#include "common.h"

#define I(c, d, s, o, i) {.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)}
#define MOV0 I(0xb7, 0, 0, 0, 0)
#define EXIT I(0x95, 0, 0, 0, 0)

static FILE *out;
static int first = 1;
static int map_fd;

static void rec(const char *name, const struct bpf_insn *p, uint32_t n)
{
	int r = prog_load(BPF_PROG_TYPE_SCHED_CLS, p, n, 1);
	fprintf(out, "%s{\"name\":", first ? "" : ",\n");
	first = 0;
	put_str(out, name);
	fprintf(out, ",\"ret\":\"%s\",\"log\":", errname(r < 0 ? r : 0));
	size_t len = strlen(prog_log);
	if (len > 4096) { /* a million-step trace: keep its end */
		char *tail = prog_log + len - 2048;
		memcpy(tail - 4, "...\n", 4);
		put_str(out, tail - 4);
	} else {
		put_str(out, prog_log);
	}
	fputs(",\"insns\":", out);
	if (n <= 64)
		put_insns(out, p, n);
	else
		fprintf(out, "{\"count\":%u}", n);
	fputc('}', out);
	if (r >= 0)
		close(r);
}

#define CASE(name, ...) do { struct bpf_insn p_[] = {__VA_ARGS__}; rec(name, p_, sizeof(p_) / sizeof(p_[0])); } while (0)

int main(void)
{
	out = stdout;
	map_fd = map_create(BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 0);
	fputs("{\"cases\":[\n", out);

	CASE("valid: r0 = 0; exit", MOV0, EXIT);
	rec("no instructions (insn_cnt 0)", NULL, 0);
	{
		uint32_t n = 1000001;
		struct bpf_insn *p = calloc(n, sizeof(*p));
		for (uint32_t i = 0; i + 1 < n; i++)
			p[i] = (struct bpf_insn)MOV0;
		p[n - 1] = (struct bpf_insn)EXIT;
		rec("1000001 instructions (> BPF_COMPLEXITY_LIMIT_INSNS)", p, n);
		free(p);
	}
	/* opcodes */
	CASE("unknown opcode 0xff at insn 0", I(0xff, 0, 0, 0, 0), MOV0, EXIT);
	CASE("unknown opcode 0x00 at insn 1", MOV0, I(0x00, 0, 0, 0, 0), EXIT);
	CASE("unknown opcode 0xe7 (ALU64 op 0xe0)", MOV0, I(0xe7, 0, 0, 0, 0), EXIT);
	CASE("unknown opcode 0xdf (ALU64 END X)", MOV0, I(0xdf, 0, 0, 0, 0), EXIT);
	CASE("unknown opcode 0x86 (JMP32 CALL)", MOV0, I(0x86, 0, 0, 0, 1), EXIT);
	CASE("unknown opcode 0x96 (JMP32 EXIT)", MOV0, I(0x96, 0, 0, 0, 0), EXIT);
	CASE("unknown opcode 0xf5 (JMP op 0xf0) with off 0", MOV0, I(0xf5, 0, 0, 0, 0), EXIT);
	CASE("unknown opcode 0xf5 (JMP op 0xf0) with off 100", MOV0, I(0xf5, 0, 0, 100, 0), EXIT);
	CASE("unknown opcode 0x7a? no: STX MEM DW ok; 0x60 LDX|MEM|W imm 0 invalid mode? (LD class W MEM)", MOV0, I(0x60, 0, 0, 0, 0), EXIT);
	CASE("LDX with BPF_ABS mode (0x21)", MOV0, I(0x21, 0, 10, 0, 0), EXIT);
	CASE("LDX MEM W with imm 1", I(0x61, 0, 10, -4, 1), MOV0, EXIT);
	CASE("LDX with imm 1 after an unknown opcode", I(0xff, 0, 0, 0, 0), I(0x61, 0, 10, -4, 1), MOV0, EXIT);
	CASE("unknown opcode before LDX with imm 1", MOV0, I(0xff, 0, 0, 0, 0), I(0x61, 0, 10, -4, 1), EXIT);
	/* ld_imm64 */
	CASE("ld_imm64 as the last insn", MOV0, I(0x18, 1, 0, 0, 1));
	CASE("ld_imm64 second half with code 0xb7", I(0x18, 1, 0, 0, 1), I(0xb7, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 second half with dst_reg 1", I(0x18, 1, 0, 0, 1), I(0, 1, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 second half with src_reg 1", I(0x18, 1, 0, 0, 1), I(0, 0, 1, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 second half with off 1", I(0x18, 1, 0, 0, 1), I(0, 0, 0, 1, 0), MOV0, EXIT);
	CASE("ld_imm64 src_reg 7 (unknown pseudo)", I(0x18, 1, 7, 0, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 src_reg 15", I(0x18, 1, 15, 0, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 MAP_FD with second imm 1", I(0x18, 1, 1, 0, 3), I(0, 0, 0, 0, 1), MOV0, EXIT);
	CASE("ld_imm64 MAP_FD with fd 999", I(0x18, 1, 1, 0, 999), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 MAP_IDX without fd_array", I(0x18, 1, 5, 0, 0), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 with off 1 in the first half", I(0x18, 1, 0, 1, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 with dst_reg 11", I(0x18, 11, 0, 0, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 with dst_reg 10", I(0x18, 10, 0, 0, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("jump into the middle of ld_imm64", I(0x05, 0, 0, 1, 0), I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("valid: ld_imm64 constant", I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 2), MOV0, EXIT);
	{
		struct bpf_insn p[] = {I(0x18, 1, 1, 0, map_fd), I(0, 0, 0, 0, 0), MOV0, EXIT};
		rec("valid: ld_imm64 map fd", p, 4);
	}
	/* jumps and the last instruction */
	CASE("ja +5 out of range", I(0x05, 0, 0, 5, 0), MOV0, EXIT);
	CASE("ja -2 out of range (to -1)", I(0x05, 0, 0, -2, 0), MOV0, EXIT);
	CASE("jeq +1 to one past the end", MOV0, I(0x15, 0, 0, 1, 0), EXIT);
	CASE("jeq +0", MOV0, I(0x15, 0, 0, 0, 0), EXIT);
	CASE("jmp32 jeq +7 out of range", MOV0, I(0x16, 0, 0, 7, 0), EXIT);
	CASE("jmp32 ja (gotol) imm 9 out of range", MOV0, I(0x06, 0, 0, 0, 9), EXIT);
	CASE("jmp32 ja (gotol) off 9, imm 0", MOV0, I(0x06, 0, 0, 9, 0), EXIT);
	CASE("valid: jmp32 ja (gotol) imm 0", MOV0, I(0x06, 0, 0, 0, 0), EXIT);
	CASE("ja +0x7fff", I(0x05, 0, 0, 0x7fff, 0), MOV0, EXIT);
	CASE("ja -0x8000", I(0x05, 0, 0, -0x8000, 0), MOV0, EXIT);
	CASE("last insn is mov", MOV0, EXIT, MOV0);
	CASE("last insn is jeq", MOV0, I(0x15, 0, 0, -2, 0));
	CASE("last insn is jmp32 ja (gotol) -2", MOV0, I(0x06, 0, 0, 0, -2));
	CASE("last insn is ja -2 (back-edge, infinite loop)", MOV0, I(0x05, 0, 0, -2, 0));
	CASE("last insn is ld_imm64 second half", MOV0, EXIT, I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 0));
	CASE("last insn is call", MOV0, I(0x85, 0, 0, 0, 7));
	CASE("only insn is exit (R0 never set)", EXIT);
	CASE("jump out of range and unknown opcode after it", MOV0, I(0x05, 0, 0, 9, 0), I(0xff, 0, 0, 0, 0), EXIT);
	CASE("unknown opcode and jump out of range after it", MOV0, I(0xff, 0, 0, 0, 0), I(0x05, 0, 0, 9, 0), EXIT);
	CASE("unknown opcode and last insn not exit", I(0xff, 0, 0, 0, 0), MOV0);
	CASE("ld_imm64 second half bad and jump out of range", I(0x18, 1, 0, 0, 1), I(0xb7, 0, 0, 0, 0), I(0x05, 0, 0, 9, 0), EXIT);
	CASE("LDX imm 1 and jump out of range", I(0x61, 0, 10, -4, 1), I(0x05, 0, 0, 9, 0), MOV0, EXIT);
	CASE("unreachable insn", MOV0, EXIT, MOV0, EXIT);
	CASE("unreachable insn after ja", MOV0, I(0x05, 0, 0, 1, 0), MOV0, EXIT);
	CASE("back-edge loop (bounded? no, r0 constant)", MOV0, I(0x07, 0, 0, 0, 1), I(0x55, 0, 0, -2, 0), EXIT);
	/* reserved fields (do_check) */
	CASE("ALU64 ADD K with src_reg 1", I(0x07, 0, 1, 0, 1), EXIT);
	CASE("ALU64 ADD K with off 1", MOV0, I(0x07, 0, 0, 1, 1), EXIT);
	CASE("ALU64 ADD X with imm 1", MOV0, I(0x0f, 0, 0, 0, 1), EXIT);
	CASE("ALU64 ADD X with off 1", MOV0, I(0x0f, 0, 0, 1, 0), EXIT);
	CASE("ALU ADD K with src_reg 1", I(0x04, 0, 1, 0, 1), EXIT);
	CASE("ALU64 MOV K with src_reg 1", I(0xb7, 0, 1, 0, 0), EXIT);
	CASE("ALU64 MOV K with off 8", I(0xb7, 0, 0, 8, 0), EXIT);
	CASE("ALU64 MOV X with imm 1", MOV0, I(0xbf, 0, 0, 0, 1), EXIT);
	CASE("ALU64 MOV X with off 3", MOV0, I(0xbf, 0, 0, 3, 0), EXIT);
	CASE("valid: ALU64 MOVSX off 8", MOV0, I(0xbf, 0, 0, 8, 0), EXIT);
	CASE("ALU MOV X with off 32", MOV0, I(0xbc, 0, 0, 32, 0), EXIT);
	CASE("valid: ALU64 MOV X off 1 imm 1 (addr_space_cast, no arena)", MOV0, I(0xbf, 0, 1, 1, 1), EXIT);
	CASE("ALU64 NEG with src_reg 1", MOV0, I(0x87, 0, 1, 0, 0), EXIT);
	CASE("ALU64 NEG with imm 1", MOV0, I(0x87, 0, 0, 0, 1), EXIT);
	CASE("ALU64 NEG with off 1", MOV0, I(0x87, 0, 0, 1, 0), EXIT);
	CASE("ALU END with imm 8", MOV0, I(0xd4, 0, 0, 0, 8), EXIT);
	CASE("ALU END with src_reg 1", MOV0, I(0xd4, 0, 1, 0, 16), EXIT);
	CASE("ALU END X (to BE) with imm 33", MOV0, I(0xdc, 0, 0, 0, 33), EXIT);
	CASE("ALU64 END (bswap) with imm 8", MOV0, I(0xd7, 0, 0, 0, 8), EXIT);
	CASE("ALU64 END with off 1", MOV0, I(0xd7, 0, 0, 1, 16), EXIT);
	CASE("ALU64 DIV K with off 2", MOV0, I(0x37, 0, 0, 2, 1), EXIT);
	CASE("valid: ALU64 SDIV K (off 1)", MOV0, I(0x37, 0, 0, 1, 1), EXIT);
	CASE("ALU64 DIV K imm 0", MOV0, I(0x37, 0, 0, 0, 0), EXIT);
	CASE("ALU64 MOD K imm 0", MOV0, I(0x97, 0, 0, 0, 0), EXIT);
	CASE("ALU64 LSH K imm 64", MOV0, I(0x67, 0, 0, 0, 64), EXIT);
	CASE("ALU LSH K imm 32", MOV0, I(0x64, 0, 0, 0, 32), EXIT);
	CASE("ALU64 ARSH K imm -1", MOV0, I(0xc7, 0, 0, 0, -1), EXIT);
	CASE("ALU64 MOV K dst_reg 11", I(0xb7, 11, 0, 0, 0), MOV0, EXIT);
	CASE("ALU64 MOV K dst_reg 10", I(0xb7, 10, 0, 0, 0), MOV0, EXIT);
	CASE("ALU64 MOV X src_reg 11", I(0xbf, 0, 11, 0, 0), EXIT);
	CASE("ALU64 MOV X src_reg 2 (uninitialized)", I(0xbf, 0, 2, 0, 0), EXIT);
	CASE("JA with src_reg 1", MOV0, I(0x05, 0, 1, 0, 0), EXIT);
	CASE("JA with imm 1", MOV0, I(0x05, 0, 0, 0, 1), EXIT);
	CASE("JA with dst_reg 1", MOV0, I(0x05, 1, 0, 0, 0), EXIT);
	CASE("JMP32 JA with off 1 and imm 0", MOV0, I(0x06, 0, 0, 1, 0), MOV0, EXIT);
	CASE("JMP32 JA with src_reg 1", MOV0, I(0x06, 0, 1, 0, 0), EXIT);
	CASE("JEQ K with src_reg 1", MOV0, I(0x15, 0, 1, 0, 0), EXIT);
	CASE("JEQ X with imm 1", MOV0, I(0x1d, 0, 0, 0, 1), EXIT);
	CASE("JMP32 JEQ K with src_reg 1", MOV0, I(0x16, 0, 1, 0, 0), EXIT);
	CASE("EXIT with imm 1", MOV0, I(0x95, 0, 0, 0, 1));
	CASE("EXIT with src_reg 1", MOV0, I(0x95, 0, 1, 0, 0));
	CASE("EXIT with dst_reg 1", MOV0, I(0x95, 1, 0, 0, 0));
	CASE("EXIT with off 1", MOV0, I(0x95, 0, 0, 1, 0));
	CASE("CALL with off 1", I(0x85, 0, 0, 1, 7), MOV0, EXIT);
	CASE("CALL with dst_reg 1", I(0x85, 1, 0, 0, 7), MOV0, EXIT);
	CASE("CALL with src_reg 3", I(0x85, 0, 3, 0, 7), MOV0, EXIT);
	CASE("CALL X (0x8d) with src_reg 0", I(0x8d, 0, 0, 0, 7), MOV0, EXIT);
	CASE("valid: call bpf_get_prandom_u32", I(0x85, 0, 0, 0, 7), MOV0, EXIT);
	CASE("call helper 0 (unspec)", I(0x85, 0, 0, 0, 0), MOV0, EXIT);
	CASE("call helper 212 (__BPF_FUNC_MAX_ID)", I(0x85, 0, 0, 0, 212), MOV0, EXIT);
	CASE("call helper 100000", I(0x85, 0, 0, 0, 100000), MOV0, EXIT);
	CASE("call helper -1", I(0x85, 0, 0, 0, -1), MOV0, EXIT);
	CASE("call helper 58 (override_return, not for SCHED_CLS)", I(0x85, 0, 0, 0, 58), MOV0, EXIT);
	CASE("call helper 6 (trace_printk) without args", I(0x85, 0, 0, 0, 6), MOV0, EXIT);
	CASE("pseudo call to itself out of range +5", I(0x85, 0, 1, 0, 5), MOV0, EXIT);
	CASE("pseudo call -2 (before start)", I(0x85, 0, 1, 0, -2), MOV0, EXIT);
	CASE("valid: pseudo call to a subprogram", I(0x85, 0, 1, 0, 2), I(0x07, 0, 0, 0, 1), EXIT, I(0xb7, 0, 0, 0, 41), EXIT);
	CASE("jump across subprograms", I(0x85, 0, 1, 0, 2), I(0x05, 0, 0, 1, 0), EXIT, I(0xb7, 0, 0, 0, 41), EXIT);
	CASE("subprogram whose last insn is not exit", I(0x85, 0, 1, 0, 2), MOV0, EXIT, I(0xb7, 0, 0, 0, 41), EXIT, MOV0);
	CASE("main prog falls into the subprogram", I(0x85, 0, 1, 0, 1), MOV0, I(0xb7, 0, 0, 0, 41), EXIT);
	CASE("kfunc call (src_reg 2) id 1", I(0x85, 0, 2, 0, 1), MOV0, EXIT);
	CASE("ST MEM W with src_reg 1", I(0x62, 10, 1, -4, 1), MOV0, EXIT);
	CASE("ST MEM W with imm ok, r10-4", I(0x62, 10, 0, -4, 1), MOV0, EXIT);
	CASE("STX MEM W with imm 1", I(0x63, 10, 1, -4, 1), MOV0, EXIT);
	CASE("STX MEM W with imm 0, src r1 (ctx)", I(0x63, 10, 1, -8, 0), MOV0, EXIT);
	CASE("STX ATOMIC W ADD (imm 0) with r1 ctx", I(0x7a, 10, 0, -8, 0), I(0xc3, 10, 1, -8, 0), MOV0, EXIT);
	CASE("STX ATOMIC W with imm 0x99 (unknown atomic op)", I(0x7a, 10, 0, -8, 0), I(0xb7, 1, 0, 0, 1), I(0xc3, 10, 1, -8, 0x99), MOV0, EXIT);
	CASE("ST (0x72 ST MEM B) with off 0 into fp (out of stack)", I(0x72, 10, 0, 0, 1), MOV0, EXIT);
	CASE("LD ABS W with dst_reg 1", I(0xbf, 6, 1, 0, 0), I(0x20, 1, 0, 0, 0), MOV0, EXIT);
	CASE("LD ABS W with off 1", I(0xbf, 6, 1, 0, 0), I(0x20, 0, 0, 1, 0), MOV0, EXIT);
	CASE("LD IND W with imm 0 and src r2 uninit", I(0xbf, 6, 1, 0, 0), I(0x40, 0, 2, 0, 0), MOV0, EXIT);
	CASE("R0 not set at exit", I(0xb7, 1, 0, 0, 0), EXIT);
	CASE("read of uninitialized r3", I(0xbf, 0, 3, 0, 0), EXIT);
	CASE("JCOND (may_goto, 0xe5) off 0", I(0xe5, 0, 0, 0, 0), MOV0, EXIT);
	CASE("JMP JA X (0x0d, gotox) r1", MOV0, I(0x0d, 1, 0, 0, 0), EXIT);

	/* check_cfg */
	CASE("jump into the middle of ld_imm64, both halves reached", MOV0, I(0x15, 0, 0, 1, 0), I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT);
	CASE("two unreachable insns", MOV0, EXIT, MOV0, MOV0, EXIT);
	CASE("jump into the middle of ld_imm64 and an unreachable insn after", MOV0, I(0x15, 0, 0, 1, 0), I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT, MOV0, EXIT);
	CASE("unreachable insn before jump into the middle", MOV0, I(0x15, 0, 0, 3, 0), EXIT, MOV0, I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT);
	CASE("subprogram never called: unreachable", MOV0, EXIT, MOV0, EXIT);
	CASE("pseudo func ld_imm64 (src 4) to subprogram", I(0x18, 1, 4, 0, 3), I(0, 0, 0, 0, 0), MOV0, EXIT, MOV0, EXIT);
	CASE("pseudo func ld_imm64 (src 4) out of range", I(0x18, 1, 4, 0, 30), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("ld_imm64 BTF_ID (src 3) imm 1", I(0x18, 1, 3, 0, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("valid: may_goto", I(0xe5, 0, 0, 1, 0), MOV0, MOV0, EXIT);
	CASE("may_goto with imm 1", I(0xe5, 0, 0, 0, 1), MOV0, EXIT);
	CASE("may_goto with src_reg 1", I(0xe5, 0, 1, 0, 0), MOV0, EXIT);
	CASE("may_goto with dst_reg 1", I(0xe5, 1, 0, 0, 0), MOV0, EXIT);
	/* register numbers, and their order against reserved fields */
	CASE("ALU64 ADD X src_reg 11", MOV0, I(0x0f, 0, 11, 0, 0), EXIT);
	CASE("ALU64 ADD X src_reg 11 and imm 1", MOV0, I(0x0f, 0, 11, 0, 1), EXIT);
	CASE("ALU64 ADD K dst_reg 12", MOV0, I(0x07, 12, 0, 0, 1), EXIT);
	CASE("ALU64 ADD K dst_reg 10", MOV0, I(0x07, 10, 0, 0, 1), EXIT);
	CASE("ALU64 ADD X dst_reg 10 src_reg 11", MOV0, I(0x0f, 10, 11, 0, 0), EXIT);
	CASE("ALU64 DIV K dst_reg 10 imm 0", MOV0, I(0x37, 10, 0, 0, 0), EXIT);
	CASE("ALU64 LSH K dst_reg 11 imm 99", MOV0, I(0x67, 11, 0, 0, 99), EXIT);
	CASE("ALU64 NEG dst_reg 10", MOV0, I(0x87, 10, 0, 0, 0), EXIT);
	CASE("ALU64 NEG dst_reg 13", MOV0, I(0x87, 13, 0, 0, 0), EXIT);
	CASE("ALU END dst_reg 10", MOV0, I(0xd4, 10, 0, 0, 16), EXIT);
	CASE("ALU64 MOV X dst_reg 10 src_reg 11", I(0xbf, 10, 11, 0, 0), MOV0, EXIT);
	CASE("ALU64 MOV X dst_reg 10 src_reg 1", I(0xbf, 10, 1, 0, 0), MOV0, EXIT);
	CASE("ALU64 MOV X dst_reg 11 src_reg 1", I(0xbf, 11, 1, 0, 0), MOV0, EXIT);
	CASE("LDX dst_reg 10", I(0x61, 10, 1, 0, 0), MOV0, EXIT);
	CASE("LDX dst_reg 11", I(0x61, 11, 1, 0, 0), MOV0, EXIT);
	CASE("LDX src_reg 11", I(0x61, 0, 11, 0, 0), MOV0, EXIT);
	CASE("LDX src_reg 11 dst_reg 10", I(0x61, 10, 11, 0, 0), MOV0, EXIT);
	CASE("STX dst_reg 11", I(0x63, 11, 1, 0, 0), MOV0, EXIT);
	CASE("STX src_reg 11", I(0x63, 10, 11, -4, 0), MOV0, EXIT);
	CASE("STX src_reg 11 dst_reg 12", I(0x63, 12, 11, -4, 0), MOV0, EXIT);
	CASE("ST dst_reg 11", I(0x62, 11, 0, -4, 0), MOV0, EXIT);
	CASE("JEQ K dst_reg 11", MOV0, I(0x15, 11, 0, 0, 0), EXIT);
	CASE("JEQ X src_reg 11", MOV0, I(0x1d, 0, 11, 0, 0), EXIT);
	CASE("JEQ X src_reg 11 dst_reg 12", MOV0, I(0x1d, 12, 11, 0, 0), EXIT);
	CASE("JEQ X src_reg 2 uninit, dst_reg 11", MOV0, I(0x1d, 11, 2, 0, 0), EXIT);
	CASE("JEQ K dst_reg 10 (fp compare)", MOV0, I(0x15, 10, 0, 0, 0), EXIT);
	CASE("ld_imm64 with off 1 and dst_reg 11", I(0x18, 11, 0, 1, 1), I(0, 0, 0, 0, 0), MOV0, EXIT);
	CASE("LD ABS with src_reg 1", I(0xbf, 6, 1, 0, 0), I(0x20, 0, 1, 0, 0), MOV0, EXIT);
	CASE("LD IND with src_reg 11", I(0xbf, 6, 1, 0, 0), I(0x40, 0, 11, 0, 0), MOV0, EXIT);
	CASE("valid: LD ABS W", I(0xbf, 6, 1, 0, 0), I(0x20, 0, 0, 0, 0), MOV0, EXIT);
	CASE("LD ABS without r6 = ctx", I(0x20, 0, 0, 0, 0), MOV0, EXIT);
	/* two do_check defects: which one is reported */
	CASE("two reserved-field defects: 1 and 2", MOV0, I(0x07, 0, 1, 0, 1), I(0x87, 0, 0, 0, 1), EXIT);
	CASE("defect in a branch target and one on the fall-through", I(0xbf, 0, 1, 0, 0), I(0x55, 0, 0, 2, 0), I(0x07, 0, 1, 0, 1), EXIT, I(0x87, 0, 0, 0, 1), EXIT);
	CASE("defect only in dead code behind a known branch", MOV0, I(0x15, 0, 0, 1, 0), I(0x07, 0, 1, 0, 1), EXIT);
	CASE("helper not allowed on a dead branch", MOV0, I(0x15, 0, 0, 1, 0), I(0x85, 0, 0, 0, 58), EXIT);
	CASE("JEQ X with imm 1 and dst_reg 11", MOV0, I(0x1d, 11, 0, 0, 1), EXIT);
	CASE("ALU64 NEG with src_reg 1 and dst_reg 11", MOV0, I(0x87, 11, 1, 0, 0), EXIT);
	CASE("ALU64 DIV K off 1 (SDIV) with imm 0", MOV0, I(0x37, 0, 0, 1, 0), EXIT);
	CASE("ALU64 ADD K off 1", MOV0, I(0x07, 0, 0, 1, 0), EXIT);
	CASE("ALU64 MOD X off 1 (SMOD)", MOV0, I(0x9f, 0, 0, 1, 0), EXIT);
	CASE("ALU MOV K with off 1", I(0xb4, 0, 0, 1, 0), EXIT);
	CASE("ALU MOV X with off 8 (MOVSX)", MOV0, I(0xbc, 0, 0, 8, 0), EXIT);
	CASE("ALU64 MOV X off 1 imm 2 (addr_space_cast bad spaces)", MOV0, I(0xbf, 0, 1, 1, 2), EXIT);
	CASE("ALU64 MOV X off 1 imm 0x10000 (addr_space_cast 1 to 0)", MOV0, I(0xbf, 0, 1, 1, 0x10000), EXIT);
	CASE("ALU END (LE) with imm 64", MOV0, I(0xd4, 0, 0, 0, 64), EXIT);
	CASE("ALU64 END with imm 32", MOV0, I(0xd7, 0, 0, 0, 32), EXIT);
	CASE("ALU64 RSH X with imm 0 (valid form)", MOV0, I(0x7f, 0, 0, 0, 0), EXIT);
	CASE("ALU RSH K imm 31 (valid)", MOV0, I(0x74, 0, 0, 0, 31), EXIT);
	CASE("CALL pseudo with off 1", I(0x85, 0, 1, 1, 2), MOV0, EXIT, MOV0, EXIT);
	CASE("JA with src_reg 1 and out of range", MOV0, I(0x05, 0, 1, 9, 0), EXIT);
	CASE("last insn is may_goto", MOV0, EXIT, I(0xe5, 0, 0, -2, 0));
	CASE("EXIT last with off 5", MOV0, I(0x95, 0, 0, 5, 0));
	CASE("ST MEM DW with off -8 (valid)", I(0x7a, 10, 0, -8, 5), MOV0, EXIT);
	CASE("LDX MEMSX W with imm 1", I(0x81, 0, 10, -4, 1), MOV0, EXIT);
	CASE("LD ABS DW? (0x38 is unknown) LD ABS H with dst 0 off 0 src 0, r6 ctx", I(0xbf, 6, 1, 0, 0), I(0x28, 0, 0, 0, 0), MOV0, EXIT);
	{
		uint32_t n = 5000;
		struct bpf_insn *p = calloc(n, sizeof(*p));
		for (uint32_t i = 0; i + 1 < n; i++)
			p[i] = (struct bpf_insn)MOV0;
		p[n - 1] = (struct bpf_insn)EXIT;
		rec("valid: 5000 instructions (> BPF_MAXINSNS 4096, root)", p, n);
		free(p);
	}
	{
		uint32_t n = 1000000;
		struct bpf_insn *p = calloc(n, sizeof(*p));
		for (uint32_t i = 0; i + 1 < n; i++)
			p[i] = (struct bpf_insn)MOV0;
		p[n - 1] = (struct bpf_insn)EXIT;
		p[n - 2] = (struct bpf_insn)I(0xff, 0, 0, 0, 0);
		rec("1000000 instructions, unknown opcode at 999998", p, n);
		free(p);
	}
	fputs("\n],\"atomics\":[\n", out);
	first = 1;
	{
		static const int ops[] = {0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe0, 0xe1, 0xf0, 0xf1, 0x100, 0x110, 0x02, 0x10, 0x101, 0x111, 0x99};
		static const int sizes[] = {0x00, 0x08, 0x10, 0x18}; /* W H B DW */
		for (unsigned si = 0; si < 4; si++)
			for (unsigned oi = 0; oi < sizeof(ops) / sizeof(ops[0]); oi++) {
				char name[64];
				uint8_t code = 0xc3 | sizes[si];
				/* r10-8 initialised; r1 = 1; r0 = 1 (cmpxchg reads r0) */
				struct bpf_insn p[] = {I(0x7a, 10, 0, -8, 0), I(0xb7, 1, 0, 0, 1), I(0xb7, 0, 0, 0, 1),
						       I(code, 10, 1, -8, ops[oi]), MOV0, EXIT};
				snprintf(name, sizeof(name), "atomic code %02x imm %#x", code, ops[oi]);
				rec(name, p, 6);
			}
	}
	fputs("\n],\"opcodes\":\"", out);
	for (int c = 0; c < 256; c++) {
		struct bpf_insn p[] = {I(c, 0, 0, 0, 0), MOV0, EXIT};
		int r = prog_load(BPF_PROG_TYPE_SCHED_CLS, p, 3, 1);
		char want[32];
		snprintf(want, sizeof(want), "unknown opcode %02x", c);
		fputc(strstr(prog_log, want) ? 'u' : strstr(prog_log, "BPF_LDX uses reserved fields") ? 'l' : 'k', out);
		if (r >= 0)
			close(r);
	}
	fputs("\"}\n", out);
	return 0;
}
