/* Shared by the modes of seccomp-native: checked calls, errno names, programs. */
#ifndef SECCOMP_NATIVE_UTIL_H
#define SECCOMP_NATIVE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

/* Exit codes of the helper itself (launch passes the command's status through). */
enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_FAILED = 3 };

/* The kernel's limit on one program (BPF_MAXINSNS). */
#define MAX_INSNS 4096

/* "ENOENT" for ENOENT; "errno 4242" for a number it does not know. */
const char *errno_name(int err);

/* Send die's messages to FD as "error MESSAGE" lines (launch: the report), not to stderr. */
void report_errors_to(int fd);

/* Print "seccomp-native: MESSAGE" and exit with CODE. */
_Noreturn void die(int code, const char *message);

/* die(EXIT_FAILED, "WHAT: ENAME") with the name of errno. */
_Noreturn void die_errno(const char *what);

/* Read exactly LEN bytes from FD; 0 on success, -1 at EOF before LEN; dies on an error. */
int read_exact(int fd, void *buf, size_t len);

/* Write all LEN bytes to FD; dies on an error. */
void write_all(int fd, const void *buf, size_t len);

/* A classic BPF program as seccomp(2) takes it. */
struct program {
  uint32_t len;
  struct sock_filter insns[MAX_INSNS];
};

/* Decode N raw 8-byte little-endian sock_filters into P; dies when N is 0 or over MAX_INSNS. */
void decode_program(const unsigned char *raw, uint32_t n, struct program *p);

/* Read a raw program (8-byte little-endian sock_filters) from FD until EOF; dies on a bad length. */
void read_program(int fd, struct program *p);

/* Install P for the calling thread: PR_SET_NO_NEW_PRIVS, then seccomp(SET_MODE_FILTER, FLAGS). 0 or an errno. */
int install_filter(const struct program *p, unsigned int flags);

#endif
