// Live-kernel side of the datapath's checks: loads programs and runs BPF_PROG_TEST_RUN.
// Built on demand with `cc -O2` by packages/datapath/test/kernel.ts and bench/datapath.ts, run as
// root inside `unshare -n`. Reads one command per line on stdin, answers one line per command:
//   MAP <type> <key_size> <value_size> <max_entries> <flags>      -> "ok <map#>" | "err <errno>"
//   UPDATE <map#> <key hex> <value hex>                            -> "ok" | "err <errno>"
//   LOOKUP <map#> <key hex>                                        -> "ok <value hex>" | "err <errno>"
//   PROG <prog_type> <insns hex>                                   -> "ok <prog#>" | "err <errno> <first log line>"
//   PROGLOG ...: the same, with the verifier's log (level 2) on stderr
//   RUN <prog#> <repeat> <data_in hex|-> <ctx_in hex|-> <data_size_out> <ctx_size_out>   (0: no buffer, -1: a buffer with size 0)
//       [flags cpu batch_size]
//      -> "ret <ret> errno <e> retval <u32> duration <ns> data_size_out <n> data_out <hex|-> ctx_size_out <n> ctx_out <hex|->"
// In PROG, an ld_imm64 with src_reg 1 (BPF_PSEUDO_MAP_FD) or 2 carries a map# in imm, replaced by its fd.
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

static int maps[256], nmaps, progs[4096], nprogs;
static char logbuf[1 << 16];

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
  if (!h || strcmp(h, "-") == 0) return 0;
  size_t n = strlen(h) / 2;
  if (n > cap) n = cap;
  for (size_t i = 0; i < n; i++) { unsigned v; sscanf(h + 2 * i, "%2x", &v); out[i] = (uint8_t)v; }
  return n;
}
static void puthex(const uint8_t *b, size_t n) {
  if (n == 0) { fputs("-", stdout); return; }
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static uint8_t buf1[1 << 20], buf2[1 << 16], out1[1 << 20], out2[1 << 16];

int main(void) {
  static char line[1 << 22];
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *save, *cmd = strtok_r(line, " ", &save);
    if (!cmd) continue;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    if (strcmp(cmd, "MAP") == 0) {
      a.map_type = atoi(strtok_r(NULL, " ", &save));
      a.key_size = atoi(strtok_r(NULL, " ", &save));
      a.value_size = atoi(strtok_r(NULL, " ", &save));
      a.max_entries = atoi(strtok_r(NULL, " ", &save));
      a.map_flags = atoi(strtok_r(NULL, " ", &save));
      int fd = sys_bpf(BPF_MAP_CREATE, &a);
      if (fd < 0) printf("err %d\n", errno); else { maps[nmaps] = fd; printf("ok %d\n", nmaps++); }
    } else if (strcmp(cmd, "UPDATE") == 0 || strcmp(cmd, "LOOKUP") == 0) {
      int m = atoi(strtok_r(NULL, " ", &save));
      unhex(strtok_r(NULL, " ", &save), buf1, sizeof buf1);
      a.map_fd = maps[m];
      a.key = (uintptr_t)buf1;
      if (cmd[0] == 'U') {
        unhex(strtok_r(NULL, " ", &save), buf2, sizeof buf2);
        a.value = (uintptr_t)buf2;
        if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0) printf("err %d\n", errno); else printf("ok\n");
      } else {
        union bpf_attr i; memset(&i, 0, sizeof i);
        struct bpf_map_info info; memset(&info, 0, sizeof info);
        i.info.bpf_fd = maps[m]; i.info.info_len = sizeof info; i.info.info = (uintptr_t)&info;
        sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &i);
        a.value = (uintptr_t)buf2;
        if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) < 0) printf("err %d\n", errno);
        else { printf("ok "); puthex(buf2, info.value_size); printf("\n"); }
      }
    } else if (strcmp(cmd, "PROG") == 0 || strcmp(cmd, "PROGLOG") == 0) {
      int verbose = cmd[4] == 'L';
      a.prog_type = atoi(strtok_r(NULL, " ", &save));
      size_t n = unhex(strtok_r(NULL, " ", &save), buf1, sizeof buf1) / 8;
      struct bpf_insn *ins = (struct bpf_insn *)buf1;
      for (size_t k = 0; k < n; k++)
        if (ins[k].code == 0x18 && (ins[k].src_reg == 1 || ins[k].src_reg == 2)) ins[k].imm = maps[ins[k].imm];
      a.insns = (uintptr_t)buf1;
      a.insn_cnt = n;
      a.license = (uintptr_t)"GPL";
      logbuf[0] = 0;
      if (verbose) { a.log_buf = (uintptr_t)logbuf; a.log_size = sizeof logbuf; a.log_level = 2; }
      int fd = sys_bpf(BPF_PROG_LOAD, &a);
      if (fd < 0 && !verbose) { // again with a log, for the verifier's reason
        int e0 = errno;
        a.log_buf = (uintptr_t)logbuf; a.log_size = sizeof logbuf; a.log_level = 1;
        sys_bpf(BPF_PROG_LOAD, &a);
        errno = e0;
      }
      if (verbose) fputs(logbuf, stderr);
      if (fd < 0) {
        // The verifier's last non-empty line says why.
        char *last = logbuf, *p = logbuf;
        for (char *nl; (nl = strchr(p, '\n')); p = nl + 1) { if (nl > p && strncmp(p, "processed", 9) != 0) last = p; }
        char msg[256]; size_t l = strcspn(last, "\n"); if (l > 255) l = 255; memcpy(msg, last, l); msg[l] = 0;
        for (char *c = msg; *c; c++) if (*c == ' ') *c = '_';
        printf("err %d %s\n", errno, msg[0] ? msg : "-");
      } else { progs[nprogs] = fd; printf("ok %d\n", nprogs++); }
    } else if (strcmp(cmd, "RUN") == 0) {
      int p = atoi(strtok_r(NULL, " ", &save));
      int repeat = atoi(strtok_r(NULL, " ", &save));
      size_t din = unhex(strtok_r(NULL, " ", &save), buf1, sizeof buf1);
      char *ctxh = strtok_r(NULL, " ", &save);
      size_t cin = unhex(ctxh, buf2, sizeof buf2);
      int dout = atoi(strtok_r(NULL, " ", &save));
      int cout = atoi(strtok_r(NULL, " ", &save));
      char *fl = strtok_r(NULL, " ", &save), *cpu = strtok_r(NULL, " ", &save), *bs = strtok_r(NULL, " ", &save);
      if (fl) a.test.flags = atoi(fl);
      if (cpu) a.test.cpu = atoi(cpu);
      if (bs) a.test.batch_size = atoi(bs);
      a.test.prog_fd = progs[p];
      a.test.repeat = repeat;
      a.test.data_in = (uintptr_t)buf1; a.test.data_size_in = din;
      // A negative size passes the buffer with size 0 ("no size hint").
      if (dout != 0) { a.test.data_out = (uintptr_t)out1; a.test.data_size_out = dout > 0 ? dout : 0; }
      if (strcmp(ctxh, "-") != 0) { a.test.ctx_in = (uintptr_t)buf2; a.test.ctx_size_in = cin; }
      if (cout != 0) { a.test.ctx_out = (uintptr_t)out2; a.test.ctx_size_out = cout > 0 ? cout : 0; }
      memset(out1, 0, sizeof out1); memset(out2, 0, sizeof out2);
      int r = sys_bpf(BPF_PROG_TEST_RUN, &a);
      int e = r < 0 ? errno : 0;
      size_t dcap = dout > 0 ? (size_t)dout : dout < 0 ? sizeof out1 : 0, ccap = cout > 0 ? (size_t)cout : cout < 0 ? sizeof out2 : 0;
      size_t dn = a.test.data_size_out < dcap ? a.test.data_size_out : dcap;
      size_t cn = a.test.ctx_size_out < ccap ? a.test.ctx_size_out : ccap;
      printf("ret %d errno %d retval %u duration %u data_size_out %u data_out ", r, e, a.test.retval, a.test.duration, a.test.data_size_out);
      puthex(out1, dn);
      printf(" ctx_size_out %u ctx_out ", a.test.ctx_size_out);
      puthex(out2, cn);
      printf("\n");
    } else {
      printf("err bad-command\n");
    }
  }
  return 0;
}
