#!/usr/bin/env bash
# Lints api/openapi.json with Redocly's recommended rules. The linter's
# version is pinned by package-lock.json and installed with npm ci (from the
# npm registry, once, and again only when the lock file changes).
set -euo pipefail
cd "$(dirname "$0")"
if ! cmp -s package-lock.json node_modules/.docscan-lock || [ ! -x node_modules/.bin/redocly ]; then
  echo "openapi: installing @redocly/cli from package-lock.json (npm ci)" >&2
  npm ci --no-audit --no-fund --progress=true --loglevel=http
  cp package-lock.json node_modules/.docscan-lock
fi
# No update check or telemetry: CI reaches only the registries.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
npx --no redocly lint --extends recommended --format stylish ../../api/openapi.json
