#!/usr/bin/env bash
# npm test: set up what is missing, start the private stack, check the code, run the whole suite.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$ROOT/node_modules/.bin:$PATH"
echo "node $(node --version)"
bash ops/stack.sh start
node db/migrate.ts
vite build --config agent-ui/vite.config.ts --logLevel warn
echo '--- typecheck'
tsc --noEmit -p .
echo '--- lint and format'
eslint .
prettier --check . > /dev/null || { prettier --check .; exit 1; }
echo '--- import cycles'
dpdm --no-warning --no-tree --exit-code circular:1 --transform main.ts 'tests/**/*.ts' 'bench/*.ts' 'agent-ui/src/*.ts'
echo '--- tests'
vitest run "$@"
