#!/bin/bash
# Makes the inputs of bench-sweep.sh and bench-sweep-hash.sh in /tmp/sweepbench
# from the shared corpus: the full signature-base rule set in one file, its
# hash IOCs, the same hashes as ClamAV databases, and a SHA-256-only list.
# Usage: bench/sweep/prepare.sh [SHARED_CORPUS]   (default ../shared/corpus)
set -euo pipefail
R=${1:-$(dirname "$0")/../../../shared/corpus}/rules
B=/tmp/sweepbench
mkdir -p $B
while read -r f; do cat "$R/signature-base-yara/$f"; echo; done < $R/set_full.txt > $B/rules_full.yar
grep -v '^#' $R/signature-base-iocs/hash-iocs.txt | grep -v '^\s*$' > $B/hash-iocs.txt
awk -F';' 'length($1)==32 {printf "%s:*:SB.%d:73\n", tolower($1), NR}' $B/hash-iocs.txt > $B/hashes.hdb
awk -F';' 'length($1)==40||length($1)==64 {printf "%s:*:SB.%d:73\n", tolower($1), NR}' $B/hash-iocs.txt > $B/hashes.hsb
awk -F';' 'length($1)==64 {print $1}' $B/hash-iocs.txt > $B/sha256-only.txt
echo "inputs in $B"
