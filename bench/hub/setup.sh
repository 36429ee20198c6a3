#!/bin/sh
# Usage: VIGIE=/path/to/vigie setup.sh DATA_DIR ADDR [DB_URL]
# Starts a hub for the wrk benchmarks in BENCHMARKS.md, makes two parties and
# their sensor tokens, and imports 10,000 indicators.
set -e
D=$1; A=$2; DB=${3:-}; V=${VIGIE:-vigie}
rm -rf $D
DBF=""; [ -n "$DB" ] && DBF="--db $DB"
$V serve --data $D --addr $A $DBF > $D.log 2>&1 &
echo $! > $D.pid
sleep 3
$V admin org create "Party A" --kind party --data $D $DBF >/dev/null
$V admin org create "Party B" --kind party --data $D $DBF >/dev/null
$V admin token create --org "Party A" --role sensor --data $D $DBF | tail -1 > $D.sensor
$V admin token create --org "Party B" --role sensor --data $D $DBF | tail -1 > $D.sensorb
$V admin token create --org Agency --role analyst --data $D $DBF | tail -1 > $D.analyst
python3 - $D.list <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(0, 2000, 10): f.write("host%d.bench.example\n" % i)
    for i in range(9800): f.write("ioc%d.bad.example\n" % i)
PY
curl -s -H "Authorization: Bearer $(cat $D.analyst)" --data-binary @$D.list "http://$A/api/v1/indicators/import?tlp=amber"; echo
