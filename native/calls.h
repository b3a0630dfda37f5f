/* Raw calls shared by the probe and act modes: the input format and the two ways into the kernel. */
#ifndef SECCOMP_NATIVE_CALLS_H
#define SECCOMP_NATIVE_CALLS_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* One raw call: vector 0 is `syscall`, 1 is `int $0x80` from 64-bit code; full 64-bit registers. */
struct call {
  uint32_t vector;
  uint64_t rax;
  uint64_t args[6];
};

/* `syscall` from 64-bit code: rax, rdi, rsi, rdx, r10, r8, r9; the value left in rax. */
int64_t native_call(const struct call *c);

/* `int $0x80` from 64-bit code with full 64-bit ebx, ecx, edx, esi, edi, ebp; the value left in rax. */
int64_t compat_call(const struct call *c);

/* Read one program given as u32 ninsns, then its instructions, from stdin into P. Dies on bad input. */
void read_sized_program(struct program *p);

/* Read the header (u32 ninsns, u32 ncalls) and the program from stdin into P; the number of calls. Dies on bad input. */
uint32_t read_header_program(struct program *p);

/* Read N 64-byte call records from stdin, then require the end of input. Dies on bad input. */
struct call *read_calls(uint32_t n);

/* An anonymous mapping of LEN bytes (MAP_PRIVATE or MAP_SHARED); dies when it cannot. */
void *map_anon(size_t len, int flags);

#endif
