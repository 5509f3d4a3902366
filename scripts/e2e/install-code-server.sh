#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3 served to a browser) for the real-editor end-to-end tests
# into a git-ignored cache folder, from the npm registry only. Idempotent: a completed install
# leaves a stamp file and later runs return at once.
#
#   scripts/e2e/install-code-server.sh            # installs into .cache/code-server
#   MLSEC_CODE_SERVER_DIR=/some/dir scripts/e2e/install-code-server.sh
#
# code-server's own npm postinstall fails on these machines (root, no internet besides the npm
# registry: @vscode/ripgrep downloads a binary, node-pty calls `npx node-gyp`), so the packages are
# installed with --ignore-scripts and the native modules rebuilt by hand. 4.100.x is the last line
# that accepts Node 20. Debian packages it needs: scripts/e2e/ci-prereqs.sh.
set -euo pipefail

VERSION="${MLSEC_CODE_SERVER_VERSION:-4.100.3}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="${MLSEC_CODE_SERVER_DIR:-$ROOT/.cache/code-server}"
STAMP="$DEST/.installed-$VERSION"
ENTRY="$DEST/node_modules/code-server/out/node/entry.js"

if [[ -f "$STAMP" && -f "$ENTRY" ]]; then
  echo "code-server $VERSION: already installed in $DEST"
  exit 0
fi

for tool in rg node npm make g++ pkg-config; do
  command -v "$tool" >/dev/null || { echo "code-server install: '$tool' is missing; run scripts/e2e/ci-prereqs.sh" >&2; exit 1; }
done
for header in krb5.h X11/Xlib.h X11/extensions/XKBfile.h; do
  [[ -f "/usr/include/$header" ]] || { echo "code-server install: /usr/include/$header is missing; run scripts/e2e/ci-prereqs.sh" >&2; exit 1; }
done

started=$SECONDS
log() { echo "code-server install [$((SECONDS - started))s]: $*"; }

export npm_config_yes=true npm_config_audit=false npm_config_fund=false \
  npm_config_update_notifier=false npm_config_loglevel="${npm_config_loglevel:-warn}"
# node-gyp would download Node's headers; use the installed ones when the system has them.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  nodedir="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
  [[ -f "$nodedir/include/node/node.h" ]] && export npm_config_nodedir="$nodedir"
fi

# A half-finished earlier attempt is discarded (the npm cache keeps the retry fast), but only a
# folder this script made: never empty a folder that holds something else.
if [[ -d "$DEST" && -n "$(ls -A "$DEST")" ]] && ! grep -qs '"mlsec-e2e-code-server"' "$DEST/package.json"; then
  echo "code-server install: $DEST is not empty and was not made by this script; not touching it" >&2
  exit 1
fi
rm -rf "$DEST"
mkdir -p "$DEST"
cd "$DEST"
# Own package.json: otherwise npm would walk up and install into the repository's package.json.
printf '{ "name": "mlsec-e2e-code-server", "private": true }\n' > package.json

log "npm install code-server@$VERSION"
npm install --no-audit --no-fund --ignore-scripts --no-package-lock "code-server@$VERSION"

CS="$DEST/node_modules/code-server"
VSC="$CS/lib/vscode"
[[ -d "$VSC" ]] || { echo "code-server install: $VSC is missing" >&2; exit 1; }

# The three dependency trees are independent: fetch them in parallel.
log "npm install (code-server, lib/vscode, lib/vscode/extensions) in parallel"
pids=()
(cd "$CS" && npm install --omit=dev --ignore-scripts --no-audit --no-fund > "$DEST/npm-code-server.log" 2>&1) & pids+=($!)
(cd "$VSC" && npm install --omit=dev --ignore-scripts --no-audit --no-fund > "$DEST/npm-vscode.log" 2>&1) & pids+=($!)
(cd "$VSC/extensions" && npm install --omit=dev --ignore-scripts --no-audit --no-fund > "$DEST/npm-extensions.log" 2>&1) & pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if [[ $failed -ne 0 ]]; then
  tail -n 40 "$DEST"/npm-*.log >&2
  echo "code-server install: an npm install failed (logs above)" >&2
  exit 1
fi

log "ripgrep from Debian (@vscode/ripgrep would download it)"
mkdir -p "$VSC/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$VSC/node_modules/@vscode/ripgrep/bin/rg"

log "rebuilding native modules"
(cd "$VSC" && npm rebuild kerberos @vscode/spdlog @parcel/watcher native-watchdog @vscode/deviceid node-pty)
(cd "$CS" && npm rebuild argon2)

# npm may one day skip unlisted install scripts quietly: check that the addons really were built.
for addon in "$VSC/node_modules/node-pty/build/Release/pty.node" \
             "$VSC/node_modules/@vscode/spdlog/build/Release/spdlog.node" \
             "$VSC/node_modules/native-watchdog/build/Release/watchdog.node" \
             "$VSC/node_modules/kerberos/build/Release/kerberos.node"; do
  [[ -f "$addon" ]] || { echo "code-server install: $addon was not built (npm rebuild output above)" >&2; exit 1; }
done
compgen -G "$CS/node_modules/argon2/lib/binding/*/argon2.node" >/dev/null \
  || { echo "code-server install: argon2 was not built (npm rebuild output above)" >&2; exit 1; }

log "links the postinstall would have made"
ln -sfn node_modules "$VSC/node_modules.asar"
(cd "$VSC/bin/remote-cli" && ln -sfn code-linux.sh code-server)
(cd "$VSC/bin/helpers" && ln -sfn browser-linux.sh browser.sh)

log "checking"
XDG_DATA_HOME="$DEST/data" node "$ENTRY" --config "$DEST/config.yaml" --version
echo "$VERSION installed $(date -u +%FT%TZ)" > "$STAMP"
log "done: $DEST"
