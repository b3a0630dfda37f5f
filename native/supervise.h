/* The ptrace supervisor behind launch: see supervise.c. */
#ifndef SECCOMP_NATIVE_SUPERVISE_H
#define SECCOMP_NATIVE_SUPERVISE_H

#include <sys/types.h>

enum mode { MODE_KILL, MODE_AUDIT, MODE_ERRNO, MODE_RULES };

/*
 * Trace data of a kill in `rules` mode (src/native/launch.ts says the same):
 * the supervisor rewrites the call to KILL_PROCESS_NR or KILL_THREAD_NR,
 * which the program's first instructions answer with that kill, and
 * seccomp checks the rewritten call again, so the kernel itself kills.
 */
#define RULES_KILL_PROCESS_DATA 2
#define RULES_KILL_THREAD_DATA 3
#define KILL_PROCESS_NR 0x3ecc0000
#define KILL_THREAD_NR 0x3ecc0001

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
