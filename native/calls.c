/* Raw calls: the input records and the two ways into the kernel, shared by probe and act. */
#define _GNU_SOURCE
#include "calls.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>

#define MAX_CALLS (1u << 20)
#define RECORD 64

/* `syscall` from 64-bit code: rax, rdi, rsi, rdx, r10, r8, r9 (S6.1). */
int64_t native_call(const struct call *c) {
  register uint64_t rax __asm__("rax") = c->rax;
  register uint64_t rdi __asm__("rdi") = c->args[0];
  register uint64_t rsi __asm__("rsi") = c->args[1];
  register uint64_t rdx __asm__("rdx") = c->args[2];
  register uint64_t r10 __asm__("r10") = c->args[3];
  register uint64_t r8 __asm__("r8") = c->args[4];
  register uint64_t r9 __asm__("r9") = c->args[5];
  __asm__ volatile("syscall"
                   : "+r"(rax)
                   : "r"(rdi), "r"(rsi), "r"(rdx), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory", "cc");
  return (int64_t)rax;
}

/*
 * `int $0x80` from 64-bit code: eax, ebx, ecx, edx, esi, edi, ebp, loaded as
 * full 64-bit registers so the filter sees the upper halves too. rbp may be
 * the frame pointer, so it is saved on the stack below the red zone and
 * loaded from a table addressed through r12, never through rbp or rsp.
 */
int64_t compat_call(const struct call *c) {
  register uint64_t rax __asm__("rax") = c->rax;
  register const uint64_t *table __asm__("r12") = c->args;
  __asm__ volatile("sub $128, %%rsp\n\t"
                   "push %%rbp\n\t"
                   "mov 0(%%r12), %%rbx\n\t"
                   "mov 8(%%r12), %%rcx\n\t"
                   "mov 16(%%r12), %%rdx\n\t"
                   "mov 24(%%r12), %%rsi\n\t"
                   "mov 32(%%r12), %%rdi\n\t"
                   "mov 40(%%r12), %%rbp\n\t"
                   "int $0x80\n\t"
                   "pop %%rbp\n\t"
                   "add $128, %%rsp"
                   : "+r"(rax)
                   : "r"(table)
                   : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
  return (int64_t)rax;
}

static uint64_t u64le(const unsigned char *b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
  return v;
}

static uint32_t u32le(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void *map_anon(size_t len, int flags) {
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) die_errno("mmap");
  return m;
}

/*
 * Native numbers the kernel runs without asking the filter (kernel/seccomp.c
 * passes uretprobe and uprobe through, Linux 6.x): probing one would run it.
 */
static int unfiltered(const struct call *c) {
  int32_t nr = (int32_t)(uint32_t)c->rax;
  return c->vector == 0 && (nr == 335 || nr == 336);
}

/* Read the calls; dies on a short or malformed record. */
struct call *read_calls(uint32_t n) {
  struct call *calls = map_anon((size_t)n * sizeof *calls + 1, MAP_PRIVATE);
  unsigned char r[RECORD];
  for (uint32_t i = 0; i < n; i++) {
    if (read_exact(0, r, sizeof r) != 0) die(EXIT_USAGE, "calls: input ends early");
    calls[i].vector = u32le(r);
    if (calls[i].vector > 1 || u32le(r + 4) != 0) die(EXIT_USAGE, "calls: vector must be 0 (syscall) or 1 (int $0x80), then 4 zero bytes");
    calls[i].rax = u64le(r + 8);
    for (int k = 0; k < 6; k++) calls[i].args[k] = u64le(r + 16 + 8 * k);
    if (unfiltered(&calls[i])) {
      char msg[200];
      snprintf(msg, sizeof msg, "calls: call %" PRIu32 " is native 335 (uretprobe) or 336 (uprobe), which the kernel runs without asking the filter; it cannot be probed", i);
      die(EXIT_USAGE, msg);
    }
  }
  if (read(0, r, 1) != 0) die(EXIT_USAGE, "calls: input goes on after the last call");
  return calls;
}


void read_sized_program(struct program *p) {
  unsigned char head[4];
  if (read_exact(0, head, sizeof head) != 0) die(EXIT_USAGE, "stack: input ends before a program's u32 ninsns");
  uint32_t ninsns = u32le(head);
  if (ninsns == 0 || ninsns > MAX_INSNS) die(EXIT_USAGE, "stack: ninsns must be 1 to 4096");
  static unsigned char raw[8 * MAX_INSNS];
  if (read_exact(0, raw, 8 * (size_t)ninsns) != 0) die(EXIT_USAGE, "stack: a program's input ends early");
  decode_program(raw, ninsns, p);
}

uint32_t read_header_program(struct program *p) {
  unsigned char head[8];
  if (read_exact(0, head, sizeof head) != 0) die(EXIT_USAGE, "input ends before the header (u32 ninsns, u32 ncalls)");
  uint32_t ninsns = u32le(head), ncalls = u32le(head + 4);
  if (ninsns == 0 || ninsns > MAX_INSNS) die(EXIT_USAGE, "program: ninsns must be 1 to 4096");
  if (ncalls > MAX_CALLS) die(EXIT_USAGE, "calls: at most 1048576 calls a run");
  static unsigned char raw[8 * MAX_INSNS];
  if (read_exact(0, raw, 8 * (size_t)ninsns) != 0) die(EXIT_USAGE, "program: input ends early");
  decode_program(raw, ninsns, p);
  return ncalls;
}
