#!/bin/bash
# ratios.sh VIGIE [ROUNDS] [BIG]: yara and vigie alternating on the full
# signature-base set (/tmp/yfull.yar, assembled as ../shared/bench/yara/compare.sh
# full does): compile only, corpus128, corpus128 -n and, with BIG=1, the
# 1 GiB corpus with and without -n (its -n output is 29 GB, written to /tmp
# and deleted). Prints CPU (user+sys), max RSS and the output's size and
# sorted hash per run.
#   bench/yara/ratios.sh /tmp/vigie 2 0; bench/yara/ratios.sh /tmp/vigie 1 1
V=${1:-/tmp/vigie}; R=${2:-2}; BIG=${3:-1}
D="-d filename=XXX -d filepath=XXX -d extension=XXX -d filetype=XXX -d owner=XXX"
: > /tmp/empty
t() { # label cmd...
  local l=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o /tmp/mt.time "$@" > /tmp/mt.out 2>/tmp/mt.err
  read -r w u s m < /tmp/mt.time
  local sum; if [ "$(stat -c %s /tmp/mt.out)" -lt 1000000000 ]; then sum=$(sort /tmp/mt.out | md5sum | cut -c1-8); else sum=big; fi
  echo "$l wall=$w cpu=$(echo "$u + $s" | bc) user=$u sys=$s rss=$((m/1024)) bytes=$(stat -c %s /tmp/mt.out) sum=$sum"
  rm -f /tmp/mt.out
}
for i in $(seq 1 $R); do
  echo "== round $i $(uptime)"
  t "compile yara " yara -w $D /tmp/yfull.yar /tmp/empty
  t "compile vigie" $V yara -w $D /tmp/yfull.yar /tmp/empty
  t "c128 yara    " yara -w -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus128
  t "c128 vigie   " $V yara -w -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus128
  t "c128-n yara  " yara -w -n -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus128
  t "c128-n vigie " $V yara -w -n -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus128
  if [ "$BIG" = 1 ]; then
  t "1g yara      " yara -w -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus
  t "1g vigie     " $V yara -w -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus
  t "1g-n yara    " yara -w -n -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus
  t "1g-n vigie   " $V yara -w -n -r -p 2 $D /tmp/yfull.yar /tmp/vigie-bench/corpus
  fi
done
