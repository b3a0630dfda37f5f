#!/bin/sh
# Record the example traces in examples/traces with strace (apt-get install -y strace).
# The tests never run strace: the recorded files are committed as data.
# Usage: scripts/record-traces.sh [OUTDIR]   (default examples/traces)
set -eu
out=${1:-examples/traces}
max_bytes=1000000
mkdir -p "$out"
command -v strace >/dev/null || { echo "record-traces: strace is not installed" >&2; exit 2; }

record() {
  name=$1
  shift
  strace -f -e raw=all -o "$out/$name.strace" "$@" >/dev/null
  size=$(wc -c <"$out/$name.strace")
  if [ "$size" -gt "$max_bytes" ]; then
    # Keep whole lines only, so the trimmed trace still parses.
    head -c "$max_bytes" "$out/$name.strace" | sed '$d' >"$out/$name.strace.tmp"
    mv "$out/$name.strace.tmp" "$out/$name.strace"
    echo "record-traces: $name trimmed to $max_bytes bytes" >&2
  fi
  echo "$out/$name.strace: $(wc -l <"$out/$name.strace") lines"
}

record true /bin/true
record ls ls -l /
record python3 python3 -c 'print(1)'
record node node -e 'console.log(1)'
