#!/bin/bash
# Side-by-side: vigie scan vs sha256sum, yara -r -p 2, clamscan, on the corpus of make_corpus.sh.
set -u
C=${CORPUS:-/tmp/vigie-bench/corpus}
B=/tmp/sweepbench
V=${VIGIE:-/tmp/vigie}
RUNS=${RUNS:-1}
DEF="-d filename=XXX -d filepath=XXX -d extension=XXX -d filetype=XXX -d owner=XXX"
find "$C" -type f -print0 | xargs -0 cat > /dev/null
t() { local name=$1; shift; /usr/bin/time -f "$name %e s wall %U user %S sys" -a -o $B/times.txt bash -c "$*" > $B/out-$name.txt 2>&1; echo "$name rc=$?" >> $B/times.txt; }
: > $B/times.txt
for i in $(seq 1 $RUNS); do
  t sha256sum "find $C -type f -print0 | xargs -0 sha256sum"
  t vigie-sha256-only "$V scan --no-progress --no-builtin --iocs $B/sha256-only.txt --max-depth 0 --json $C"
  t vigie-all-hashes "$V scan --no-progress --no-builtin --iocs $B/hash-iocs.txt --max-depth 0 --json $C"
  t vigie-all-hashes-containers "$V scan --no-progress --no-builtin --iocs $B/hash-iocs.txt --json $C"
  t clamscan "clamscan -r --no-summary -d $B/hashes.hdb -d $B/hashes.hsb $C"
  t yara-p2 "yara -w -r -p 2 $DEF $B/rules_full.yar $C"
  t vigie-rules-hashes "$V scan --no-progress --no-builtin --rules $B/rules_full.yar --iocs $B/hash-iocs.txt --max-depth 0 --json $C"
  t vigie-rules-hashes-containers "$V scan --no-progress --no-builtin --rules $B/rules_full.yar --iocs $B/hash-iocs.txt --json $C"
done
