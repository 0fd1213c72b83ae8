/* Shared helpers for the bpfsim algo probes: raw bpf(2) calls, a fixed PRNG, JSON output.
 * The Debian headers are older than the kernel, so only long-standing bpf_attr fields are used. */
#define _GNU_SOURCE
#pragma GCC diagnostic ignored "-Wunused-function"
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef BPF_F_ZERO_SEED
#define BPF_F_ZERO_SEED (1U << 6)
#endif

static long sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	long r = syscall(__NR_bpf, cmd, attr, size);
	return r < 0 ? -errno : r;
}

static int map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		      uint32_t flags, uint64_t extra)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = flags;
	a.map_extra = extra;
	return (int)sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

static int map_update(int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return (int)sys_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

static int map_lookup(int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return (int)sys_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
}

static int map_delete(int fd, const void *key)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uint64_t)(uintptr_t)key;
	return (int)sys_bpf(BPF_MAP_DELETE_ELEM, &a, sizeof(a));
}

static int map_next(int fd, const void *key, void *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.next_key = (uint64_t)(uintptr_t)next;
	return (int)sys_bpf(BPF_MAP_GET_NEXT_KEY, &a, sizeof(a));
}

static char prog_log[1 << 20];

/* Loads a program; returns fd or -errno. The verifier log (log_level given) lands in prog_log. */
static int prog_load(uint32_t type, const struct bpf_insn *insns, uint32_t cnt, uint32_t log_level)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	prog_log[0] = 0;
	a.prog_type = type;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	if (log_level) {
		a.log_level = log_level;
		a.log_buf = (uint64_t)(uintptr_t)prog_log;
		a.log_size = sizeof(prog_log);
	}
	return (int)sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

static int prog_tag(int fd, uint8_t tag[8])
{
	struct bpf_prog_info info;
	union bpf_attr a;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	long r = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	if (r < 0)
		return (int)r;
	memcpy(tag, info.tag, 8);
	return 0;
}

/* xorshift64*: fixed seeds make every run of a probe issue the same calls. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}
static void rng_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next() >> 56);
}

static void put_hex(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fputc('"', f);
}

/* JSON string with escapes. */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_insns(FILE *f, const struct bpf_insn *in, uint32_t cnt)
{
	fputc('[', f);
	for (uint32_t i = 0; i < cnt; i++)
		fprintf(f, "%s{\"code\":%u,\"dst_reg\":%u,\"src_reg\":%u,\"off\":%d,\"imm\":%d}", i ? "," : "",
			in[i].code, in[i].dst_reg, in[i].src_reg, in[i].off, in[i].imm);
	fputc(']', f);
}

static const char *errname(int e)
{
	switch (e < 0 ? -e : e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case EPROTO: return "EPROTO";
	case ENOTSUP: return "EOPNOTSUPP";
	case 524: return "ENOTSUPP";
	default: return "E?";
	}
}
