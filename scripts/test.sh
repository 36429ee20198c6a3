#!/usr/bin/env bash
# Runs Vigie's whole test suite on a fresh machine: installs the real peers
# the tests drive (Chromium for the web UI, Postfix and swaks for the milter,
# DKIM signers for interop, ssh-keygen for the signed leak statements), then
# checks formatting, vets, cross-compiles and runs every test.
#
#   scripts/test.sh            # everything
#   VIGIE_NO_INSTALL=1 scripts/test.sh   # do not install packages
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use. Tests that need one skip with a message when
# it is missing, so a developer without root still gets a run.
packages=(chromium postfix swaks python3-dkim opendkim opendkim-tools dnsutils yara systemd openssh-client)
if [ -z "${VIGIE_NO_INSTALL:-}" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing test peers: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== cross-compile (pure Go: linux, windows, macOS)"
for target in linux/amd64 windows/amd64 darwin/arm64; do
  CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go build -o /dev/null ./cmd/vigie
done

echo "== go test"
CGO_ENABLED=0 go test -count=1 -timeout 30m ./...
