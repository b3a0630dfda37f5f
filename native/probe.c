/*
 * probe: ask the kernel what a program answers to raw system calls, without
 * executing any. stdin: u32 ninsns, u32 ncalls, ninsns raw sock_filters, then
 * ncalls records of 64 bytes (u32 vector 0 syscall / 1 int $0x80, u32 0,
 * u64 rax, u64 args[6]), all little-endian. stdout: one line per call, the
 * signed value the call left in rax. Every return of the program must be
 * SECCOMP_RET_ERRNO, so each call is answered by the filter and skipped.
 */
#define _GNU_SOURCE
#include "probe.h"
#include "calls.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <linux/seccomp.h>

/* Refuse any program that could let a call run: every return must be a constant ERRNO. */
static void require_errno_only(const struct program *p) {
  for (uint32_t i = 0; i < p->len; i++) {
    const struct sock_filter *f = &p->insns[i];
    if (BPF_CLASS(f->code) != BPF_RET) continue;
    if (f->code != (BPF_RET | BPF_K) || (f->k & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ERRNO) {
      char msg[160];
      snprintf(msg, sizeof msg, "refused: instruction %" PRIu32 " (code 0x%04x k 0x%08" PRIx32 ") may answer other than SECCOMP_RET_ERRNO; probe programs must never let a call run", i, f->code, f->k);
      die(EXIT_USAGE, msg);
    }
  }
}

/*
 * The child: no core file, the filter, then every call. It ends by a trap
 * because once the filter is in even exit would be answered with an errno.
 * results[0] is the install errno (0: installed), results[1] how many calls
 * were made, results[2 + i] what call i returned.
 */
static _Noreturn void child(const struct program *p, const struct call *calls, uint32_t n, volatile int64_t *results) {
  struct rlimit none = { 0, 0 };
  if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    results[0] = errno;
    _exit(EXIT_FAILED);
  }
  int err = install_filter(p, 0);
  if (err != 0) {
    results[0] = err;
    _exit(EXIT_REFUSED);
  }
  for (uint32_t i = 0; i < n; i++) {
    results[2 + i] = calls[i].vector == 0 ? native_call(&calls[i]) : compat_call(&calls[i]);
    results[1] = i + 1;
  }
  __builtin_trap();
}

int probe_main(void) {
  static struct program prog;
  uint32_t ncalls = read_header_program(&prog);
  require_errno_only(&prog);
  struct call *calls = read_calls(ncalls);
  volatile int64_t *results = map_anon(((size_t)ncalls + 2) * sizeof(int64_t), MAP_SHARED);
  results[0] = -1;
  if (fflush(stdout) != 0) die_errno("fflush");
  pid_t pid = fork();
  if (pid < 0) die_errno("fork");
  if (pid == 0) child(&prog, calls, ncalls, results);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die_errno("waitpid");
  if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_REFUSED) {
    fprintf(stderr, "seccomp-native: seccomp(SECCOMP_SET_MODE_FILTER): %s\n", errno_name((int)results[0]));
    return EXIT_REFUSED;
  }
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGILL || results[1] != (int64_t)ncalls) {
    fprintf(stderr, "seccomp-native: the probe child ended unexpectedly (status 0x%x, %" PRId64 " of %" PRIu32 " calls made, errno %s)\n",
            (unsigned)status, results[1], ncalls, results[0] > 0 ? errno_name((int)results[0]) : "none");
    return EXIT_FAILED;
  }
  for (uint32_t i = 0; i < ncalls; i++)
    if (printf("%" PRId64 "\n", results[2 + i]) < 0) die_errno("printf");
  if (fflush(stdout) != 0) die_errno("fflush");
  return 0;
}
