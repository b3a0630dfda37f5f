/* probe mode: see probe.c. */
#ifndef SECCOMP_NATIVE_PROBE_H
#define SECCOMP_NATIVE_PROBE_H
int probe_main(void);
#endif
