#!/usr/bin/env bash
# `npm run demo`: Agent Ops with a scripted demo model instead of a real LLM, so it works without an API key.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_system_packages "${APT_PACKAGES[@]}"
ensure_node
ensure_dependencies
ensure_client_built
exec node "$ROOT/scripts/demo.ts" "$@"
