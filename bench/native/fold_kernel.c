// The mixed workload of bench/workload.ts issued to the live kernel: prints events per second.
// Built and run by bench/fold.ts inside `unshare -n` when run as root.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/syscall.h>

static long sys_bpf(int cmd, void *attr) { return syscall(__NR_bpf, cmd, attr, 160); }
struct insn { uint8_t code; uint8_t regs; int16_t off; int32_t imm; };

int main(int argc, char **argv) {
  int cycles = argc > 1 ? atoi(argv[1]) : 200;
  struct timespec t0, t1;
  uint8_t attr[160];
  uint32_t *u = (uint32_t *)attr;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int c = 0; c < cycles; c++) {
    memset(attr, 0, sizeof attr); u[0] = 1; u[1] = 4; u[2] = 8; u[3] = 1024;
    int mfd = sys_bpf(0, attr);
    struct insn ins[4] = { {0x18, 0x11, 0, mfd}, {0, 0, 0, 0}, {0xb7, 0, 0, c & 0xffff}, {0x95, 0, 0, 0} };
    memset(attr, 0, sizeof attr); u[0] = 3; u[1] = 4; *(uint64_t *)(attr + 8) = (uintptr_t)ins; *(uint64_t *)(attr + 16) = (uintptr_t)"GPL";
    int pfd = sys_bpf(5, attr);
    if (mfd < 0 || pfd < 0) { perror("setup"); return 1; }
    uint32_t key; uint32_t val[2];
    for (int i = 0; i < 50; i++) {
      key = i * 31; val[0] = i; val[1] = c;
      memset(attr, 0, sizeof attr); u[0] = mfd; *(uint64_t *)(attr + 8) = (uintptr_t)&key; *(uint64_t *)(attr + 16) = (uintptr_t)val;
      sys_bpf(2, attr);
    }
    for (int i = 0; i < 40; i++) {
      key = i * 31;
      memset(attr, 0, sizeof attr); u[0] = mfd; *(uint64_t *)(attr + 8) = (uintptr_t)&key; *(uint64_t *)(attr + 16) = (uintptr_t)val;
      sys_bpf(1, attr);
    }
    for (int i = 0; i < 5; i++) {
      key = i * 31;
      memset(attr, 0, sizeof attr); u[0] = mfd; *(uint64_t *)(attr + 8) = (uintptr_t)&key;
      sys_bpf(3, attr);
    }
    uint32_t next;
    memset(attr, 0, sizeof attr); u[0] = mfd; *(uint64_t *)(attr + 16) = (uintptr_t)&next;
    sys_bpf(4, attr);
    uint8_t info[232] = {0};
    memset(attr, 0, sizeof attr); u[0] = pfd; u[1] = sizeof info; *(uint64_t *)(attr + 8) = (uintptr_t)info;
    sys_bpf(15, attr);
    close(pfd); close(mfd);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%f\n", cycles * 101.0 / s);
  return 0;
}
