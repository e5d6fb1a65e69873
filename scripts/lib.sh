# Shared by scripts/run and scripts/test: where things live, and installing what is missing.
# Every step checks first and skips what is already there, so repeated runs take seconds.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Build output lives outside the clone so fresh clones and CI reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ebb/target}"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
# Go (the Kubernetes test host only) where these machines install it, for shells that did not
# read a profile.
if [ -d /usr/local/go/bin ]; then export PATH="/usr/local/go/bin:$PATH"; fi
export LEPTOS_OUTPUT_NAME=ebb
SITE="$ROOT/target/site"

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=version_132

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# apt_install PKG... : installs Debian packages that are missing (root only).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  is_root || die "missing Debian packages: ${missing[*]} (install them, or run as root)"
  log "apt-get install ${missing[*]}"
  if [ ! -f /tmp/.ebb-apt-updated ]; then
    apt-get update -qq && touch /tmp/.ebb-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The wasm-bindgen version the lockfile pins: the CLI must match it exactly.
lock_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust_tools() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  local want; want="$(lock_wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    log "cargo install wasm-bindgen-cli $want (about 3 minutes, once)"
    # Not --locked: its lockfile names a crate version this registry lacks (TOOLCHAIN.md).
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_cargo_leptos() {
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (about 25 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
}

# npm packages of end2end/: Playwright and binaryen (wasm-opt; Debian's binaryen breaks hydration).
ensure_node_packages() {
  command -v npm >/dev/null || apt_install nodejs npm
  local stamp="$ROOT/end2end/node_modules/.ebb-installed"
  if [ ! -f "$stamp" ] || [ "$ROOT/end2end/package-lock.json" -nt "$stamp" ]; then
    log "npm ci (end2end)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
  wasm-opt --version 2>/dev/null | grep -q "$BINARYEN_VERSION" \
    || die "wasm-opt on PATH is not binaryen $BINARYEN_VERSION: $(command -v wasm-opt)"
}

# Front-end packages served by ebb (uPlot): installed from the npm registry into assets/, then
# copied into the site so the browser loads them from our own origin.
ensure_vendor_packages() {
  local stamp="$ROOT/assets/node_modules/.ebb-installed"
  if [ ! -f "$stamp" ] || [ "$ROOT/assets/package-lock.json" -nt "$stamp" ]; then
    log "npm ci (assets)"
    (cd "$ROOT/assets" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

copy_vendor_files() {
  mkdir -p "$SITE/vendor"
  cp "$ROOT/assets/node_modules/uplot/dist/uPlot.iife.min.js" \
     "$ROOT/assets/node_modules/uplot/dist/uPlot.min.css" "$SITE/vendor/"
}

# Writes <file>.gz (gzip -9) and <file>.br (brotli 11) beside the browser bundle and vendored
# files; the server sends them as they are (see src/server/http.rs). Node's zlib does both.
precompress_site() {
  node - "$SITE/pkg" "$SITE/vendor" <<'JS'
const fs = require("fs"), path = require("path"), zlib = require("zlib");
for (const dir of process.argv.slice(2)) {
  if (!fs.existsSync(dir)) continue;
  for (const name of fs.readdirSync(dir)) {
    if (/\.(gz|br)$/.test(name)) continue;
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    const data = fs.readFileSync(file);
    fs.writeFileSync(file + ".gz", zlib.gzipSync(data, { level: 9 }));
    fs.writeFileSync(file + ".br", zlib.brotliCompressSync(data, { params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
  }
}
JS
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  apt_install chromium
}
