/* Create-time checks and element-operation semantics of BPF_MAP_TYPE_HASH and BPF_MAP_TYPE_ARRAY on
 * the live kernel. Output: JSON on stdout (fixtures/map_semantics.json); MAPS.md is written from it. */
#include "common.h"

#ifndef BPF_F_MMAPABLE
#define BPF_F_MMAPABLE (1U << 10)
#endif

static FILE *out;
static int first = 1;

static void rec(const char *map, const char *what, int r)
{
	fprintf(out, "%s{\"map\":\"%s\",\"case\":", first ? "" : ",\n", map);
	first = 0;
	put_str(out, what);
	fprintf(out, ",\"ret\":\"%s\"}", errname(r < 0 ? r : 0));
}

static void rec_next(const char *map, const char *what, int r, uint32_t next)
{
	fprintf(out, "%s{\"map\":\"%s\",\"case\":", first ? "" : ",\n", map);
	first = 0;
	put_str(out, what);
	fprintf(out, ",\"ret\":\"%s\"", errname(r < 0 ? r : 0));
	if (r == 0)
		fprintf(out, ",\"next\":%u", next);
	fputc('}', out);
}

static int create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags, uint64_t extra)
{
	return map_create(type, ks, vs, max, flags, extra);
}

static void create_case(const char *map, uint32_t type, const char *what, uint32_t ks, uint32_t vs, uint32_t max,
			uint32_t flags, uint64_t extra)
{
	int fd = create(type, ks, vs, max, flags, extra);
	rec(map, what, fd);
	if (fd >= 0)
		close(fd);
}

static void create_numa(const char *map, uint32_t type, const char *what, uint32_t node)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	a.map_flags = 1 << 2; /* BPF_F_NUMA_NODE */
	a.numa_node = node;
	int fd = (int)sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	rec(map, what, fd);
	if (fd >= 0)
		close(fd);
}

static void hash_ops(const char *map, uint32_t flags)
{
	uint64_t v = 0x1122334455667788ULL, got;
	uint32_t k1 = 1, k2 = 2, k3 = 3, nk;
	char name[128];
	int fd = create(BPF_MAP_TYPE_HASH, 4, 8, 2, flags, 0);
#define R(what, expr) do { snprintf(name, sizeof(name), "%s", what); rec(map, name, (expr)); } while (0)
	R("get_next_key NULL on an empty map", map_next(fd, NULL, &nk));
	R("get_next_key of a missing key on an empty map", map_next(fd, &k1, &nk));
	R("lookup missing key", map_lookup(fd, &k1, &got, 0));
	R("delete missing key", map_delete(fd, &k1));
	R("update BPF_EXIST missing key", map_update(fd, &k1, &v, BPF_EXIST));
	R("update BPF_NOEXIST new key", map_update(fd, &k1, &v, BPF_NOEXIST));
	R("update BPF_NOEXIST existing key", map_update(fd, &k1, &v, BPF_NOEXIST));
	R("update BPF_EXIST existing key", map_update(fd, &k1, &v, BPF_EXIST));
	R("update BPF_ANY existing key", map_update(fd, &k1, &v, BPF_ANY));
	R("update flags 3 (NOEXIST|EXIST)", map_update(fd, &k1, &v, 3));
	R("update flags 8", map_update(fd, &k1, &v, 8));
	R("update flags 1<<32", map_update(fd, &k1, &v, 1ULL << 32));
	R("update BPF_F_LOCK, no bpf_spin_lock in value", map_update(fd, &k1, &v, 4));
	R("update BPF_F_LOCK|BPF_EXIST, no bpf_spin_lock", map_update(fd, &k1, &v, 6));
	R("update BPF_F_LOCK|flags 8, no bpf_spin_lock", map_update(fd, &k1, &v, 12));
	R("lookup existing key", map_lookup(fd, &k1, &got, 0));
	R("lookup flags BPF_F_LOCK, no bpf_spin_lock", map_lookup(fd, &k1, &got, 4));
	R("lookup flags 1", map_lookup(fd, &k1, &got, 1));
	R("update BPF_ANY second key (map now full: max_entries 2)", map_update(fd, &k2, &v, BPF_ANY));
	R("full map: update BPF_ANY new key", map_update(fd, &k3, &v, BPF_ANY));
	R("full map: update BPF_NOEXIST new key", map_update(fd, &k3, &v, BPF_NOEXIST));
	R("full map: update BPF_EXIST new key", map_update(fd, &k3, &v, BPF_EXIST));
	R("full map: update BPF_ANY existing key", map_update(fd, &k1, &v, BPF_ANY));
	R("full map: update BPF_EXIST existing key", map_update(fd, &k2, &v, BPF_EXIST));
	R("full map: update BPF_NOEXIST existing key", map_update(fd, &k2, &v, BPF_NOEXIST));
	R("delete existing key", map_delete(fd, &k1));
	R("after delete: update BPF_ANY new key", map_update(fd, &k3, &v, BPF_ANY));
	{
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.map_fd = fd;
		a.key = (uint64_t)(uintptr_t)&k3;
		a.value = (uint64_t)(uintptr_t)&got;
		R("lookup_and_delete existing key", (int)sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a)));
		R("lookup_and_delete missing key", (int)sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a)));
		a.flags = 4;
		R("lookup_and_delete flags BPF_F_LOCK, no bpf_spin_lock", (int)sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a)));
		a.flags = 1;
		R("lookup_and_delete flags 1", (int)sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a)));
		memset(&a, 0, sizeof(a));
		a.map_fd = fd;
		R("freeze", (int)sys_bpf(BPF_MAP_FREEZE, &a, sizeof(a)));
		R("frozen: update", map_update(fd, &k1, &v, BPF_ANY));
		R("frozen: delete", map_delete(fd, &k2));
		R("frozen: lookup", map_lookup(fd, &k2, &got, 0));
	}
	close(fd);
	fd = create(BPF_MAP_TYPE_HASH, 4, 8, 2, flags | (1 << 3), 0);
	R("BPF_F_RDONLY map: update", map_update(fd, &k1, &v, BPF_ANY));
	R("BPF_F_RDONLY map: lookup", map_lookup(fd, &k1, &got, 0));
	R("BPF_F_RDONLY map: delete", map_delete(fd, &k1));
	R("BPF_F_RDONLY map: get_next_key", map_next(fd, NULL, &nk));
	close(fd);
	fd = create(BPF_MAP_TYPE_HASH, 4, 8, 2, flags | (1 << 4), 0);
	R("BPF_F_WRONLY map: update", map_update(fd, &k1, &v, BPF_ANY));
	R("BPF_F_WRONLY map: lookup", map_lookup(fd, &k1, &got, 0));
	R("BPF_F_WRONLY map: get_next_key", map_next(fd, NULL, &nk));
	R("BPF_F_WRONLY map: delete", map_delete(fd, &k1));
	close(fd);
	/* max_entries 1 and a full map: does a prealloc map hold exactly max_entries? */
	fd = create(BPF_MAP_TYPE_HASH, 4, 8, 1, flags, 0);
	R("max_entries 1: first key", map_update(fd, &k1, &v, BPF_ANY));
	R("max_entries 1: second key", map_update(fd, &k2, &v, BPF_ANY));
	R("max_entries 1: replace the key", map_update(fd, &k1, &v, BPF_ANY));
	close(fd);
#undef R
}

static void array_ops(void)
{
	const char *map = "ARRAY";
	uint64_t v = 0x1122334455667788ULL, got;
	uint32_t k, nk = 0xdeadbeef;
	int fd = create(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0);
#define R(what, expr) rec(map, what, (expr))
#define N(what, keyp) do { nk = 0xdeadbeef; int r_ = map_next(fd, keyp, &nk); rec_next(map, what, r_, nk); } while (0)
	k = 0; R("lookup index 0 (never written)", map_lookup(fd, &k, &got, 0));
	k = 3; R("lookup index max_entries-1", map_lookup(fd, &k, &got, 0));
	k = 4; R("lookup index max_entries", map_lookup(fd, &k, &got, 0));
	k = 0xffffffff; R("lookup index 0xffffffff", map_lookup(fd, &k, &got, 0));
	k = 0; R("update BPF_ANY index 0", map_update(fd, &k, &v, BPF_ANY));
	k = 0; R("update BPF_EXIST index 0", map_update(fd, &k, &v, BPF_EXIST));
	k = 1; R("update BPF_EXIST index 1 (never written)", map_update(fd, &k, &v, BPF_EXIST));
	k = 0; R("update BPF_NOEXIST index 0", map_update(fd, &k, &v, BPF_NOEXIST));
	k = 2; R("update BPF_NOEXIST index 2 (never written)", map_update(fd, &k, &v, BPF_NOEXIST));
	k = 4; R("update BPF_ANY index max_entries", map_update(fd, &k, &v, BPF_ANY));
	k = 4; R("update BPF_NOEXIST index max_entries", map_update(fd, &k, &v, BPF_NOEXIST));
	k = 4; R("update flags 3 index max_entries", map_update(fd, &k, &v, 3));
	k = 0; R("update flags 3", map_update(fd, &k, &v, 3));
	k = 0; R("update flags 8", map_update(fd, &k, &v, 8));
	k = 0; R("update BPF_F_LOCK, no bpf_spin_lock", map_update(fd, &k, &v, 4));
	k = 0; R("lookup flags BPF_F_LOCK, no bpf_spin_lock", map_lookup(fd, &k, &got, 4));
	k = 0; R("delete index 0", map_delete(fd, &k));
	k = 9; R("delete index out of range", map_delete(fd, &k));
	N("get_next_key NULL", NULL);
	k = 0; N("get_next_key 0", &k);
	k = 2; N("get_next_key 2", &k);
	k = 3; N("get_next_key max_entries-1", &k);
	k = 4; N("get_next_key max_entries", &k);
	k = 0xffffffff; N("get_next_key 0xffffffff", &k);
	{
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.map_fd = fd;
		k = 0;
		a.key = (uint64_t)(uintptr_t)&k;
		a.value = (uint64_t)(uintptr_t)&got;
		R("lookup_and_delete index 0", (int)sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a)));
	}
	close(fd);
	fd = create(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0);
	N("max_entries 1: get_next_key NULL", NULL);
	k = 0; N("max_entries 1: get_next_key 0", &k);
	k = 1; N("max_entries 1: get_next_key 1", &k);
	close(fd);
#undef N
#undef R
}

int main(void)
{
	out = stdout;
	fputs("{\"cases\":[\n", out);
	const uint32_t H = BPF_MAP_TYPE_HASH, A = BPF_MAP_TYPE_ARRAY;
	create_case("HASH", H, "create ok (4, 8, 4)", 4, 8, 4, 0, 0);
	create_case("HASH", H, "key_size 0", 0, 8, 4, 0, 0);
	create_case("HASH", H, "value_size 0", 4, 0, 4, 0, 0);
	create_case("HASH", H, "max_entries 0", 4, 8, 0, 0, 0);
	create_case("HASH", H, "key_size 512 (MAX_BPF_STACK)", 512, 8, 4, 0, 0);
	create_case("HASH", H, "key_size 513", 513, 8, 4, 0, 0);
	create_case("HASH", H, "key_size 65536", 65536, 8, 4, 1, 0);
	create_case("HASH", H, "key_size 4194252, value_size 4 (NO_PREALLOC)", 4194252, 4, 1, 1, 0);
	create_case("HASH", H, "key 4 + value 4194251 = KMALLOC_MAX_SIZE - 49 (NO_PREALLOC)", 4, 4194251, 1, 1, 0);
	create_case("HASH", H, "key 4 + value 4194252 = KMALLOC_MAX_SIZE - 48 (NO_PREALLOC)", 4, 4194252, 1, 1, 0);
	create_case("HASH", H, "value_size 0xffffffff", 4, 0xffffffffu, 1, 1, 0);
	create_case("HASH", H, "max_entries 0x80000001 (> 2^31)", 4, 8, 0x80000001u, 1, 0);
	create_case("HASH", H, "max_entries 0x10000001 (n_buckets 2^29 > U32_MAX/16)", 4, 8, 0x10000001u, 1, 0);
	create_case("HASH", H, "max_entries 0x08000001 (n_buckets 2^28 > U32_MAX/16)", 4, 8, 0x08000001u, 1, 0);
	create_case("HASH", H, "BPF_F_NO_PREALLOC", 4, 8, 4, 1, 0);
	create_case("HASH", H, "BPF_F_NO_COMMON_LRU", 4, 8, 4, 2, 0);
	create_case("HASH", H, "BPF_F_ZERO_SEED", 4, 8, 4, BPF_F_ZERO_SEED, 0);
	create_case("HASH", H, "BPF_F_RDONLY", 4, 8, 4, 1 << 3, 0);
	create_case("HASH", H, "BPF_F_WRONLY", 4, 8, 4, 1 << 4, 0);
	create_case("HASH", H, "BPF_F_RDONLY|BPF_F_WRONLY", 4, 8, 4, 3 << 3, 0);
	create_case("HASH", H, "BPF_F_RDONLY_PROG|BPF_F_WRONLY_PROG", 4, 8, 4, 3 << 7, 0);
	create_case("HASH", H, "BPF_F_MMAPABLE", 4, 8, 4, BPF_F_MMAPABLE, 0);
	create_case("HASH", H, "BPF_F_INNER_MAP", 4, 8, 4, 1 << 12, 0);
	create_case("HASH", H, "BPF_F_STACK_BUILD_ID", 4, 8, 4, 1 << 5, 0);
	create_case("HASH", H, "map_flags 1<<20", 4, 8, 4, 1 << 20, 0);
	create_case("HASH", H, "map_extra 1", 4, 8, 4, 0, 1);
	create_numa("HASH", H, "BPF_F_NUMA_NODE node 0", 0);
	create_numa("HASH", H, "BPF_F_NUMA_NODE node 99", 99);
	create_case("ARRAY", A, "create ok (4, 8, 4)", 4, 8, 4, 0, 0);
	create_case("ARRAY", A, "key_size 8", 8, 8, 4, 0, 0);
	create_case("ARRAY", A, "key_size 0", 0, 8, 4, 0, 0);
	create_case("ARRAY", A, "value_size 0", 4, 0, 4, 0, 0);
	create_case("ARRAY", A, "max_entries 0", 4, 8, 0, 0, 0);
	create_case("ARRAY", A, "value_size KMALLOC_MAX_SIZE (4 MiB)", 4, 4 << 20, 1, 0, 0);
	create_case("ARRAY", A, "value_size KMALLOC_MAX_SIZE+1", 4, (4 << 20) + 1, 1, 0, 0);
	create_case("ARRAY", A, "value_size 0x7fffffff (INT_MAX), max_entries 64: 128 GiB, more than RAM", 4, 0x7fffffffu, 64, 0, 0);
	create_case("ARRAY", A, "value_size 0x80000000 (> INT_MAX)", 4, 0x80000000u, 1, 0, 0);
	create_case("ARRAY", A, "value_size 8, max_entries 0xffffffff: 32 GiB, more than RAM", 4, 8, 0xffffffffu, 0, 0);
	create_case("ARRAY", A, "BPF_F_NO_PREALLOC", 4, 8, 4, 1, 0);
	create_case("ARRAY", A, "BPF_F_ZERO_SEED", 4, 8, 4, BPF_F_ZERO_SEED, 0);
	create_case("ARRAY", A, "BPF_F_MMAPABLE", 4, 8, 4, BPF_F_MMAPABLE, 0);
	create_case("ARRAY", A, "BPF_F_RDONLY_PROG", 4, 8, 4, 1 << 7, 0);
	create_case("ARRAY", A, "BPF_F_RDONLY|BPF_F_WRONLY", 4, 8, 4, 3 << 3, 0);
	create_case("ARRAY", A, "BPF_F_PRESERVE_ELEMS", 4, 8, 4, 1 << 11, 0);
	create_case("ARRAY", A, "BPF_F_INNER_MAP", 4, 8, 4, 1 << 12, 0);
	create_case("ARRAY", A, "map_flags 1<<20", 4, 8, 4, 1 << 20, 0);
	create_case("ARRAY", A, "map_extra 1", 4, 8, 4, 0, 1);
	hash_ops("HASH", 0);
	hash_ops("HASH(BPF_F_NO_PREALLOC)", 1);
	array_ops();
	fputs("\n]}\n", out);
	return 0;
}
