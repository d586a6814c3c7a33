#!/usr/bin/env bash
# Run vigil's whole test suite on a fresh machine: install what the tests need (Debian
# packages and Python peers listed in .ci/), then run every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
if [ -f .ci/apt-packages ]; then
  while read -r pkg || [ -n "$pkg" ]; do
    [ -z "$pkg" ] || [ "${pkg:0:1}" = "#" ] && continue
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done < .ci/apt-packages
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ -f .ci/pip-packages ] && grep -qv '^\s*\(#\|$\)' .ci/pip-packages; then
  python3 -m pip install -q --disable-pip-version-check -r .ci/pip-packages
fi

cargo test --workspace --release --no-fail-fast "$@"
