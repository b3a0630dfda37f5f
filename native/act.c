/*
 * act: let the kernel carry out a program's actions on harmless calls. The
 * input is probe's (u32 ninsns, u32 ncalls, the program, 64-byte call
 * records); the program may return anything, but every call must be one
 * that does nothing outside the disposable child if it runs: a number that
 * only reads the caller's ids (getpid, getppid, gettid, getpgrp) or one no
 * kernel has (at or above 1024 once x32's bit is taken off), whatever the
 * arguments. stdout, one line per call:
 *   ret PID RAX                     the call came back with RAX
 *   trap PID NR ARCH DATA CODE      SIGSYS was raised: si_syscall, si_arch, si_errno, si_code
 *   killed PID SIG                  the child died of signal SIG at this call
 * PID is the child that made the call (for matching the kernel's log).
 * A killed child is replaced by a new one for the next call.
 * `act N` stacks N programs: the N - 1 older ones come first, each as u32
 * ninsns and its instructions, then the input above with the newest; the
 * child installs them oldest first, so the kernel runs them newest first.
 */
#define _GNU_SOURCE
#include "act.h"
#include "calls.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

enum { RAN = 1, TRAPPED = 2 };

struct outcome {
  int64_t kind;
  int64_t rax;
  int64_t nr, arch, data, code;
};

/* Numbers that only read the caller's ids: x86_64 getpid, getppid, gettid, getpgrp; ia32 the same. */
static const uint32_t HARMLESS_X86_64[] = { 39, 110, 186, 111 };
static const uint32_t HARMLESS_IA32[] = { 20, 64, 224, 65 };

/* A call that cannot do anything outside the child, whatever its arguments, on any x86_64 kernel. */
static int harmless(const struct call *c) {
  uint32_t nr = (uint32_t)c->rax;
  const uint32_t *list = c->vector == 0 ? HARMLESS_X86_64 : HARMLESS_IA32;
  if (c->vector == 0) nr &= ~(uint32_t)0x40000000; /* an x32 number names the x32 call of its low bits */
  for (int i = 0; i < 4; i++)
    if (nr == list[i]) return 1;
  return nr >= 1024;
}

static volatile struct outcome *outcomes;
static volatile int64_t *state; /* [0] install errno, [1] calls made */
static sigjmp_buf after_trap;
static volatile uint32_t current;

static void on_sigsys(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  volatile struct outcome *o = &outcomes[current];
  o->kind = TRAPPED;
  o->nr = info->si_syscall;
  o->arch = (int64_t)(uint32_t)info->si_arch;
  o->data = info->si_errno;
  o->code = info->si_code;
  siglongjmp(after_trap, 1); /* no sigreturn: the filter may answer it */
}

/* Make call I; a trap comes back here through the handler. Nothing is written after sigsetjmp but through memory. */
static void one_call(const struct call *c, uint32_t i) {
  current = i;
  state[1] = i;
  if (sigsetjmp(after_trap, 0) == 0) {
    int64_t rax = c->vector == 0 ? native_call(c) : compat_call(c);
    outcomes[i].rax = rax;
    outcomes[i].kind = RAN;
  }
}

/* The child: no core file, a SIGSYS handler, the filters, then calls from FIRST on; ends by a trap instruction. */
static _Noreturn void child(const struct program *stack, int stacked, const struct call *calls, uint32_t first, uint32_t n) {
  struct rlimit none = { 0, 0 };
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || sigemptyset(&sa.sa_mask) != 0 ||
      sigaction(SIGSYS, &sa, NULL) != 0) {
    state[0] = errno;
    _exit(EXIT_FAILED);
  }
  for (int k = 0; k < stacked; k++) {
    int err = install_filter(&stack[k], 0);
    if (err != 0) {
      state[0] = err;
      _exit(EXIT_REFUSED);
      /* An older filter of the stack may answer exit_group too. */
      __builtin_trap();
    }
  }
  state[0] = 0;
  for (uint32_t i = first; i < n; i++) one_call(&calls[i], i);
  state[1] = n;
  __builtin_trap();
}

int act_main(int stacked) {
  static struct program stack[MAX_STACK];
  for (int k = 0; k < stacked - 1; k++) read_sized_program(&stack[k]);
  uint32_t n = read_header_program(&stack[stacked - 1]);
  struct call *calls = read_calls(n);
  for (uint32_t i = 0; i < n; i++)
    if (!harmless(&calls[i])) {
      char msg[200];
      snprintf(msg, sizeof msg, "calls: call %" PRIu32 " (vector %" PRIu32 ", number %" PRId32 ") may do harm if it runs; act takes getpid, getppid, gettid, getpgrp or numbers no kernel has", i, calls[i].vector, (int32_t)(uint32_t)calls[i].rax);
      die(EXIT_USAGE, msg);
    }
  outcomes = map_anon(((size_t)n + 1) * sizeof *outcomes, MAP_SHARED);
  state = map_anon(2 * sizeof *state, MAP_SHARED);
  pid_t *pids = map_anon(((size_t)n + 1) * sizeof *pids, MAP_PRIVATE);
  int *signals = map_anon(((size_t)n + 1) * sizeof *signals, MAP_PRIVATE);
  if (fflush(stdout) != 0) die_errno("fflush");
  for (uint32_t first = 0; first < n;) {
    state[0] = -1;
    state[1] = first;
    pid_t pid = fork();
    if (pid < 0) die_errno("fork");
    if (pid == 0) child(stack, stacked, calls, first, n);
    int status;
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) die_errno("waitpid");
    if ((WIFEXITED(status) && WEXITSTATUS(status) == EXIT_REFUSED) || (state[0] > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGILL)) {
      fprintf(stderr, "seccomp-native: seccomp(SECCOMP_SET_MODE_FILTER): %s\n", errno_name((int)state[0]));
      return EXIT_REFUSED;
    }
    uint32_t reached = (uint32_t)state[1];
    if (state[0] != 0 || !WIFSIGNALED(status) || reached < first || reached > n ||
        (reached == n ? WTERMSIG(status) != SIGILL : outcomes[reached].kind != 0)) {
      fprintf(stderr, "seccomp-native: the act child ended unexpectedly (status 0x%x at call %" PRIu32 " of %" PRIu32 ", errno %s)\n",
              (unsigned)status, reached, n, state[0] > 0 ? errno_name((int)state[0]) : "none");
      return EXIT_FAILED;
    }
    for (uint32_t i = first; i < reached; i++) pids[i] = pid;
    if (reached < n) {
      pids[reached] = pid;
      signals[reached] = WTERMSIG(status);
    }
    first = reached + 1;
  }
  for (uint32_t i = 0; i < n; i++) {
    const volatile struct outcome *o = &outcomes[i];
    int w = o->kind == RAN ? printf("ret %d %" PRId64 "\n", (int)pids[i], o->rax)
            : o->kind == TRAPPED ? printf("trap %d %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", (int)pids[i], o->nr, o->arch, o->data, o->code)
            : printf("killed %d %d\n", (int)pids[i], signals[i]);
    if (w < 0) die_errno("printf");
  }
  if (fflush(stdout) != 0) die_errno("fflush");
  return 0;
}
