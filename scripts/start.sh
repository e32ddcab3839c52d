#!/usr/bin/env bash
# `npm start`: installs what is missing (system packages, Node 24, npm dependencies), builds the web client if its
# sources changed, and starts the server on http://localhost:8787. Safe to run again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_system_packages "${APT_PACKAGES[@]}"
ensure_node
ensure_dependencies
ensure_client_built
exec node "$ROOT/packages/cli/src/main.ts" serve "$@"
