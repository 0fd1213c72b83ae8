/*
 * bpfsim oracle helper: one process per simulated pid. It performs the syscalls the
 * controller asks for, so that its fd table holds 0, 1, 2 and the fds the trace created.
 * The command channel arrives on fds 0 and 1 but is moved at once to CMD_FD and ANS_FD,
 * far above anything a trace allocates, and 0 and 1 become copies of 2 (diagnostics): a
 * trace may then close or dup 0 and 1 like any process can, and the kernel's lowest-free
 * fd allocation is the model's.
 *
 * Frames (native byte order): request = u32 len, u32 op, payload[len - 4];
 * answer = u32 len, payload[len]. Every answer starts with i64 ret, i32 errno, u32 0.
 *
 *   OP_BPF    u32 cmd, u32 attr_size, u32 nbufs, u32 0, attr[attr_size],
 *             nbufs x { u32 ptr_off, u32 flags, u64 in_len, u64 cap, u64 ret_len },
 *             then every buffer's input bytes in order.
 *             answer += u32 attr_size, u32 nbufs, attr after the call,
 *             then per buffer u64 n, n bytes (the buffer after the call).
 *   OP_CLOSE / OP_DUP  i32 fd
 *   OP_FORK   two NUL-terminated FIFO paths (commands, answers), made here; the child
 *             opens them as its channel; ret = child pid
 *   OP_EXIT   answers, then _exit(0)
 *   OP_MKDIR  u32 mode, path\0
 *   OP_UNLINK u32 is_dir, path\0
 *   OP_PING   ret = getpid()
 *
 * A buffer occupies the last `cap` bytes before a PROT_NONE guard page, so a kernel
 * access past what user space passed faults (EFAULT) instead of reading heap garbage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

enum { OP_BPF = 1, OP_CLOSE, OP_DUP, OP_FORK, OP_EXIT, OP_MKDIR, OP_UNLINK, OP_PING };
enum { BUF_CSTR = 1 };
enum { CMD_FD = 1000, ANS_FD = 1001 };

struct buf_spec {
	uint32_t ptr_off;
	uint32_t flags;
	uint64_t in_len;
	uint64_t cap;
	uint64_t ret_len;
};

struct answer {
	int64_t ret;
	int32_t err;
	uint32_t zero;
};

static void die(const char *what)
{
	fprintf(stderr, "bpfsim-helper[%d]: %s: %s\n", (int)getpid(), what, strerror(errno));
	_exit(2);
}

static void read_full(void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t r = read(CMD_FD, c, n);
		if (r == 0)
			_exit(0); /* the controller went away */
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		c += r;
		n -= (size_t)r;
	}
}

static void write_full(const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t r = write(ANS_FD, c, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		c += r;
		n -= (size_t)r;
	}
}

/* Answers are assembled in one growable buffer and sent with one frame header. */
static char *out;
static size_t out_len, out_cap;

static void put(const void *p, size_t n)
{
	if (out_len + n > out_cap) {
		size_t cap = out_cap ? out_cap : 4096;
		while (cap < out_len + n)
			cap *= 2;
		out = realloc(out, cap);
		if (!out)
			die("realloc");
		out_cap = cap;
	}
	memcpy(out + out_len, p, n);
	out_len += n;
}

static void begin(long long ret, int err)
{
	struct answer a = { ret, err, 0 };
	out_len = 0;
	put(&a, sizeof(a));
}

static void send_answer(void)
{
	uint32_t len = (uint32_t)out_len;
	write_full(&len, sizeof(len));
	write_full(out, out_len);
}

struct mapping {
	void *base;
	size_t len;
	char *ptr;
};

static int guarded(uint64_t cap, struct mapping *m)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (size_t)((cap + page - 1) / page * page);
	m->len = data + page;
	m->base = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->base == MAP_FAILED)
		return -1;
	if (mprotect((char *)m->base + data, page, PROT_NONE))
		return -1;
	m->ptr = (char *)m->base + data - cap;
	return 0;
}

static void op_bpf(const char *p, size_t len)
{
	uint32_t hdr[4];
	if (len < sizeof(hdr)) {
		errno = EPROTO;
		die("short bpf request");
	}
	memcpy(hdr, p, sizeof(hdr));
	uint32_t cmd = hdr[0], attr_size = hdr[1], nbufs = hdr[2];
	size_t need = sizeof(hdr) + attr_size + (size_t)nbufs * sizeof(struct buf_spec);
	if (len < need) {
		errno = EPROTO;
		die("short bpf request");
	}
	char *attr = calloc(1, attr_size ? attr_size : 1);
	struct buf_spec *specs = calloc(nbufs ? nbufs : 1, sizeof(*specs));
	struct mapping *maps = calloc(nbufs ? nbufs : 1, sizeof(*maps));
	if (!attr || !specs || !maps)
		die("calloc");
	memcpy(attr, p + sizeof(hdr), attr_size);
	memcpy(specs, p + sizeof(hdr) + attr_size, (size_t)nbufs * sizeof(*specs));
	const char *in = p + need;
	for (uint32_t i = 0; i < nbufs; i++) {
		struct buf_spec *s = &specs[i];
		if (s->in_len > s->cap || s->ret_len > s->cap || s->ptr_off + 8 > attr_size ||
		    (size_t)(in - p) + s->in_len > len) {
			errno = EPROTO;
			die("bad buffer spec");
		}
		if (guarded(s->cap, &maps[i]))
			die("mmap");
		memcpy(maps[i].ptr, in, s->in_len);
		in += s->in_len;
		uint64_t addr = (uint64_t)(uintptr_t)maps[i].ptr;
		memcpy(attr + s->ptr_off, &addr, sizeof(addr));
	}

	long ret = syscall(__NR_bpf, (int)cmd, attr, attr_size);
	int err = ret < 0 ? errno : 0;

	begin(ret, err);
	uint32_t sizes[2] = { attr_size, nbufs };
	put(sizes, sizeof(sizes));
	put(attr, attr_size);
	for (uint32_t i = 0; i < nbufs; i++) {
		uint64_t n = specs[i].ret_len;
		if (specs[i].flags & BUF_CSTR) {
			char *nul = memchr(maps[i].ptr, 0, n);
			if (nul)
				n = (uint64_t)(nul - maps[i].ptr);
		}
		put(&n, sizeof(n));
		put(maps[i].ptr, n);
		munmap(maps[i].base, maps[i].len);
	}
	free(attr);
	free(specs);
	free(maps);
	send_answer();
}

static const char *cstr_at(const char *p, size_t len, size_t off)
{
	if (off >= len || !memchr(p + off, 0, len - off)) {
		errno = EPROTO;
		die("unterminated path");
	}
	return p + off;
}

/* The child re-attaches its command channel to FIFOs the controller opens, keeping every other fd. */
static void op_fork(const char *p, size_t len)
{
	const char *cmd_path = cstr_at(p, len, 0);
	const char *ans_path = cstr_at(p, len, strlen(cmd_path) + 1);
	if (mkfifo(cmd_path, 0600) || mkfifo(ans_path, 0600)) {
		begin(-1, errno);
		send_answer();
		return;
	}
	pid_t child = fork();
	if (child < 0) {
		begin(-1, errno);
		send_answer();
		return;
	}
	if (child == 0) {
		int c = open(cmd_path, O_RDONLY);
		if (c < 0)
			die("open command fifo");
		int a = open(ans_path, O_WRONLY);
		if (a < 0)
			die("open answer fifo");
		/* Replaces the parent's channel; the temporary fds are freed again. */
		if (dup2(c, CMD_FD) < 0 || dup2(a, ANS_FD) < 0)
			die("dup2");
		close(c);
		close(a);
		return;
	}
	begin(child, 0);
	send_answer();
}

static void simple(long long ret)
{
	begin(ret, ret < 0 ? errno : 0);
	send_answer();
}

/* Whatever the spawner leaked without O_CLOEXEC (a test runner's IPC fd, say) must not show. */
static void close_others(void)
{
	if (syscall(SYS_close_range, 3U, CMD_FD - 1U, 0U) == 0 &&
	    syscall(SYS_close_range, ANS_FD + 1U, ~0U, 0U) == 0)
		return;
	for (int fd = 3; fd < 65536; fd++)
		if (fd != CMD_FD && fd != ANS_FD)
			close(fd);
}

int main(int argc, char **argv)
{
	if (dup2(0, CMD_FD) < 0 || dup2(1, ANS_FD) < 0 || dup2(2, 0) < 0 || dup2(2, 1) < 0)
		die("moving the command channel");
	close_others();
	if (argc > 1 && (chroot(argv[1]) || chdir("/")))
		die("chroot");
	signal(SIGCHLD, SIG_IGN); /* forked helpers are reaped automatically */
	for (;;) {
		uint32_t hdr[2];
		read_full(hdr, sizeof(hdr));
		if (hdr[0] < 4) {
			errno = EPROTO;
			die("bad frame");
		}
		size_t len = hdr[0] - 4;
		char *p = malloc(len ? len : 1);
		if (!p)
			die("malloc");
		read_full(p, len);
		int32_t i32 = 0;
		uint32_t u32 = 0;
		switch (hdr[1]) {
		case OP_BPF:
			op_bpf(p, len);
			break;
		case OP_CLOSE:
			memcpy(&i32, p, len >= 4 ? 4 : 0);
			simple(close(i32));
			break;
		case OP_DUP:
			memcpy(&i32, p, len >= 4 ? 4 : 0);
			simple(dup(i32));
			break;
		case OP_FORK:
			op_fork(p, len);
			break;
		case OP_EXIT:
			simple(0);
			_exit(0);
		case OP_MKDIR:
			memcpy(&u32, p, len >= 4 ? 4 : 0);
			simple(mkdir(cstr_at(p, len, 4), (mode_t)u32));
			break;
		case OP_UNLINK:
			memcpy(&u32, p, len >= 4 ? 4 : 0);
			simple(u32 ? rmdir(cstr_at(p, len, 4)) : unlink(cstr_at(p, len, 4)));
			break;
		case OP_PING:
			simple(getpid());
			break;
		default:
			errno = EPROTO;
			die("unknown op");
		}
		free(p);
	}
}
