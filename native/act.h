/* act mode: see act.c. */
#ifndef SECCOMP_NATIVE_ACT_H
#define SECCOMP_NATIVE_ACT_H
/* The most programs act stacks (the kernel's own limit is on their total length). */
#define MAX_STACK 8
int act_main(int stacked);
#endif
