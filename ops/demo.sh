#!/usr/bin/env bash
# npm run demo: install what is missing, start the stack, load the demo data, start the platform, five desk
# phones and the carrier's phone (sipp, answering after a few seconds), print how to call; Ctrl-C stops it all.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$ROOT/node_modules/.bin:$PATH"

bash ops/stack.sh start
set -a
# shellcheck disable=SC1091
. "${HOTLINE_STACK_DIR:-$ROOT/.stack}/stack.env"
set +a
node db/migrate.ts
# The demo's data and logins. Without the logins file the database holds no demo data (only what `npm test` left,
# which is disposable): start it afresh.
if [ -f "${HOTLINE_STACK_DIR:-$ROOT/.stack}/demo-logins.json" ]; then node db/seed.ts; else node db/seed.ts --reset; fi
vite build --config agent-ui/vite.config.ts --logLevel warn

STACK=$HOTLINE_STACK_DIR
mkdir -p "$STACK/demo"
PIDS=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "[demo] stopping"
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  bash ops/stack.sh stop
}
trap cleanup INT TERM EXIT

# The agents' desk phones: one sipp per seat, answering 4 s after it starts ringing.
for seat in 1 2 3 4 5; do
  port=$((HOTLINE_PHONE_BASE_PORT + seat))
  (cd "$STACK/demo" && exec sipp -sf "$ROOT/ops/sipp/agent_phone.xml" -i 127.0.0.1 -p "$port" \
    -mi 127.0.0.1 -mp $((7000 + seat * 10)) -aa -d 4000 -nostdin > "$STACK/demo/phone$seat.log" 2>&1) &
  PIDS+=($!)
done

# The carrier: outside numbers (transfers, consultations, callbacks to owners) ring this sipp phone, which
# answers after 3 s and stays until the other side hangs up.
(cd "$STACK/demo" && exec sipp -sf "$ROOT/ops/sipp/agent_phone.xml" -i 127.0.0.1 -p "$HOTLINE_CARRIER_PORT" \
  -mi 127.0.0.1 -mp 7200 -aa -d 3000 -nostdin > "$STACK/demo/carrier.log" 2>&1) &
PIDS+=($!)

node main.ts start > "$STACK/demo/platform.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null -u "$HOTLINE_ARI_USER:$HOTLINE_ARI_PASSWORD" "$HOTLINE_ARI_URL/ari/applications/$HOTLINE_ARI_APP" 2> /dev/null &&
    curl -fsS -o /dev/null "http://127.0.0.1:$HOTLINE_HTTP_PORT/readyz" 2> /dev/null && break
  sleep 0.2
done

LOGINS=$STACK/demo-logins.json
cat << EOF

  estate-hotline demo is running.

  Agent page:   http://127.0.0.1:$HOTLINE_HTTP_PORT/
  Logins (generated for this machine, also in $LOGINS):
$(node -e 'for (const l of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) console.log(`    ${l.role.padEnd(10)} ${l.login.padEnd(8)} ${l.password}   ${l.name}`)' "$LOGINS")

  1. Sign in as agent1 and press 空闲 Available.
  2. Call the hotline ($HOTLINE_SIP_PORT on 127.0.0.1, number 4008200000) as the owner 张伟 (13800138000,
     unit B3-1502 of 翠湖花园) and press 0 for an agent; the pop shows on the page, the desk phone answers
     after 4 s, and the call ends after 20 s:

     sipp 127.0.0.1:$HOTLINE_SIP_PORT -sf ops/sipp/owner_call.xml -s 4008200000 -key caller 13800138000 -key digit 0 -d 20000 -i 127.0.0.1 -p 5061 -m 1 -nostdin

     Press 1 instead of 0 to hear the arrears (digit 1, -d 25000); use another number to be an unknown caller.
  3. Outside numbers (a transfer or consultation to a number from the agent page, a callback to an owner) ring
     the carrier's sipp phone on 127.0.0.1:$HOTLINE_CARRIER_PORT, which answers after 3 s.
  4. Outbound: sign in as leader, open 外呼活动 Campaigns, create a fee reminder (欠费催缴) for 翠湖花园 and start it.
     Inside the calling window (09:00-20:00 Shanghai time, not on public holidays) the owners in arrears are
     dialled through trunk main, which rings the carrier's phone; the page shows the progress live. A resolved
     repair or complaint is revisited the same way (回访), and unreached revisits land in 回访任务 Revisit tasks.

  Logs: $STACK/demo/platform.log   Press Ctrl-C to stop.
EOF
wait "${PIDS[-1]}"
