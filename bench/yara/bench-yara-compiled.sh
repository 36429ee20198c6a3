#!/bin/bash
# Median of 5 (wall, user+sys) for: loading rule sources, compiling and saving,
# and loading saved rules, for vigie and libyara, on the full signature-base set.
# Usage: VIGIE=/path/to/vigie bench/yara/bench-yara-compiled.sh [SHARED_CORPUS]
set -uo pipefail
V=${VIGIE:-vigie}; D=/tmp/yc; E=$D/empty
R=${1:-$(dirname "$0")/../../../shared/corpus}/rules
mkdir -p $D $E
while read -r f; do cat "$R/signature-base-yara/$f"; echo; done < $R/set_full.txt > $D/full.yar
DEF=(-d filename=XXX -d filepath=XXX -d extension=XXX -d filetype=XXX -d owner=XXX)
t() { local name=$1; shift; /usr/bin/time -f '%e %U %S' -o $D/time "$@" >/dev/null 2>&1; read -r w u s < $D/time; echo "$w $(echo "$u + $s" | bc)" >> $D/$name.times; }
rm -f $D/*.times
for i in 1 2 3 4 5; do
  t vigie_src   $V yara -w "${DEF[@]}" $D/full.yar $E
  t vigie_save  $V yara compile -w "${DEF[@]}" $D/full.yar $D/full.vyc
  t vigie_load  $V yara -C $D/full.vyc $E
  t yara_src    yara -w "${DEF[@]}" $D/full.yar $E
  t yarac       yarac -w "${DEF[@]}" $D/full.yar $D/full.yarc
  t yara_load   yara -C $D/full.yarc $E
done
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for n in vigie_src vigie_save vigie_load yara_src yarac yara_load; do
  printf '%-11s wall=%ss cpu=%ss\n' $n "$(cut -d' ' -f1 $D/$n.times | med)" "$(cut -d' ' -f2 $D/$n.times | med)"
done
ls -l $D/full.vyc $D/full.yarc | awk '{print $9, $5}'
