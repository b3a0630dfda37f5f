/* seccomp-native: the project's C helper for Linux x86_64. */
#define _GNU_SOURCE
#include "act.h"
#include "launch.h"
#include "probe.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "probe") == 0 && argc == 2) return probe_main();
  if (argc >= 2 && strcmp(argv[1], "act") == 0 && argc == 2) return act_main(1);
  if (argc >= 2 && strcmp(argv[1], "act") == 0 && argc == 3) {
    char *end;
    long n = strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || n < 1 || n > MAX_STACK) die(EXIT_USAGE, "act: N must be 1 to 8 programs");
    return act_main((int)n);
  }
  if (argc >= 2 && strcmp(argv[1], "launch") == 0) return launch_main(argc, argv);
  die(EXIT_USAGE, "usage: seccomp-native probe < INPUT | seccomp-native act [N] < INPUT | seccomp-native launch ACTION PASS PROGFD REPORTFD PATH ARGV0 [ARG...]");
}
