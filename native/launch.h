/* launch mode: see launch.c. */
#ifndef SECCOMP_NATIVE_LAUNCH_H
#define SECCOMP_NATIVE_LAUNCH_H
int launch_main(int argc, char **argv);
#endif
