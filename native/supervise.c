/*
 * The launch supervisor: the command's tracer. Each call the program
 * answers with SECCOMP_RET_TRACE stops the caller at PTRACE_EVENT_SECCOMP
 * before it runs; PTRACE_GET_SYSCALL_INFO gives exactly the seccomp_data
 * the filter saw. Children, threads and vforks are traced too (they inherit
 * the filter); the tracees die with the supervisor (PTRACE_O_EXITKILL).
 */
#define _GNU_SOURCE
#include "supervise.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <linux/audit.h>

#define OPTIONS (PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC)
#define MAX_TASKS 4096

/* Tasks whose first stop has been seen: a new tracee's first SIGSTOP is the tracer's, not the program's. */
static pid_t started[MAX_TASKS];
static size_t nstarted;

static int is_started(pid_t pid) {
  for (size_t i = 0; i < nstarted; i++)
    if (started[i] == pid) return 1;
  return 0;
}

static void mark_started(pid_t pid) {
  if (nstarted == MAX_TASKS) die(EXIT_FAILED, "more than 4096 live tasks under supervision");
  started[nstarted++] = pid;
}

static void forget(pid_t pid) {
  for (size_t i = 0; i < nstarted; i++)
    if (started[i] == pid) started[i] = started[--nstarted];
}

/* A ptrace request on a tracee that may have died meanwhile (SIGKILL): ESRCH is not an error. */
static int traced(long r, const char *what) {
  if (r >= 0) return 1;
  if (errno == ESRCH) return 0;
  die_errno(what);
}

static void resume(pid_t pid, int sig) {
  traced(ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig), "ptrace(PTRACE_CONT)");
}

static void report(int fd, const char *line) {
  size_t len = strlen(line);
  write_all(fd, line, len);
}

/* The task's comm from /proc, or "?" when it cannot be read. */
static void read_comm(pid_t pid, char *comm, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  strcpy(comm, "?");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, comm, size - 1);
  if (n > 0) comm[n - (comm[n - 1] == '\n')] = '\0';
  else strcpy(comm, "?");
  if (close(fd) != 0) die_errno("close /proc/PID/comm");
}

static void report_deny(int fd, pid_t pid, const struct __ptrace_syscall_info *info) {
  char comm[32], line[512];
  read_comm(pid, comm, sizeof comm);
  const uint64_t *a = info->seccomp.args;
  snprintf(line, sizeof line, "deny %d %" PRIx32 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %s\n",
           (int)pid, info->arch, info->seccomp.nr, info->instruction_pointer, a[0], a[1], a[2], a[3], a[4], a[5], comm);
  report(fd, line);
}

/* A SECCOMP_RET_TRAP's SIGSYS at its signal-delivery-stop: the number and arch from siginfo, the arguments from the registers. */
static void report_trap(int fd, pid_t pid, const siginfo_t *si) {
  struct user_regs_struct regs;
  if (!traced(ptrace(PTRACE_GETREGS, pid, 0, &regs), "ptrace(PTRACE_GETREGS)")) return;
  struct __ptrace_syscall_info info;
  memset(&info, 0, sizeof info);
  info.arch = si->si_arch;
  info.seccomp.nr = (uint64_t)(uint32_t)si->si_syscall;
  info.instruction_pointer = regs.rip;
  uint64_t *a = info.seccomp.args;
  if (si->si_arch == AUDIT_ARCH_X86_64)
    a[0] = regs.rdi, a[1] = regs.rsi, a[2] = regs.rdx, a[3] = regs.r10, a[4] = regs.r8, a[5] = regs.r9;
  else
    a[0] = regs.rbx, a[1] = regs.rcx, a[2] = regs.rdx, a[3] = regs.rsi, a[4] = regs.rdi, a[5] = regs.rbp;
  report_deny(fd, pid, &info);
}

/* Skip the stopped call (nr -1) with RET in rax; 0 when the tracee is gone. */
static int skip_call(pid_t pid, long ret) {
  struct user_regs_struct regs;
  if (!traced(ptrace(PTRACE_GETREGS, pid, 0, &regs), "ptrace(PTRACE_GETREGS)")) return 0;
  regs.orig_rax = (unsigned long long)-1;
  regs.rax = (unsigned long long)ret;
  return traced(ptrace(PTRACE_SETREGS, pid, 0, &regs), "ptrace(PTRACE_SETREGS)");
}

/* Make the stopped call number NR; 0 when the tracee is gone. */
static int rewrite_call(pid_t pid, long nr) {
  struct user_regs_struct regs;
  if (!traced(ptrace(PTRACE_GETREGS, pid, 0, &regs), "ptrace(PTRACE_GETREGS)")) return 0;
  regs.orig_rax = (unsigned long long)nr;
  return traced(ptrace(PTRACE_SETREGS, pid, 0, &regs), "ptrace(PTRACE_SETREGS)");
}

struct run {
  pid_t root;
  const struct options *o;
  int root_execed;
  int passed;
  int exec_errno;
};

static void on_seccomp(struct run *r, pid_t pid) {
  struct __ptrace_syscall_info info;
  memset(&info, 0, sizeof info);
  if (!traced(ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info), "ptrace(PTRACE_GET_SYSCALL_INFO)")) return;
  if (info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
    kill(pid, SIGKILL);
    die(EXIT_FAILED, "PTRACE_EVENT_SECCOMP without seccomp information; the task was killed");
  }
  /* on_next_syscall (S6.4): the launcher's own execve, the first call after the install, passes once. */
  if (r->o->pass_exec && !r->passed && !r->root_execed && pid == r->root && info.arch == AUDIT_ARCH_X86_64 && info.seccomp.nr == SYS_execve) {
    char line[64];
    r->passed = 1;
    snprintf(line, sizeof line, "pass-exec %d\n", (int)pid);
    report(r->o->report, line);
    resume(pid, 0);
    return;
  }
  report_deny(r->o->report, pid, &info);
  switch (r->o->mode) {
  case MODE_AUDIT:
    resume(pid, 0);
    break;
  case MODE_ERRNO:
    if (skip_call(pid, -(long)r->o->errno_value)) resume(pid, 0);
    break;
  case MODE_RULES: {
    /* The program's own answer in the trace data: 0x1000 | N skips the call with -N; anything else kills. */
    unsigned long data = 0;
    if (!traced(ptrace(PTRACE_GETEVENTMSG, pid, 0, &data), "ptrace(PTRACE_GETEVENTMSG)")) return;
    if ((data & 0xf000) == 0x1000) {
      if (skip_call(pid, -(long)(data & 0xfff))) resume(pid, 0);
      break;
    }
    if (data == RULES_KILL_PROCESS_DATA || data == RULES_KILL_THREAD_DATA) {
      /* The kernel's own kill (SIGSYS): seccomp checks the rewritten call again, and the program kills it. */
      if (rewrite_call(pid, data == RULES_KILL_PROCESS_DATA ? KILL_PROCESS_NR : KILL_THREAD_NR)) resume(pid, 0);
      break;
    }
    skip_call(pid, -ENOSYS);
    if (kill(pid, SIGKILL) != 0 && errno != ESRCH) die_errno("kill");
    break;
  }
  case MODE_KILL:
    /* The call never runs: it is skipped, and the fatal signal makes the kernel skip it too. */
    skip_call(pid, -ENOSYS);
    if (kill(pid, SIGKILL) != 0 && errno != ESRCH) die_errno("kill");
    break;
  }
}

/* A signal-delivery-stop or group-stop of PID with SIG. */
static void on_signal(struct run *r, pid_t pid, int sig, volatile int *failure) {
  siginfo_t si;
  if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) != 0) {
    if (errno == EINVAL) resume(pid, 0); /* a group-stop: job control does not stop supervised tasks */
    else traced(-1, "ptrace(PTRACE_GETSIGINFO)");
    return;
  }
  if (pid == r->root && !r->root_execed && failure[0] == 4 && sig == SIGILL) {
    char line[64];
    r->exec_errno = failure[1];
    snprintf(line, sizeof line, "exec-failed %s\n", errno_name(failure[1]));
    report(r->o->report, line);
    if (kill(pid, SIGKILL) != 0 && errno != ESRCH) die_errno("kill");
    return;
  }
  /* A trap the program returned (SYS_SECCOMP): reported as the filter saw the call, then delivered. */
  if (sig == SIGSYS && si.si_code == 1) report_trap(r->o->report, pid, &si);
  resume(pid, sig);
}

static void first_stop(pid_t root, volatile int *failure) {
  int status;
  while (waitpid(root, &status, 0) < 0)
    if (errno != EINTR) die_errno("waitpid");
  if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP) return;
  const char *stage = failure[0] == 1 ? "ptrace(PTRACE_TRACEME)" : failure[0] == 2 ? "raise(SIGSTOP)" : "the child";
  char message[128];
  snprintf(message, sizeof message, "%s: %s", stage, failure[0] > 0 ? errno_name(failure[1]) : "ended before its first stop");
  die(EXIT_FAILED, message);
}

int supervise(pid_t root, const struct options *o, volatile int *failure) {
  first_stop(root, failure);
  if (ptrace(PTRACE_SETOPTIONS, root, 0, (void *)(long)OPTIONS) != 0) die_errno("ptrace(PTRACE_SETOPTIONS)");
  mark_started(root);
  resume(root, 0);
  struct run r = { .root = root, .o = o, .root_execed = 0, .passed = 0, .exec_errno = 0 };
  int root_status = -1, status;
  for (;;) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0 && errno == ECHILD) break;
    if (pid < 0) die_errno("waitpid");
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      forget(pid);
      if (pid == root) root_status = status;
      continue;
    }
    int sig = WSTOPSIG(status), event = status >> 16;
    if (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP) on_seccomp(&r, pid);
    else if (sig == SIGTRAP && event != 0) {
      if (event == PTRACE_EVENT_EXEC && pid == root) r.root_execed = 1;
      resume(pid, 0);
    } else if (!is_started(pid) && sig == SIGSTOP) {
      mark_started(pid);
      resume(pid, 0);
    } else on_signal(&r, pid, sig, failure);
  }
  if (failure[0] == 3) {
    char message[96];
    snprintf(message, sizeof message, "seccomp(SECCOMP_SET_MODE_FILTER): %s", errno_name(failure[1]));
    die(EXIT_REFUSED, message);
  }
  if (root_status == -1) die(EXIT_FAILED, "the command's end was never seen");
  /* As a shell reports a command it could not run: 127 not found, 126 otherwise. */
  if (r.exec_errno != 0) return r.exec_errno == ENOENT ? 127 : 126;
  char line[64];
  int code = WIFEXITED(root_status) ? WEXITSTATUS(root_status) : 128 + WTERMSIG(root_status);
  snprintf(line, sizeof line, WIFEXITED(root_status) ? "exit %d\n" : "signal %d\n", WIFEXITED(root_status) ? WEXITSTATUS(root_status) : WTERMSIG(root_status));
  report(o->report, line);
  return code;
}
