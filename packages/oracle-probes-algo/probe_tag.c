/* Loads SCHED_CLS programs and records the tag the kernel reports in BPF_OBJ_GET_INFO_BY_FD,
 * with the exact instructions (map fds included) it was given. Output: fixtures/tags.json. */
#include "common.h"

#define I(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV64_IMM(d, i) I(0xb7, d, 0, 0, i)
#define EXIT I(0x95, 0, 0, 0, 0)
#define LD64(d, s, lo, hi) I(0x18, d, s, 0, lo), I(0, 0, 0, 0, hi)

static FILE *out;
static int first = 1;

static void load(const char *name, const struct bpf_insn *p, uint32_t n, const int *fd_array)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_level = 1;
	a.log_buf = (uint64_t)(uintptr_t)prog_log;
	a.log_size = sizeof(prog_log);
	a.fd_array = (uint64_t)(uintptr_t)fd_array;
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0) {
		fprintf(stderr, "%s: load %d\n%s\n", name, fd, prog_log);
		exit(1);
	}
	uint8_t tag[8];
	if (prog_tag(fd, tag)) {
		fprintf(stderr, "%s: info\n", name);
		exit(1);
	}
	fprintf(out, "%s{\"name\":", first ? "" : ",\n");
	first = 0;
	put_str(out, name);
	fputs(",\"tag\":", out);
	put_hex(out, tag, 8);
	fputs(",\"insns\":", out);
	put_insns(out, p, n);
	fputc('}', out);
	close(fd);
}

int main(void)
{
	out = stdout;
	int h1 = map_create(BPF_MAP_TYPE_HASH, 4, 8, 16, 0, 0);
	int h2 = map_create(BPF_MAP_TYPE_HASH, 4, 8, 16, 0, 0);
	int arr = map_create(BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0, 0); /* direct value access needs max_entries 1 */
	if (h1 < 0 || h2 < 0 || arr < 0)
		return 1;
	fputs("{\"tags\":[\n", out);
	{
		struct bpf_insn p[] = {MOV64_IMM(0, 0), EXIT};
		load("r0 = 0; exit", p, 2, NULL);
	}
	{
		struct bpf_insn p[] = {MOV64_IMM(0, 2), EXIT};
		load("r0 = 2; exit", p, 2, NULL);
	}
	{
		struct bpf_insn p[] = {LD64(1, 1, h1, 0), MOV64_IMM(0, 0), EXIT};
		load("ld_imm64 map fd (first map)", p, 4, NULL);
	}
	{
		struct bpf_insn p[] = {LD64(1, 1, h2, 0), MOV64_IMM(0, 0), EXIT};
		load("ld_imm64 map fd (second map, other fd)", p, 4, NULL);
	}
	{
		struct bpf_insn p[] = {LD64(1, 2, arr, 16), MOV64_IMM(0, 0), EXIT};
		load("ld_imm64 map value, offset 16", p, 4, NULL);
	}
	{
		struct bpf_insn p[] = {LD64(1, 2, arr, 0), MOV64_IMM(0, 0), EXIT};
		load("ld_imm64 map value, offset 0", p, 4, NULL);
	}
	{
		struct bpf_insn p[] = {LD64(1, 0, 0x9abcdef0, 0x12345678), MOV64_IMM(0, 0), EXIT};
		load("ld_imm64 constant (src_reg 0 keeps its imm)", p, 4, NULL);
	}
	{
		int fds[2] = {h1, h2};
		struct bpf_insn p[] = {LD64(1, 5, 1, 0), MOV64_IMM(0, 0), EXIT};
		load("ld_imm64 BPF_PSEUDO_MAP_IDX 1 (fd_array)", p, 4, fds);
	}
	{
		int fds[2] = {arr, arr};
		struct bpf_insn p[] = {LD64(1, 6, 1, 8), MOV64_IMM(0, 0), EXIT};
		load("ld_imm64 BPF_PSEUDO_MAP_IDX_VALUE 1, offset 8 (fd_array)", p, 4, fds);
	}
	{
		/* key on the stack, map lookup, branch on the result */
		struct bpf_insn p[] = {
			I(0x62, 10, 0, -4, 7),         /* *(u32 *)(r10 - 4) = 7 */
			I(0xbf, 2, 10, 0, 0),          /* r2 = r10 */
			I(0x07, 2, 0, 0, -4),          /* r2 += -4 */
			LD64(1, 1, h1, 0),             /* r1 = map */
			I(0x85, 0, 0, 0, 1),           /* call bpf_map_lookup_elem */
			I(0xb7, 6, 0, 0, 0),           /* r6 = 0 */
			I(0x15, 0, 0, 1, 0),           /* if r0 == 0 goto +1 */
			I(0x79, 6, 0, 0, 0),           /* r6 = *(u64 *)(r0 + 0) */
			I(0xbf, 0, 6, 0, 0),           /* r0 = r6 */
			EXIT,
		};
		load("map lookup with helper call and branch", p, sizeof(p) / sizeof(p[0]), NULL);
	}
	{
		struct bpf_insn p[] = {
			I(0x85, 0, 0, 0, 7),           /* call bpf_get_prandom_u32 */
			I(0x57, 0, 0, 0, 1),           /* r0 &= 1 */
			LD64(2, 2, arr, 8),
			LD64(3, 1, h2, 0),
			LD64(4, 0, -1, -1),
			I(0x85, 0, 0, 0, 5),           /* call bpf_ktime_get_ns */
			I(0xb7, 0, 0, 0, 0),
			EXIT,
		};
		load("several ld_imm64 kinds and helper calls", p, sizeof(p) / sizeof(p[0]), NULL);
	}
	{
		/* bpf-to-bpf call: main calls a subprogram. */
		struct bpf_insn p[] = {
			I(0x85, 0, 1, 0, 2),           /* call pc+2 */
			I(0x07, 0, 0, 0, 1),           /* r0 += 1 */
			EXIT,
			MOV64_IMM(0, 41),
			EXIT,
		};
		load("bpf-to-bpf call (two subprograms)", p, 5, NULL);
	}
	/* Lengths 1..70 instructions around the 64-byte block and 56-byte padding edges. */
	for (uint32_t n = 2; n <= 70; n++) {
		struct bpf_insn p[80];
		for (uint32_t i = 0; i + 1 < n; i++)
			p[i] = MOV64_IMM(0, (int32_t)(i * 0x01010101u + n));
		p[n - 1] = EXIT;
		char name[64];
		snprintf(name, sizeof(name), "%u instructions", n);
		load(name, p, n, NULL);
	}
	fputs("\n]}\n", out);
	return 0;
}
