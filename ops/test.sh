#!/usr/bin/env bash
# npm test: set up what is missing, start the private stack, check the code, run the whole suite.
#
# The real-stack test files run one at a time on a stack, since they share its Asterisk, PostgreSQL and Redis. Most
# of their time is spent waiting on calls and prompts, not on the CPU, so the suite starts HOTLINE_TEST_STACKS
# stacks (2 unless set) side by side and splits the files between them (ops/stack-shards.ts). The first is the
# usual .stack/ on the usual ports; the second lives in .stack/shard-2 on ports of its own.
#
#   npm test                      everything
#   npm test -- tests/stack/x     only the files given (vitest's filters), on the first stack
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$ROOT/node_modules/.bin:$PATH"
echo "node $(node --version)"
STACKS=${HOTLINE_TEST_STACKS:-2}
[[ "$STACKS" =~ ^[12]$ ]] || { echo "HOTLINE_TEST_STACKS must be 1 or 2, not \"$STACKS\"" >&2; exit 2; }
[ $# -eq 0 ] || STACKS=1

# The second stack's settings: its own folder and ports that none of the first stack's (and its second Asterisk's,
# and its test phones') ports meet. The test phones move by phone base - 5170 (tests/support/env.ts PORT_SHIFT).
shard2_env() {
  export HOTLINE_STACK_DIR="$ROOT/.stack/shard-2" HOTLINE_PG_PORT=55452 HOTLINE_REDIS_PORT=56399 \
    HOTLINE_SIP_PORT=5360 HOTLINE_ARI_PORT=8388 HOTLINE_AMI_PORT=5239 HOTLINE_RTP_START=30000 \
    HOTLINE_RTP_END=30999 HOTLINE_PHONE_BASE_PORT=6670 HOTLINE_HTTP_PORT=8680
}

bash ops/stack.sh start
node db/migrate.ts
if [ "$STACKS" = 2 ]; then
  # the prompts are the same on both: copied, they are not generated twice
  [ -d .stack/shard-2/sounds ] || { mkdir -p .stack/shard-2 && cp -a .stack/sounds .stack/shard-2/sounds; }
  (shard2_env && bash ops/stack.sh start && node db/migrate.ts) | sed -u 's/^/[stack 2] /'
fi
vite build --config agent-ui/vite.config.ts --logLevel warn
echo '--- typecheck'
tsc --noEmit -p .
echo '--- lint and format'
eslint .
prettier --check . > /dev/null || { prettier --check .; exit 1; }
echo '--- import cycles'
dpdm --no-warning --no-tree --exit-code circular:1 --transform main.ts 'tests/**/*.ts' 'bench/*.ts' 'agent-ui/src/*.ts'
echo '--- tests'
if [ "$STACKS" = 1 ]; then
  exec vitest run "$@"
fi
vitest run --project unit
mapfile -t shares < <(node ops/stack-shards.ts 2)
results=$(mktemp -d)
run_share() { # <n> <files…>: one stack's share (1, 2, or solo: alone on the first), its lines marked with <n>
  local n=$1
  shift
  {
    [ "$n" != 2 ] || shard2_env
    local rc=0
    vitest run --project stack "$@" 2>&1 || rc=$?
    echo "$rc" > "$results/$n"
  } | sed -u "s/^/[stack $n] /"
}
# shellcheck disable=SC2086 # the file names have no spaces (ops/stack-shards.ts)
run_share 1 ${shares[0]} &
# shellcheck disable=SC2086
run_share 2 ${shares[1]} &
wait
# the files that measure the platform under a load of their own, alone on the first stack (ops/stack-shards.ts)
ran=(1 2)
if [ -n "${shares[2]:-}" ]; then
  # shellcheck disable=SC2086
  run_share solo ${shares[2]}
  ran+=(solo)
fi
failed=0
for n in "${ran[@]}"; do
  rc=$(cat "$results/$n" 2> /dev/null || echo 'none: the run did not finish')
  [ "$rc" = 0 ] || { echo "--- the stack tests on stack $n failed (exit $rc)"; failed=1; }
done
rm -rf "$results"
exit $failed
