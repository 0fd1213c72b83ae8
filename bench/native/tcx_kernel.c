// tcx attach, query and detach on the live kernel, timed per operation. Run inside `unshare -n`
// (it uses `lo`, ifindex 1). Prints: attach_ns query_ns detach_ns (means over the iterations).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/syscall.h>

static long sys_bpf(int cmd, void *attr) { return syscall(__NR_bpf, cmd, attr, 160); }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
struct insn { uint8_t code; uint8_t regs; int16_t off; int32_t imm; };

int main(int argc, char **argv) {
  int iters = argc > 1 ? atoi(argv[1]) : 50;
  uint8_t attr[160]; uint32_t *u = (uint32_t *)attr;
  struct insn ins[2] = { {0xb7, 0, 0, 0}, {0x95, 0, 0, 0} };
  memset(attr, 0, sizeof attr); u[0] = 3; u[1] = 2; *(uint64_t *)(attr + 8) = (uintptr_t)ins; *(uint64_t *)(attr + 16) = (uintptr_t)"GPL";
  int pfd = sys_bpf(5, attr);
  if (pfd < 0) { perror("prog load"); return 1; }
  uint32_t ids[8];
  double ta = 0, tq = 0, td = 0;
  for (int i = 0; i < iters; i++) {
    memset(attr, 0, sizeof attr); u[0] = 1; u[1] = pfd; u[2] = 46;   // target_ifindex, attach_bpf_fd, attach_type
    double t0 = now();
    if (sys_bpf(8, attr) < 0) { perror("attach"); return 1; }
    double t1 = now();
    memset(attr, 0, sizeof attr); u[0] = 1; u[1] = 46; *(uint64_t *)(attr + 16) = (uintptr_t)ids; u[6] = 8;  // query: prog_ids at 16, count at 24
    if (sys_bpf(16, attr) < 0) { perror("query"); return 1; }
    double t2 = now();
    memset(attr, 0, sizeof attr); u[0] = 1; u[1] = pfd; u[2] = 46;
    if (sys_bpf(9, attr) < 0) { perror("detach"); return 1; }
    double t3 = now();
    ta += t1 - t0; tq += t2 - t1; td += t3 - t2;
  }
  printf("%f %f %f\n", ta / iters, tq / iters, td / iters);
  return 0;
}
