/* act mode: see act.c. */
#ifndef SECCOMP_NATIVE_ACT_H
#define SECCOMP_NATIVE_ACT_H
int act_main(void);
#endif
