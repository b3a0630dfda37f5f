/* Checked calls, errno names and raw programs, shared by probe and launch. */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/seccomp.h>

#define NAME(e) { e, #e }
static const struct { int err; const char *name; } NAMES[] = {
  NAME(EPERM), NAME(ENOENT), NAME(ESRCH), NAME(EINTR), NAME(EIO), NAME(ENXIO), NAME(E2BIG),
  NAME(ENOEXEC), NAME(EBADF), NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM), NAME(EACCES),
  NAME(EFAULT), NAME(EBUSY), NAME(EEXIST), NAME(ENOTDIR), NAME(EISDIR), NAME(EINVAL),
  NAME(ENFILE), NAME(EMFILE), NAME(ETXTBSY), NAME(EFBIG), NAME(ENOSPC), NAME(ESPIPE),
  NAME(EROFS), NAME(EPIPE), NAME(ERANGE), NAME(ENAMETOOLONG), NAME(ENOSYS), NAME(ELOOP),
  NAME(ENOTSUP), NAME(EOVERFLOW), NAME(ELIBBAD),
};

const char *errno_name(int err) {
  static char unknown[32];
  for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
    if (NAMES[i].err == err) return NAMES[i].name;
  snprintf(unknown, sizeof unknown, "errno %d", err);
  return unknown;
}

static int error_fd = 2;

void report_errors_to(int fd) {
  error_fd = fd;
}

_Noreturn void die(int code, const char *message) {
  dprintf(error_fd, error_fd == 2 ? "seccomp-native: %s\n" : "error %s\n", message);
  exit(code);
}

_Noreturn void die_errno(const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, errno_name(errno));
  die(EXIT_FAILED, message);
}

int read_exact(int fd, void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = read(fd, (char *)buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("read");
    if (n == 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

void write_all(int fd, const void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, (const char *)buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("write");
    done += (size_t)n;
  }
}

void decode_program(const unsigned char *raw, uint32_t n, struct program *p) {
  if (n == 0) die(EXIT_USAGE, "program: empty");
  if (n > MAX_INSNS) die(EXIT_USAGE, "program: more than 4096 instructions");
  for (uint32_t i = 0; i < n; i++) {
    const unsigned char *b = raw + 8 * (size_t)i;
    p->insns[i].code = (uint16_t)(b[0] | b[1] << 8);
    p->insns[i].jt = b[2];
    p->insns[i].jf = b[3];
    p->insns[i].k = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
  }
  p->len = n;
}

void read_program(int fd, struct program *p) {
  static unsigned char raw[8 * MAX_INSNS + 1];
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, raw + got, sizeof raw - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("read program");
    if (n == 0) break;
    got += (size_t)n;
    if (got == sizeof raw) die(EXIT_USAGE, "program: more than 4096 instructions");
  }
  if (got % 8 != 0) die(EXIT_USAGE, "program: length is not a multiple of 8 bytes");
  decode_program(raw, (uint32_t)(got / 8), p);
}

int install_filter(const struct program *p, unsigned int flags) {
  struct sock_fprog prog = { .len = (unsigned short)p->len, .filter = (struct sock_filter *)p->insns };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0) return errno;
  /* With TSYNC a positive result is a thread that could not be synchronised. */
  return r == 0 ? 0 : EBUSY;
}
