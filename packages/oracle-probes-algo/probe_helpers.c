/* For every helper id 0..__BPF_FUNC_MAX_ID-1: its name as the verifier prints it, and whether
 * each of a few program types may call it (GPL license, root). Output: fixtures/helpers.json. */
#include "common.h"

#define NTYPES 5
static const struct { const char *name; uint32_t type; } types[NTYPES] = {
	{"BPF_PROG_TYPE_SCHED_CLS", BPF_PROG_TYPE_SCHED_CLS},
	{"BPF_PROG_TYPE_SCHED_ACT", BPF_PROG_TYPE_SCHED_ACT},
	{"BPF_PROG_TYPE_XDP", BPF_PROG_TYPE_XDP},
	{"BPF_PROG_TYPE_SOCKET_FILTER", BPF_PROG_TYPE_SOCKET_FILTER},
	{"BPF_PROG_TYPE_CGROUP_SKB", BPF_PROG_TYPE_CGROUP_SKB},
};

int main(void)
{
	FILE *out = stdout;
	char names[512][96];
	int max = 0;
	static char allowed[NTYPES][512];
	for (int id = 0; id < 512; id++) {
		/* the exit has a reserved field set, so even an allowed call fails after the log shows "call NAME#ID" */
		struct bpf_insn p[] = {{.code = 0x85, .imm = id}, {.code = 0xb7}, {.code = 0x95, .imm = 1}};
		for (int t = 0; t < NTYPES; t++) {
			int r = prog_load(types[t].type, p, 3, 1);
			if (r >= 0)
				close(r);
			if (strstr(prog_log, "invalid func unknown#")) {
				max = id;
				goto done;
			}
			allowed[t][id] = strstr(prog_log, "program of this type cannot use helper") ? '0' : '1';
			if (t == 0) {
				char *s = strstr(prog_log, "call "), *e;
				if (!s || !(e = strchr(s, '#'))) {
					fprintf(stderr, "no name for %d\n%s\n", id, prog_log);
					return 1;
				}
				snprintf(names[id], sizeof(names[id]), "%.*s", (int)(e - s - 5), s + 5);
			}
		}
	}
done:
	fprintf(out, "{\"max_id\":%d,\"names\":[", max);
	for (int id = 0; id < max; id++) {
		fputs(id ? "," : "", out);
		put_str(out, names[id]);
	}
	fputs("],\"allowed\":{", out);
	for (int t = 0; t < NTYPES; t++) {
		allowed[t][max] = 0;
		fprintf(out, "%s\"%s\":\"%s\"", t ? "," : "", types[t].name, allowed[t]);
	}
	fputs("}}\n", out);
	return 0;
}
