#!/bin/bash
# An "engine" for libyara-tests.py and compare.sh-style runs that goes
# through libyara's yarac: compiles RULE with yarac (with the -d
# externals), then runs VIGIE (default: vigie on the PATH) as
# `vigie yara [flags] -d ... -C RULE.yarc TARGET`.
# Usage: yarac-engine.sh [-d k=v]... [flags]... RULE TARGET
#   VIGIE=/tmp/vigie bench/yara/libyara-tests.py YARA_GIT_DIR bench/yara/yarac-engine.sh
set -u
VIGIE="${VIGIE:-vigie}"
defs=(); flags=()
while [ $# -gt 2 ]; do
  case "$1" in
    -d) defs+=(-d "$2"); shift 2 ;;
    *) flags+=("$1"); shift ;;
  esac
done
rule=$1; target=$2
out=$(mktemp --suffix=.yarc)
trap 'rm -f "$out"' EXIT
yarac -w "${defs[@]}" "$rule" "$out" || exit 1
"$VIGIE" yara "${flags[@]}" "${defs[@]}" -C "$out" "$target"
