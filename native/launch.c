/*
 * launch ACTION PASS PROGFD REPORTFD PATH ARGV0 [ARG...]: run PATH under the
 * raw program read from PROGFD, as the child of a ptrace supervisor.
 * The program answers denied calls with SECCOMP_RET_TRACE; the supervisor
 * reads each one at PTRACE_EVENT_SECCOMP (PTRACE_GET_SYSCALL_INFO: arch,
 * nr, ip, the six arguments as the filter saw them), writes it to REPORTFD,
 * then applies ACTION: `kill` (SIGKILL, as the 2011 kernel's do_exit), `audit`
 * (let the call run), `errno:N` (skip it, returning -N) or `rules` (the
 * program's own answer in the trace data: 0x1000 | N skips with -N, 2 and 3
 * are the kernel's kill-process and kill-thread, see supervise.h, anything
 * else SIGKILL). PASS `exec-pass`
 * lets the launcher's own execve through once (on_next_syscall, S6.4).
 * Report lines: `pass-exec PID`, `deny PID ARCH NR IP A0..A5 COMM` (hex),
 * `exec-failed ENAME`, then `exit CODE` or `signal SIG` for the command.
 */
#define _GNU_SOURCE
#include "launch.h"
#include "supervise.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <linux/seccomp.h>

extern char **environ;

static pid_t g_root;

/* On any failure after the fork the command must not run on unsupervised. */
static void kill_root(void) {
  if (g_root > 0) kill(g_root, SIGKILL);
}

/* The child: be traced, stop until the tracer is ready, install the filter, execve. */
static _Noreturn void child(const struct program *p, const char *path, char **argv, volatile int *failure) {
  if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) {
    failure[0] = 1, failure[1] = errno;
    _exit(EXIT_FAILED);
  }
  if (raise(SIGSTOP) != 0) {
    failure[0] = 2, failure[1] = errno;
    _exit(EXIT_FAILED);
  }
  int err = install_filter(p, SECCOMP_FILTER_FLAG_TSYNC);
  if (err != 0) {
    failure[0] = 3, failure[1] = err;
    _exit(EXIT_REFUSED);
  }
  execve(path, argv, environ);
  /* The filter is in: even exit may be denied, so report through memory and trap. */
  failure[0] = 4, failure[1] = errno;
  __builtin_trap();
}

static int parse_fd(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 3 || v > 1023) die(EXIT_USAGE, "launch: PROGFD and REPORTFD must be descriptors 3 to 1023");
  return (int)v;
}

static struct options parse_options(int argc, char **argv) {
  if (argc < 8) die(EXIT_USAGE, "usage: seccomp-native launch kill|audit|errno:N|rules exec-pass|no-exec-pass PROGFD REPORTFD PATH ARGV0 [ARG...]");
  struct options o = { .mode = MODE_KILL, .errno_value = 0, .pass_exec = 0, .report = -1 };
  if (strcmp(argv[2], "kill") == 0) o.mode = MODE_KILL;
  else if (strcmp(argv[2], "audit") == 0) o.mode = MODE_AUDIT;
  else if (strcmp(argv[2], "rules") == 0) o.mode = MODE_RULES;
  else if (strncmp(argv[2], "errno:", 6) == 0) {
    char *end;
    errno = 0;
    long v = strtol(argv[2] + 6, &end, 10);
    if (errno != 0 || *end != '\0' || end == argv[2] + 6 || v < 0 || v > 4095) die(EXIT_USAGE, "launch: errno:N needs N from 0 to 4095");
    o.mode = MODE_ERRNO, o.errno_value = (int)v;
  } else die(EXIT_USAGE, "launch: ACTION must be kill, audit, errno:N or rules");
  if (strcmp(argv[3], "exec-pass") == 0) o.pass_exec = 1;
  else if (strcmp(argv[3], "no-exec-pass") != 0) die(EXIT_USAGE, "launch: PASS must be exec-pass or no-exec-pass");
  o.report = parse_fd(argv[5]);
  return o;
}

int launch_main(int argc, char **argv) {
  struct options o = parse_options(argc, argv);
  report_errors_to(o.report);
  int progfd = parse_fd(argv[4]);
  static struct program prog;
  read_program(progfd, &prog);
  if (close(progfd) != 0) die_errno("close PROGFD");
  if (fcntl(o.report, F_SETFD, FD_CLOEXEC) != 0) die_errno("fcntl REPORTFD");
  volatile int *failure = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (failure == MAP_FAILED) die_errno("mmap");
  if (fflush(NULL) != 0) die_errno("fflush");
  pid_t pid = fork();
  if (pid < 0) die_errno("fork");
  if (pid == 0) child(&prog, argv[6], argv + 7, failure);
  g_root = pid;
  if (atexit(kill_root) != 0) {
    kill(pid, SIGKILL);
    die(EXIT_FAILED, "atexit failed");
  }
  int code = supervise(pid, &o, failure);
  g_root = 0;
  return code;
}
