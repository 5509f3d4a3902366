#!/usr/bin/env bash
# Debian packages the real-editor end-to-end tests need (npm run test:e2e):
#   chromium                  the browser playwright-core drives (never `npx playwright install`)
#   ripgrep                   replaces @vscode/ripgrep's binary, which downloads from the internet
#   libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config
#                             headers code-server's native modules build against
#   build-essential python3   node-gyp's toolchain (usually already there)
#   pre-commit git            `npm run test:integrations` runs the repository's pre-commit hook
#                             with Debian's pre-commit (`pre-commit try-repo` on a local clone)
# Idempotent: installs only what is missing; runs `apt-get update` at most once, and only when
# something has to be installed. Needs root (or sudo).
set -euo pipefail

PACKAGES=(chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config build-essential python3 pre-commit git)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "e2e prereqs: all present (${PACKAGES[*]})"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "e2e prereqs: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi

echo "e2e prereqs: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "e2e prereqs: apt-get failed (output above)" >&2
  exit 1
fi
echo "e2e prereqs: done"
