/* Records the order in which BPF_MAP_GET_NEXT_KEY walks BPF_F_ZERO_SEED hash maps after scripted
 * updates and deletes. Output: JSON on stdout (fixtures/htab_order.json). */
#include "common.h"

static FILE *out;
static int first_op;
static uint8_t *ktab;
static uint32_t kcount;

/* Index of a key in this case's key table, -1 if absent. */
static long kidx(const uint8_t *k, uint32_t ks)
{
	for (uint32_t i = 0; i < kcount; i++)
		if (!memcmp(ktab + (size_t)i * ks, k, ks))
			return i;
	return -1;
}

static void put_key(const uint8_t *k, uint32_t ks)
{
	long i = kidx(k, ks);
	if (i >= 0)
		fprintf(out, "%ld", i);
	else
		put_hex(out, k, ks);
}

static void walk(int fd, uint32_t ks)
{
	uint8_t cur[512], nxt[512];
	int have = 0, n = 0, r;
	fprintf(out, "%s{\"op\":\"walk\",\"keys\":[", first_op ? "" : ",\n");
	first_op = 0;
	for (;;) {
		r = map_next(fd, have ? cur : NULL, nxt);
		if (r < 0)
			break;
		fprintf(out, "%s", n++ ? "," : "");
		put_key(nxt, ks);
		memcpy(cur, nxt, ks);
		have = 1;
	}
	fprintf(out, "],\"end\":\"%s\"}", errname(r));
}

static void op_update(int fd, const uint8_t *key, uint32_t ks, uint32_t vs)
{
	uint8_t val[8 * 256]; /* per-CPU maps take a value per possible CPU */
	memset(val, 0xab, sizeof(val));
	int r = map_update(fd, key, val, BPF_ANY);
	fprintf(out, "%s{\"op\":\"update\",\"key\":", first_op ? "" : ",\n");
	first_op = 0;
	put_key(key, ks);
	fprintf(out, ",\"ret\":\"%s\"}", errname(r));
	(void)vs;
}

static void op_delete(int fd, const uint8_t *key, uint32_t ks)
{
	int r = map_delete(fd, key);
	fprintf(out, "%s{\"op\":\"delete\",\"key\":", first_op ? "" : ",\n");
	first_op = 0;
	put_key(key, ks);
	fprintf(out, ",\"ret\":\"%s\"}", errname(r));
}

static void op_next(int fd, const uint8_t *key, uint32_t ks)
{
	uint8_t nxt[512];
	int r = map_next(fd, key, nxt);
	fprintf(out, "%s{\"op\":\"next\",\"key\":", first_op ? "" : ",\n");
	first_op = 0;
	if (key)
		put_key(key, ks);
	else
		fputs("null", out);
	fprintf(out, ",\"ret\":\"%s\",\"next\":", errname(r));
	if (r == 0)
		put_key(nxt, ks);
	else
		fputs("null", out);
	fputc('}', out);
}

/* One scripted case: insert `n` random keys, walk; re-update the first n/2 keys in order (in a
 * HASH or LRU_HASH map each moves to the head of its bucket, ahead of keys of the second half), walk; delete every 4th key, walk; insert n/2 more, walk; a few next-key probes. */
static void run_case_type(int *first_case, uint32_t type, uint32_t ks, uint32_t max_entries, uint32_t flags, uint32_t n)
{
	uint32_t vs = 8;
	int fd = map_create(type, ks, vs, max_entries, flags | BPF_F_ZERO_SEED, 0);
	if (fd < 0) {
		fprintf(stderr, "create ks=%u max=%u: %d\n", ks, max_entries, fd);
		exit(1);
	}
	uint8_t *keys = calloc(n + n / 2, ks);
	rng_bytes(keys, (size_t)(n + n / 2) * ks);
	fprintf(out, "%s{\"map_type\":%u,\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,\"map_flags\":%u,\"keys\":[",
		*first_case ? "" : ",\n", type, ks, vs, max_entries, flags | BPF_F_ZERO_SEED);
	/* Key table: the distinct keys of the script in first-use order; ops name keys by index. */
	ktab = calloc(n + n / 2 + 1, ks);
	kcount = 0;
	for (uint32_t i = 0; i < n + n / 2; i++)
		if (kidx(keys + (size_t)i * ks, ks) < 0)
			memcpy(ktab + (size_t)kcount++ * ks, keys + (size_t)i * ks, ks);
	fputs("\n", out);
	for (uint32_t i = 0; i < kcount; i++) {
		fprintf(out, "%s", i ? "," : "");
		put_hex(out, ktab + (size_t)i * ks, ks);
	}
	fputs("],\"ops\":[\n", out);
	*first_case = 0;
	first_op = 1;
	for (uint32_t i = 0; i < n; i++)
		op_update(fd, keys + (size_t)i * ks, ks, vs);
	walk(fd, ks);
	for (uint32_t i = 0; i < n / 2; i++)
		op_update(fd, keys + (size_t)i * ks, ks, vs);
	walk(fd, ks);
	for (uint32_t i = 1; i < n; i += 4)
		op_delete(fd, keys + (size_t)i * ks, ks);
	walk(fd, ks);
	for (uint32_t i = n; i < n + n / 2; i++)
		op_update(fd, keys + (size_t)i * ks, ks, vs);
	walk(fd, ks);
	op_next(fd, NULL, ks);
	op_next(fd, keys + 1 * ks, ks); /* deleted above: a missing key */
	op_next(fd, keys, ks);
	uint8_t missing[512];
	memset(missing, 0x5a, ks);
	op_next(fd, missing, ks);
	fputs("\n]}", out);
	free(keys);
	free(ktab);
	close(fd);
}

static void run_case(int *first_case, uint32_t ks, uint32_t max_entries, uint32_t flags, uint32_t n)
{
	run_case_type(first_case, BPF_MAP_TYPE_HASH, ks, max_entries, flags, n);
}

int main(void)
{
	static const uint32_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 23, 24, 25, 31, 36, 64, 100, 255, 512};
	int first = 1;
	out = stdout;
	fputs("{\"cases\":[\n", out);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t ks = sizes[i];
		uint32_t n = ks == 1 ? 120 : ks <= 64 ? 200 : 60; /* 1-byte keys repeat: re-updates of existing keys */
		run_case(&first, ks, 4096, 0, n);
	}
	/* Few buckets, many collisions: the in-bucket order matters. */
	run_case(&first, 4, 4, 0, 4);
	run_case(&first, 4, 5, 0, 5);
	run_case(&first, 8, 7, BPF_F_NO_PREALLOC, 7);
	run_case(&first, 3, 16, 0, 16);
	run_case(&first, 16, 64, BPF_F_NO_PREALLOC, 60);
	/* Many buckets: the low 20 bits of the hash decide the order. */
	run_case(&first, 4, 1u << 20, BPF_F_NO_PREALLOC, 400);
	run_case(&first, 13, (1u << 20) - 5, BPF_F_NO_PREALLOC, 400);
	run_case(&first, 40, (1u << 22) + 1, BPF_F_NO_PREALLOC, 300);
	/* Re-updates: PERCPU_HASH copies in place (no move), LRU_HASH links a new element (moves). */
	run_case_type(&first, BPF_MAP_TYPE_PERCPU_HASH, 4, 16, 0, 16);
	run_case_type(&first, BPF_MAP_TYPE_LRU_HASH, 4, 512, 0, 120);
	fputs("\n]}\n", out);
	return 0;
}
