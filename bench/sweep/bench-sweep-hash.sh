#!/bin/bash
# Hash-only sweep vs sha256sum, alternating, RUNS times.
C=${CORPUS:-/tmp/vigie-bench/corpus}; B=/tmp/sweepbench; V=${VIGIE:-$B/vigie}; RUNS=${RUNS:-3}
find "$C" -type f -print0 | xargs -0 cat > /dev/null
: > $B/times-hash.txt
t() { local name=$1; shift; /usr/bin/time -f "$name %e s wall %U user %S sys" -a -o $B/times-hash.txt bash -c "$*" > /dev/null 2>&1; }
for i in $(seq 1 $RUNS); do
  t sha256sum "find $C -type f -print0 | xargs -0 sha256sum"
  t vigie-sha256-only "$V scan --no-progress --no-builtin --iocs $B/sha256-only.txt --max-depth 0 --json $C"
  t vigie-builtin-pack "$V scan --no-progress --max-depth 0 --json $C"
done
