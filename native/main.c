/* seccomp-native: the project's C helper for Linux x86_64. */
#define _GNU_SOURCE
#include "act.h"
#include "launch.h"
#include "probe.h"
#include "util.h"

#include <string.h>

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "probe") == 0 && argc == 2) return probe_main();
  if (argc >= 2 && strcmp(argv[1], "act") == 0 && argc == 2) return act_main();
  if (argc >= 2 && strcmp(argv[1], "launch") == 0) return launch_main(argc, argv);
  die(EXIT_USAGE, "usage: seccomp-native probe < INPUT | seccomp-native act < INPUT | seccomp-native launch ACTION PASS PROGFD REPORTFD PATH ARGV0 [ARG...]");
}
