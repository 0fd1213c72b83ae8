/* BPF_MAP_TYPE_BLOOM_FILTER on the live kernel: create-time checks, operations, the bitset size
 * (memlock in fdinfo) and, for BPF_F_ZERO_SEED maps, which values peek as present after a series
 * of pushes (false positives included). Output: JSON on stdout (fixtures/bloom.json). */
#include "common.h"
#include "jhash_ref.h"
#include <fcntl.h>

#define BLOOM BPF_MAP_TYPE_BLOOM_FILTER

static FILE *out;

static long long memlock(int fd)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int f = open(path, O_RDONLY);
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	close(f);
	buf[n > 0 ? n : 0] = 0;
	char *p = strstr(buf, "memlock:");
	return p ? atoll(p + 8) : -1;
}

static int first_item;
static void create_case(const char *name, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags, uint64_t extra)
{
	int fd = map_create(BLOOM, ks, vs, max, flags, extra);
	fprintf(out, "%s{\"name\":", first_item ? "" : ",\n");
	first_item = 0;
	put_str(out, name);
	fprintf(out, ",\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,\"map_flags\":%u,\"map_extra\":%llu,\"ret\":\"%s\"",
		ks, vs, max, flags, (unsigned long long)extra, errname(fd < 0 ? fd : 0));
	if (fd >= 0) {
		fprintf(out, ",\"memlock\":%lld", memlock(fd));
		close(fd);
	}
	fputc('}', out);
}

static void op_case(const char *name, int r)
{
	fprintf(out, "%s{\"name\":", first_item ? "" : ",\n");
	first_item = 0;
	put_str(out, name);
	fprintf(out, ",\"ret\":\"%s\"}", errname(r));
}

static int push(int fd, const void *v) { return map_update(fd, NULL, v, BPF_ANY); }
static int peek(int fd, void *v) { return map_lookup(fd, NULL, v, 0); }

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Push `np` random values, then peek the pushed ones and `nq` other random ones.
 * If ncoll > 0 (maps with nr_hash_funcs 1 and a huge bitset), also peek `ncoll` values that a
 * transcription of jhash predicts to land on a pushed bit: only the kernel's answer is recorded. */
static void peek_case(int *first, uint32_t vs, uint32_t max, uint64_t extra, uint32_t np, uint32_t nq,
		      uint32_t ncoll, uint32_t coll_mask)
{
	int fd = map_create(BLOOM, 0, vs, max, BPF_F_ZERO_SEED, extra);
	if (fd < 0) {
		fprintf(stderr, "bloom create vs=%u max=%u extra=%llu: %d\n", vs, max, (unsigned long long)extra, fd);
		exit(1);
	}
	uint8_t *v = malloc(vs);
	fprintf(out, "%s{\"value_size\":%u,\"max_entries\":%u,\"map_extra\":%llu,\"map_flags\":%u,\"memlock\":%lld,\"pushed\":[",
		*first ? "" : ",\n", vs, max, (unsigned long long)extra, BPF_F_ZERO_SEED, memlock(fd));
	*first = 0;
	uint8_t *pushed = malloc((size_t)np * vs);
	uint32_t *ph = malloc(np * sizeof(uint32_t));
	for (uint32_t i = 0; i < np; i++) {
		rng_bytes(pushed + (size_t)i * vs, vs);
		int r = push(fd, pushed + (size_t)i * vs);
		if (r) {
			fprintf(stderr, "push: %d\n", r);
			exit(1);
		}
		fprintf(out, "%s", i ? "," : "");
		put_hex(out, pushed + (size_t)i * vs, vs);
		if (vs % 4 == 0)
			ph[i] = ref_jhash2((uint32_t *)(pushed + (size_t)i * vs), vs / 4, 0) & coll_mask;
		else
			ph[i] = ref_jhash(pushed + (size_t)i * vs, vs, 0) & coll_mask;
	}
	fputs("],\"peeks\":[", out);
	int n = 0;
	for (uint32_t i = 0; i < np; i++) {
		memcpy(v, pushed + (size_t)i * vs, vs);
		int r = peek(fd, v);
		fprintf(out, "%s{\"value\":", n++ ? "," : "");
		put_hex(out, pushed + (size_t)i * vs, vs);
		fprintf(out, ",\"ret\":\"%s\"}", errname(r));
	}
	for (uint32_t i = 0; i < nq; i++) {
		uint8_t *q = malloc(vs);
		rng_bytes(q, vs);
		memcpy(v, q, vs);
		int r = peek(fd, v);
		fprintf(out, ",{\"value\":");
		put_hex(out, q, vs);
		fprintf(out, ",\"ret\":\"%s\"}", errname(r));
		free(q);
	}
	if (ncoll) {
		qsort(ph, np, sizeof(uint32_t), cmp_u32);
		uint32_t found = 0;
		uint8_t *q = malloc(vs);
		while (found < ncoll) {
			rng_bytes(q, vs);
			uint32_t h = vs % 4 == 0 ? ref_jhash2((uint32_t *)q, vs / 4, 0) : ref_jhash(q, vs, 0);
			h &= coll_mask;
			if (!bsearch(&h, ph, np, sizeof(uint32_t), cmp_u32))
				continue;
			found++;
			memcpy(v, q, vs);
			int r = peek(fd, v);
			fprintf(out, ",{\"value\":");
			put_hex(out, q, vs);
			fprintf(out, ",\"ret\":\"%s\",\"predicted_collision\":true}", errname(r));
		}
		free(q);
	}
	fputs("]}", out);
	free(pushed);
	free(ph);
	free(v);
	close(fd);
}

/* Every one of the 2^(8*vs) values, for vs 1 or 2: results as a string of '1' (0) / '0' (-ENOENT). */
static void exhaustive_case(int *first, uint32_t vs, uint32_t max, uint64_t extra, uint32_t np)
{
	int fd = map_create(BLOOM, 0, vs, max, BPF_F_ZERO_SEED, extra);
	uint8_t v[2];
	fprintf(out, "%s{\"value_size\":%u,\"max_entries\":%u,\"map_extra\":%llu,\"map_flags\":%u,\"memlock\":%lld,\"pushed\":[",
		*first ? "" : ",\n", vs, max, (unsigned long long)extra, BPF_F_ZERO_SEED, memlock(fd));
	*first = 0;
	for (uint32_t i = 0; i < np; i++) {
		rng_bytes(v, vs);
		push(fd, v);
		fprintf(out, "%s", i ? "," : "");
		put_hex(out, v, vs);
	}
	fputs("],\"all\":\"", out);
	for (uint32_t x = 0; x < (1u << (8 * vs)); x++) {
		v[0] = x & 0xff;
		v[1] = x >> 8;
		fputc(peek(fd, v) == 0 ? '1' : '0', out);
	}
	fputs("\"}", out);
	close(fd);
}

int main(void)
{
	out = stdout;
	fputs("{\"create\":[\n", out);
	first_item = 1;
	create_case("ok: value_size 4, max_entries 1", 0, 4, 1, 0, 0);
	create_case("key_size 4", 4, 4, 1, 0, 0);
	create_case("value_size 0", 0, 0, 1, 0, 0);
	create_case("max_entries 0", 0, 4, 0, 0, 0);
	create_case("map_extra 15", 0, 4, 1, 0, 15);
	create_case("map_extra 16", 0, 4, 1, 0, 16);
	create_case("map_extra 1<<32", 0, 4, 1, 0, 1ULL << 32);
	create_case("BPF_F_NO_PREALLOC", 0, 4, 1, 1, 0);
	create_case("BPF_F_NO_COMMON_LRU", 0, 4, 1, 2, 0);
	create_case("BPF_F_ZERO_SEED", 0, 4, 1, BPF_F_ZERO_SEED, 0);
	create_case("BPF_F_RDONLY", 0, 4, 1, 1 << 3, 0);
	create_case("BPF_F_WRONLY", 0, 4, 1, 1 << 4, 0);
	create_case("BPF_F_RDONLY|BPF_F_WRONLY", 0, 4, 1, 3 << 3, 0);
	create_case("BPF_F_RDONLY_PROG", 0, 4, 1, 1 << 7, 0);
	create_case("BPF_F_WRONLY_PROG", 0, 4, 1, 1 << 8, 0);
	create_case("BPF_F_RDONLY_PROG|BPF_F_WRONLY_PROG", 0, 4, 1, 3 << 7, 0);
	create_case("BPF_F_MMAPABLE", 0, 4, 1, 1 << 10, 0);
	create_case("BPF_F_INNER_MAP", 0, 4, 1, 1 << 12, 0);
	create_case("map_flags 1<<20", 0, 4, 1, 1 << 20, 0);
	create_case("value_size KMALLOC_MAX_SIZE (4 MiB)", 0, 4 << 20, 1, 0, 0);
	create_case("value_size KMALLOC_MAX_SIZE+1", 0, (4 << 20) + 1, 1, 0, 0);
	create_case("value_size 0xffffffff", 0, 0xffffffffu, 1, 0, 0);
	/* Geometry through memlock = sizeof(struct bpf_bloom_filter) + bitset bytes. */
	create_case("geometry 1x5", 0, 4, 1, 0, 0);
	create_case("geometry 9x1", 0, 4, 9, 0, 1);
	create_case("geometry 10x1", 0, 4, 10, 0, 1);
	create_case("geometry 46x1", 0, 4, 46, 0, 1);
	create_case("geometry 47x1", 0, 4, 47, 0, 1);
	create_case("geometry 100x5", 0, 4, 100, 0, 0);
	create_case("geometry 1000x3", 0, 8, 1000, 0, 3);
	create_case("geometry 12345x15", 0, 3, 12345, 0, 15);
	create_case("geometry 65536x5", 0, 8, 65536, 0, 0);
	create_case("geometry 306783378x5 (nr_bits/5*7 = 2^31-2)", 0, 4, 306783378, 0, 0);
	create_case("geometry 306783379x5 (nr_bits/5*7 = 2^31+5 > 2^31)", 0, 4, 306783379, 0, 0);
	create_case("geometry 0x40000000x4 (max*k overflows u32)", 0, 4, 0x40000000, 0, 4);
	create_case("geometry 0xffffffffx1 (nr_bits/5*7 overflows u32)", 0, 4, 0xffffffffu, 0, 1);
	fputs("\n],\"ops\":[\n", out);
	first_item = 1;
	{
		int fd = map_create(BLOOM, 0, 4, 100, BPF_F_ZERO_SEED, 0);
		uint32_t v = 7, k = 1, nk;
		op_case("push BPF_ANY", map_update(fd, NULL, &v, BPF_ANY));
		op_case("push BPF_NOEXIST", map_update(fd, NULL, &v, BPF_NOEXIST));
		op_case("push BPF_EXIST", map_update(fd, NULL, &v, BPF_EXIST));
		op_case("push BPF_F_LOCK", map_update(fd, NULL, &v, 4));
		op_case("push with a non-NULL key", map_update(fd, &k, &v, BPF_ANY));
		op_case("peek pushed value", map_lookup(fd, NULL, &v, 0));
		v = 8;
		op_case("peek other value", map_lookup(fd, NULL, &v, 0));
		v = 7;
		op_case("peek flags BPF_F_LOCK", map_lookup(fd, NULL, &v, 4));
		op_case("peek flags 1", map_lookup(fd, NULL, &v, 1));
		op_case("delete", map_delete(fd, NULL));
		op_case("get_next_key NULL", map_next(fd, NULL, &nk));
		{
			union bpf_attr a;
			memset(&a, 0, sizeof(a));
			a.map_fd = fd;
			a.value = (uint64_t)(uintptr_t)&v;
			op_case("lookup_and_delete (pop)", (int)sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a)));
			memset(&a, 0, sizeof(a));
			a.map_fd = fd;
			op_case("freeze", (int)sys_bpf(BPF_MAP_FREEZE, &a, sizeof(a)));
			op_case("push after freeze", map_update(fd, NULL, &v, BPF_ANY));
			op_case("peek after freeze", map_lookup(fd, NULL, &v, 0));
		}
		close(fd);
	}
	fputs("\n],\"cases\":[\n", out);
	int first = 1;
	peek_case(&first, 4, 1000, 0, 1000, 1000, 0, 0);
	peek_case(&first, 8, 256, 3, 400, 600, 0, 0);
	peek_case(&first, 3, 10, 1, 20, 300, 0, 0);
	peek_case(&first, 5, 2000, 7, 3000, 1000, 0, 0);
	peek_case(&first, 12, 20, 15, 30, 300, 0, 0);
	peek_case(&first, 16, 1, 0, 3, 200, 0, 0);
	peek_case(&first, 13, 300, 4, 500, 500, 0, 0);
	peek_case(&first, 64, 100, 5, 150, 300, 0, 0);
	peek_case(&first, 17, 50, 2, 80, 300, 0, 0);
	/* Full 32-bit hash (bitset_mask U32_MAX) and 31 bits (mask 2^31-1), one hash function. */
	peek_case(&first, 4, 0xffffffffu, 1, 4096, 200, 8, 0xffffffffu);
	peek_case(&first, 5, 0x40000000u, 1, 4096, 200, 8, 0x7fffffffu);
	exhaustive_case(&first, 1, 8, 2, 5);
	exhaustive_case(&first, 2, 1000, 6, 1500);
	fputs("\n]}\n", out);
	return 0;
}
