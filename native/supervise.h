/* The ptrace supervisor behind launch: see supervise.c. */
#ifndef SECCOMP_NATIVE_SUPERVISE_H
#define SECCOMP_NATIVE_SUPERVISE_H

#include <sys/types.h>

enum mode { MODE_KILL, MODE_AUDIT, MODE_ERRNO, MODE_RULES };

struct options {
  enum mode mode;
  int errno_value;
  int pass_exec;
  int report;
};

/*
 * Trace ROOT (stopped by its own SIGSTOP after PTRACE_TRACEME) and all its
 * descendants until none is left; FAILURE is the child's shared
 * {stage, errno}. Returns the command's status as a shell reports it.
 */
int supervise(pid_t root, const struct options *o, volatile int *failure);

#endif
