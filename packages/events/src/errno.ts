// errno names and numbers (asm-generic/errno-base.h, errno.h, and the kernel-internal ones bpf() can leak).
export const errno = Object.freeze({
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17,
  EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33,
  ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40,
  ENOMSG: 42, EIDRM: 43, ENOLINK: 67, EPROTO: 71, EBADMSG: 74, EOVERFLOW: 75, EBADFD: 77, EILSEQ: 84,
  EUSERS: 87, ENOTSOCK: 88, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETDOWN: 100, ENOBUFS: 105, ETIMEDOUT: 110, EALREADY: 114, EINPROGRESS: 115, ESTALE: 116,
  EDQUOT: 122, ECANCELED: 125, EOWNERDEAD: 130,
  // Kernel-internal codes that bpf() is known to return to user space.
  ENOTSUPP: 524,
});
export type ErrnoName = keyof typeof errno;

const byNumber = new Map<number, string>(Object.entries(errno).map(([k, v]) => [v, k]));

/** 'ENOENT' for 2; 'E<n>' for a number without a name here. */
export function errnoName(n: number): string {
  return byNumber.get(Math.abs(n)) ?? `E${Math.abs(n)}`;
}

/** Renders a syscall return value the way strace does: 3, or -1 ENOENT. */
export function formatRet(ret: number): string {
  return ret < 0 ? `-1 ${errnoName(ret)}` : String(ret);
}
