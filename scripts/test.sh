#!/usr/bin/env bash
# `npm test`: installs what is missing, then lint, typecheck, the web client build and the whole test suite
# (unit, integration with real OpenCode, browser tests with Debian's Chromium). Safe to run again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_system_packages "${APT_PACKAGES[@]}"
ensure_node
ensure_dependencies
ensure_client_built
cd "$ROOT"
log "lint"
npx biome check .
log "typecheck"
npm run --silent typecheck
log "tests"
npx vitest run "$@"
