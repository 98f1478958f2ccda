#!/usr/bin/env bash
# Builds the web application (web/ → web/dist), which `vitrine serve` serves at /.
# Installs its npm packages when package-lock.json changed since the last install, and rebuilds
# only when a source is newer than the build. Needs Node.js 20.19 or later (Vite 8).
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build-web: Node.js and npm are needed to build the web application (tools/setup-debian.sh installs them)" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
  echo "build-web: Node.js $(node --version) is too old: Vite needs 20.19 or later" >&2
  exit 1
fi

# npm ci again only when the lock file is newer than the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "build-web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error </dev/null
fi

newest_source=$(find index.html package-lock.json tsconfig.json vite.config.ts src -type f -newer dist/index.html 2>/dev/null | head -1 || true)
if [ ! -f dist/index.html ] || [ -n "$newest_source" ]; then
  echo "build-web: npm run build"
  npm run --silent build </dev/null
fi
