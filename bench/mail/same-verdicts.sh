#!/bin/bash
# Two builds of vigie give the same answer on every corpus message: the
# whole `vigie mail check --json` line (verdict, score, reasons with their
# evidence, model probability, authentication results), for
# shared/corpus/mail/{phish,ham} and shared/corpus/mail-train, run as the
# milter runs (--protect en-marche.fr, built-in model and indicators).
# For changes that must not change detection (speed work).
#
#   bench/mail/same-verdicts.sh /tmp/vigie-before /tmp/vigie-after
#   CORPUS=/path/to/corpus bench/mail/same-verdicts.sh OLD NEW
#
# Exits 0 and says how many messages agree, or prints the first
# differences and exits 1.
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 OLD_VIGIE NEW_VIGIE" >&2; exit 2; }
CORPUS=${CORPUS:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/corpus}
[ -d "$CORPUS/mail" ] || CORPUS=/work/shared/corpus
D=$(mktemp -d /tmp/same-verdicts.XXXXXX)
trap 'rm -rf "$D"' EXIT
run() { # binary output: fails when a run ends other than 0 or 1 (phishing found)
  local rc=0 r
  for dir in "$CORPUS/mail/phish" "$CORPUS/mail/ham" "$CORPUS/mail-train"; do
    "$1" mail check --json --protect en-marche.fr "$dir" 2>/dev/null >>"$2.raw" || { r=$?; [ "$r" = 1 ] || rc=$r; }
  done
  LC_ALL=C sort "$2.raw" >"$2"
  [ "$rc" = 0 ] || { echo "$1 ended with status $rc: its output is incomplete" >&2; return 1; }
}
run "$1" "$D/old" & p1=$!
run "$2" "$D/new" & p2=$!
wait $p1 && wait $p2 || exit 1
n=$(wc -l <"$D/old")
[ "$n" -gt 0 ] || { echo "no output from $1" >&2; exit 1; }
if cmp -s "$D/old" "$D/new"; then
  echo "same: $n messages, identical JSON lines"
  exit 0
fi
echo "DIFFERENT ($n lines before, $(wc -l <"$D/new") after):"
diff "$D/old" "$D/new" | head -20 | cut -c1-400
exit 1
