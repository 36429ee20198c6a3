#!/bin/sh
# heldout-sets.sh CORPUS PHISHING_POT_GIT OUT
#
# Builds the two extra mail sets of BENCHMARKS.md ("Legitimate bulk mail
# and newer phishing"):
#   OUT/hardham-heldout, OUT/hardham-tuning: SpamAssassin hard ham of
#     CORPUS/mail-train and CORPUS/mail, split by sender organisation (the
#     From domain's last two labels, three under co.uk-like endings); an
#     organisation whose name's SHA-1 ends in an odd hex digit is held out.
#   OUT/phish-newest: the 800 samples most recently added to email/ of the
#     rf-peixoto/phishing_pot git mirror that are in neither corpus.
# Then: vigie mail check --json OUT/hardham-heldout OUT/phish-newest
set -eu
corpus=$1 git=$2 out=$3
mkdir -p "$out/hardham-heldout" "$out/hardham-tuning" "$out/phish-newest"
for f in "$corpus"/mail-train/ham/sa_hard_ham* "$corpus"/mail/ham/sa_hard_ham*; do
	dom=$(grep -m1 -i '^From:' "$f" | tr 'A-Z' 'a-z' | sed 's/.*@//; s/[>" ].*//; s/[^a-z0-9.-]//g')
	org=$(echo "$dom" | awk -F. '{n=NF; if (n>=3 && $(n-1)~/^(co|com|org|net|gov|ac|edu)$/ && length($n)==2) print $(n-2)"."$(n-1)"."$n; else if (n>=2) print $(n-1)"."$n; else print "?"}')
	last=$(printf %s "$org" | sha1sum | cut -c40)
	case $last in
	1 | 3 | 5 | 7 | 9 | b | d | f) cp "$f" "$out/hardham-heldout/" ;;
	*) cp "$f" "$out/hardham-tuning/" ;;
	esac
done
ls "$corpus"/mail-train/phish "$corpus"/mail/phish | sed -n 's/^phishing_pot-//p' >"$out/.used"
git --git-dir="$git" log --name-only --diff-filter=A --format='@%cI' -- email/ |
	awk '/^@/ {d = $0; next} NF {print d, $0}' | sort -r | awk '{print $2}' | sed 's#^email/##' |
	awk '!s[$0]++' | grep -vxFf "$out/.used" | head -800 >"$out/.newest"
while read -r f; do
	git --git-dir="$git" show "HEAD:email/$f" >"$out/phish-newest/$f"
done <"$out/.newest"
echo "$(ls "$out/hardham-heldout" | wc -l) held-out hard ham, $(ls "$out/hardham-tuning" | wc -l) tuning, $(ls "$out/phish-newest" | wc -l) newest phishing"
