#!/usr/bin/env bash
# The local stack: a private PostgreSQL cluster, Redis and Asterisk, in a git-ignored folder (.stack/),
# on ports that do not clash with system services. Installs what is missing on Debian bookworm (as root).
#
#   ops/stack.sh start             install what is missing, then start (or reuse) PostgreSQL, Redis, Asterisk
#   ops/stack.sh stop              stop what this script started (by PID)
#   ops/stack.sh status            what is running
#   ops/stack.sh install           only install the Debian packages
#   ops/stack.sh asterisk-start    start Asterisk alone (after a crash or asterisk-kill)
#   ops/stack.sh asterisk-stop     stop Asterisk alone
#   ops/stack.sh asterisk-kill     kill -9 Asterisk (failure tests)
#   ops/stack.sh asterisk2-start|asterisk2-stop|asterisk2-kill   a second Asterisk (node hotline2) beside the
#                                  first, for the several-nodes tests: its own folder (.stack/asterisk2), SIP, ARI
#                                  and AMI ports one above the first's, the RTP range just above the first's, the
#                                  same credentials and agent desk phones; `stop` stops it too
#   ops/stack.sh cli2 'core show channels'   the CLI of the second Asterisk
#   ops/stack.sh pg-stop|pg-start, redis-stop|redis-start   one service alone (failure tests)
#   ops/stack.sh pg-pause|pg-resume  freeze PostgreSQL (SIGSTOP): connections stay open, nothing answers
#   ops/stack.sh cli 'pjsip show contacts'
#
# Credentials are generated on first start into .stack/secrets.env (mode 600) and never have defaults.
# The connection settings for the platform are written to .stack/stack.env, which core/config.ts reads.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK=${HOTLINE_STACK_DIR:-$ROOT/.stack}
mkdir -p "$STACK"
STACK=$(cd "$STACK" && pwd)

PG_PORT=${HOTLINE_PG_PORT:-55432}
REDIS_PORT=${HOTLINE_REDIS_PORT:-56379}
SIP_PORT=${HOTLINE_SIP_PORT:-5160}
ARI_PORT=${HOTLINE_ARI_PORT:-8188}
AMI_PORT=${HOTLINE_AMI_PORT:-5039}
RTP_START=${HOTLINE_RTP_START:-20000}
RTP_END=${HOTLINE_RTP_END:-20999}
PHONE_BASE_PORT=${HOTLINE_PHONE_BASE_PORT:-5170}
# where the carrier answers outbound calls (transfers to outside numbers); in tests and the demo a sipp phone
CARRIER_PORT=${HOTLINE_CARRIER_PORT:-$((PHONE_BASE_PORT + 20))}
AGENT_SEATS=${HOTLINE_AGENT_SEATS:-9}
QUALIFY_S=${HOTLINE_QUALIFY_S:-2}
QUALIFY_TIMEOUT_S=${HOTLINE_QUALIFY_TIMEOUT_S:-1.0}
TRUNK_MATCH=${HOTLINE_TRUNK_MATCH:-127.0.0.1}
HTTP_PORT=${HOTLINE_HTTP_PORT:-8480}
# The second Asterisk instance (asterisk2-start): derived from the first unless set
SIP2_PORT=${HOTLINE_SIP2_PORT:-$((SIP_PORT + 1))}
ARI2_PORT=${HOTLINE_ARI2_PORT:-$((ARI_PORT + 1))}
AMI2_PORT=${HOTLINE_AMI2_PORT:-$((AMI_PORT + 1))}
RTP2_START=${HOTLINE_RTP2_START:-$((RTP_END + 1))}
RTP2_END=${HOTLINE_RTP2_END:-$((RTP2_START + RTP_END - RTP_START))}
ARI_APP=${HOTLINE_ARI_APP:-hotline}

say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------- install
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

missing_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
  command -v redis-server > /dev/null || missing+=(redis-server)
  command -v sipp > /dev/null || missing+=(sip-tester)
  command -v chromium > /dev/null || missing+=(chromium)
  command -v espeak-ng > /dev/null || missing+=(espeak-ng)
  command -v sox > /dev/null || missing+=(sox)
  command -v curl > /dev/null || missing+=(curl)
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
  command -v tcpdump > /dev/null || missing+=(tcpdump)
  echo "${missing[@]}"
}

install_packages() {
  local missing asterisk_missing=0
  missing=$(missing_packages)
  [ -x /usr/sbin/asterisk ] || asterisk_missing=1
  if [ -z "$missing" ] && [ $asterisk_missing = 0 ]; then return 0; fi
  [ "$(id -u)" = 0 ] || die "missing packages (${missing} $([ $asterisk_missing = 1 ] && echo asterisk)); run as root or install them: see README.md"
  export DEBIAN_FRONTEND=noninteractive
  say "installing: ${missing} $([ $asterisk_missing = 1 ] && echo 'asterisk (from bullseye)')"
  if [ $asterisk_missing = 1 ] && ! grep -rqs 'bullseye main' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # Asterisk is not packaged for bookworm; bullseye's 16.28 installs cleanly beside it.
    echo 'deb http://deb.debian.org/debian bullseye main' > /etc/apt/sources.list.d/bullseye.list
  fi
  apt-get update -q
  # shellcheck disable=SC2086
  [ -z "$missing" ] || apt-get install -y -q -t bookworm $missing
  [ $asterisk_missing = 0 ] || apt-get install -y -q -t bullseye asterisk
  # A packaged system Asterisk may have been started by the package; ours uses other ports, but stop it.
  if command -v systemctl > /dev/null && systemctl is-active --quiet asterisk 2> /dev/null; then
    systemctl stop asterisk || true
  fi
}

# ---------------------------------------------------------------------------------------------- secrets
gen_secret() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

ensure_secrets() {
  local f=$STACK/secrets.env
  if [ ! -s "$f" ]; then
    (
      umask 077
      {
        echo "PG_PASSWORD=$(gen_secret)"
        echo "REDIS_PASSWORD=$(gen_secret)"
        echo "ARI_PASSWORD=$(gen_secret)"
        echo "AMI_SECRET=$(gen_secret)"
        echo "JWT_SECRET=$(gen_secret)$(gen_secret)"
        echo "METRICS_TOKEN=$(gen_secret)$(gen_secret)"
      } > "$f"
    )
    say "generated new credentials in $f"
  fi
  # added after the first ones: a stack created before gets it on its next start
  if ! grep -q '^METRICS_TOKEN=' "$f"; then
    (umask 077 && echo "METRICS_TOKEN=$(gen_secret)$(gen_secret)" >> "$f")
    say "generated a metrics token in $f"
  fi
  # shellcheck disable=SC1090
  . "$f"
}

write_stack_env() {
  (
    umask 077
    cat > "$STACK/stack.env" << EOF
# Written by ops/stack.sh; connection settings of the private stack. Do not commit.
HOTLINE_STACK_DIR=$STACK
HOTLINE_DATABASE_URL=postgres://hotline:$PG_PASSWORD@127.0.0.1:$PG_PORT/hotline
HOTLINE_REDIS_URL=redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0
HOTLINE_ARI_URL=http://127.0.0.1:$ARI_PORT
HOTLINE_ARI_USER=hotline
HOTLINE_ARI_PASSWORD=$ARI_PASSWORD
HOTLINE_ARI_APP=$ARI_APP
HOTLINE_AMI_HOST=127.0.0.1
HOTLINE_AMI_PORT=$AMI_PORT
HOTLINE_AMI_USER=hotline
HOTLINE_AMI_SECRET=$AMI_SECRET
HOTLINE_JWT_SECRET=$JWT_SECRET
HOTLINE_METRICS_TOKEN=$METRICS_TOKEN
HOTLINE_HTTP_PORT=$HTTP_PORT
HOTLINE_SIP_PORT=$SIP_PORT
HOTLINE_PHONE_BASE_PORT=$PHONE_BASE_PORT
HOTLINE_CARRIER_PORT=$CARRIER_PORT
HOTLINE_OUTSIDE_DIAL=PJSIP/trunk/sip:{number}@127.0.0.1:$CARRIER_PORT
HOTLINE_PROMPT_DIR=$STACK/sounds
HOTLINE_RECORDING_DIR=$AST/var/spool/recording
HOTLINE_ASTERISK_CONF=$STACK/asterisk/etc/asterisk.conf
HOTLINE_ASTERISK_PID_FILE=$STACK/asterisk/asterisk.pid
# the second Asterisk (node hotline2, ops/stack.sh asterisk2-start); same ARI user, password and AMI secret,
# and the same recording folder
HOTLINE_ARI2_URL=http://127.0.0.1:$ARI2_PORT
HOTLINE_AMI2_PORT=$AMI2_PORT
HOTLINE_SIP2_PORT=$SIP2_PORT
HOTLINE_RECORDING2_DIR=$AST/var/spool/recording
HOTLINE_ASTERISK2_CONF=$STACK/asterisk2/etc/asterisk.conf
EOF
  )
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2> /dev/null; }
pid_of() { cat "$1" 2> /dev/null | head -1 || true; }

# ---------------------------------------------------------------------------------------------- PostgreSQL
PGDIR=$STACK/pg
# when the stack folder is out of the postgres user's reach, the cluster lives elsewhere behind a symlink
[ -L "$PGDIR" ] && PGDIR=$(readlink -f "$PGDIR")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
  local bin
  bin=$(pg_bin)
  mkdir -p "$PGDIR"
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: its folder belongs to the postgres user, who must be able to reach it.
    if ! runuser -u postgres -- test -x "$STACK"; then
      local alt=/var/lib/estate-hotline/$(echo "$STACK" | sha1sum | cut -c1-12)/pg
      mkdir -p "$alt"
      [ -L "$PGDIR" ] || { rmdir "$PGDIR" 2> /dev/null || true; ln -sfn "$alt" "$PGDIR"; }
      PGDIR=$alt
    fi
    chown postgres: "$PGDIR"
  fi
  if [ ! -s "$PGDIR/data/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in $PGDIR/data"
    local pw=$PGDIR/pwfile
    (umask 077 && printf '%s\n' "$PG_PASSWORD" > "$pw")
    [ "$(id -u)" = 0 ] && chown postgres: "$pw"
    as_pg "$bin/initdb" -D "$PGDIR/data" -U hotline --pwfile="$pw" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 > "$PGDIR/initdb.log"
    rm -f "$pw"
    cat >> "$PGDIR/data/postgresql.conf" << EOF
# estate-hotline private cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGDIR'
shared_buffers = 256MB
max_connections = 200
EOF
  fi
  sed -i "s/^port = .*/port = $PG_PORT/; /^#port = /s/.*/port = $PG_PORT/" "$PGDIR/data/postgresql.conf"
  grep -q "^port = $PG_PORT" "$PGDIR/data/postgresql.conf" || echo "port = $PG_PORT" >> "$PGDIR/data/postgresql.conf"
  if as_pg "$bin/pg_ctl" -D "$PGDIR/data" status > /dev/null 2>&1; then
    say "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    as_pg "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" -w -t 60 start > /dev/null ||
      { tail -20 "$PGDIR/postgres.log"; die "PostgreSQL did not start"; }
    say "PostgreSQL started on 127.0.0.1:$PG_PORT"
  fi
  if ! PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U hotline -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname='hotline'" | grep -q 1; then
    PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U hotline -d postgres -qc 'CREATE DATABASE hotline'
  fi
}

pg_stop() {
  local bin
  bin=$(pg_bin)
  [ -d "$PGDIR/data" ] || return 0
  pg_signal CONT 2> /dev/null || true # a paused server would never see the stop
  if as_pg "$bin/pg_ctl" -D "$PGDIR/data" status > /dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PGDIR/data" -m fast -w stop > /dev/null && say "PostgreSQL stopped"
  fi
}

# pg_signal STOP|CONT: the server and every backend; STOP is a database that hangs rather than one that is down.
pg_signal() {
  local pid
  pid=$(head -1 "$PGDIR/data/postmaster.pid" 2> /dev/null) || die "PostgreSQL is not running"
  alive "$pid" || die "PostgreSQL is not running"
  # shellcheck disable=SC2046 # one PID per word
  kill -"$1" $(pgrep -P "$pid") "$pid"
}

# ---------------------------------------------------------------------------------------------- Redis
redis_start() {
  local dir=$STACK/redis
  mkdir -p "$dir"
  if alive "$(pid_of "$dir/redis.pid")"; then
    say "Redis already running on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  (
    umask 077
    cat > "$dir/redis.conf" << EOF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
requirepass $REDIS_PASSWORD
dir $dir
appendonly yes
appendfsync everysec
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
save ""
EOF
  )
  redis-server "$dir/redis.conf"
  for _ in $(seq 1 100); do
    if REDISCLI_AUTH=$REDIS_PASSWORD redis-cli -p "$REDIS_PORT" ping 2> /dev/null | grep -q PONG; then
      say "Redis started on 127.0.0.1:$REDIS_PORT (AOF on)"
      return 0
    fi
    sleep 0.1
  done
  tail -20 "$dir/redis.log"
  die "Redis did not start"
}

redis_stop() {
  local pid
  pid=$(pid_of "$STACK/redis/redis.pid")
  alive "$pid" || return 0
  kill "$pid"
  for _ in $(seq 1 100); do alive "$pid" || { say "Redis stopped"; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2> /dev/null || true
}

# ---------------------------------------------------------------------------------------------- Asterisk
AST=$STACK/asterisk
AST_CONF=$AST/etc/asterisk.conf
AST_NODE=${HOTLINE_ASTERISK_NODE:-hotline1}
AST_NAME=Asterisk

# The Asterisk commands act on the second instance after this: its folder, node name, ports and RTP range.
use_instance2() {
  AST=$STACK/asterisk2
  AST_CONF=$AST/etc/asterisk.conf
  AST_NODE=${HOTLINE_ASTERISK2_NODE:-hotline2}
  AST_NAME='Asterisk 2'
  SIP_PORT=$SIP2_PORT ARI_PORT=$ARI2_PORT AMI_PORT=$AMI2_PORT RTP_START=$RTP2_START RTP_END=$RTP2_END
  # every node records into one folder (in production a shared mount): the API serves any node's recordings and
  # the retention job clears them all; names are call ids, so the nodes never collide
  SHARED_RECORDINGS=$STACK/asterisk/var/spool/recording
}

agent_endpoints() {
  local n
  for n in $(seq 1 "$AGENT_SEATS"); do
    printf '[agent%s](agent-tpl)\naors = agent%s\n[agent%s](aor-tpl)\ncontact = sip:agent%s@127.0.0.1:%s\n\n' \
      "$n" "$n" "$n" "$n" $((PHONE_BASE_PORT + n))
  done
}

render_asterisk_config() {
  mkdir -p "$AST/etc" "$AST/var"/{run,log,spool/recording,lib,cache}
  if [[ -n ${SHARED_RECORDINGS:-} ]]; then
    mkdir -p "$SHARED_RECORDINGS"
    [[ -L $AST/var/spool/recording ]] || rm -rf "$AST/var/spool/recording"
    ln -sfn "$SHARED_RECORDINGS" "$AST/var/spool/recording"
  fi
  local endpoints f
  endpoints=$(agent_endpoints)
  for f in "$ROOT"/ops/asterisk/*.conf; do
    (
      umask 077
      sed -e "s#@AST_ETC@#$AST/etc#g; s#@AST_VAR@#$AST/var#g; s#@AST_NODE@#$AST_NODE#g" \
        -e "s#@ARI_PORT@#$ARI_PORT#g; s#@ARI_USER@#hotline#g; s#@ARI_PASSWORD@#$ARI_PASSWORD#g; s#@ARI_APP@#$ARI_APP#g" \
        -e "s#@AMI_PORT@#$AMI_PORT#g; s#@AMI_USER@#hotline#g; s#@AMI_SECRET@#$AMI_SECRET#g" \
        -e "s#@SIP_PORT@#$SIP_PORT#g; s#@RTP_START@#$RTP_START#g; s#@RTP_END@#$RTP_END#g" \
        -e "s#@PHONE_BASE_PORT@#$PHONE_BASE_PORT#g; s#@QUALIFY_S@#$QUALIFY_S#g; s#@QUALIFY_TIMEOUT_S@#$QUALIFY_TIMEOUT_S#g; s#@TRUNK_MATCH@#$TRUNK_MATCH#g" \
        "$f" | awk -v eps="$endpoints" '{ if ($0 == "@AGENT_ENDPOINTS@") print eps; else print }' > "$AST/etc/$(basename "$f")"
    )
  done
}

asterisk_start() {
  local pid
  pid=$(pid_of "$AST/asterisk.pid")
  if alive "$pid"; then
    say "$AST_NAME already running (pid $pid), ARI on 127.0.0.1:$ARI_PORT"
    return 0
  fi
  render_asterisk_config
  rm -f "$AST/var/run/asterisk.ctl" "$AST/var/run/asterisk.pid"
  local t0
  t0=$(date +%s%N)
  # -f foreground (we keep its PID), -n no colours, -g core dump on crash; no console, so no TTY is needed.
  setsid /usr/sbin/asterisk -C "$AST_CONF" -f -n -g > "$AST/asterisk.out" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$AST/asterisk.pid"
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null -u "hotline:$ARI_PASSWORD" "http://127.0.0.1:$ARI_PORT/ari/asterisk/info" 2> /dev/null; then
      /usr/sbin/asterisk -C "$AST_CONF" -rx 'core waitfullybooted' > /dev/null
      say "$AST_NAME ($AST_NODE) started (pid $pid) in $((($(date +%s%N) - t0) / 1000000)) ms; SIP 127.0.0.1:$SIP_PORT, ARI 127.0.0.1:$ARI_PORT, AMI 127.0.0.1:$AMI_PORT"
      return 0
    fi
    alive "$pid" || { tail -30 "$AST/asterisk.out"; die "$AST_NAME exited during start"; }
    sleep 0.05
  done
  tail -30 "$AST/asterisk.out"
  kill "$pid" 2> /dev/null || true
  die "$AST_NAME's ARI did not answer within 15 s"
}

asterisk_stop() {
  local pid
  pid=$(pid_of "$AST/asterisk.pid")
  alive "$pid" || { rm -f "$AST/asterisk.pid"; return 0; }
  /usr/sbin/asterisk -C "$AST_CONF" -rx 'core stop now' > /dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    alive "$pid" || { rm -f "$AST/asterisk.pid"; say "$AST_NAME stopped"; return 0; }
    sleep 0.1
  done
  kill "$pid" 2> /dev/null || true
  sleep 1
  kill -9 "$pid" 2> /dev/null || true
  rm -f "$AST/asterisk.pid"
}

asterisk_kill() {
  local pid
  pid=$(pid_of "$AST/asterisk.pid")
  alive "$pid" || die "$AST_NAME is not running"
  kill -9 "$pid"
  while alive "$pid"; do sleep 0.05; done
  say "$AST_NAME killed (pid $pid)"
}

# ---------------------------------------------------------------------------------------------- prompts
# The IVR's prompts are generated from ivr/prompts/catalogue.tsv (id<TAB>zh<TAB>en) into
# $STACK/sounds/<lang>/<id>.{wav,ulaw,alaw}, 8 kHz mono. Asterisk is given the path without extension and plays
# the format that needs the least translation for the channel: .alaw or .ulaw to G.711 callers (the trunk and the
# phones allow only alaw and ulaw), so no prompt is transcoded on a call; the 16-bit .wav serves everything else
# (bridge announcers, a wideband codec one day). A text with a Chinese character is spoken by espeak-ng's
# Mandarin voice cmn-latn-pinyin (the plain `cmn` voice of Debian's espeak-ng 1.51 reads every tone number aloud
# in English: 三号楼 as "san one hao four lou two"), any other text by en-us, whatever its column; a text
# `[tone 1000 Hz 250 ms]` is a sine tone made with sox. A language is generated again, into a fresh folder that
# then replaces the old one, when its column or this recipe changed. Studio recordings are never touched: they
# live in their own folder (HOTLINE_STUDIO_PROMPT_DIR) and win id by id (ivr/prompt-library.ts).
PROMPT_RECIPE='3: espeak-ng cmn-latn-pinyin 240 en-us 180; sox -v 0.8 8k trim pad 0.08; tone gain -12 fade 10ms; wav ulaw alaw'
PROMPT_TONE='^\[tone ([1-9][0-9]*) Hz ([1-9][0-9]*) ms\]$'
prompts() {
  local out=$STACK/sounds catalogue=$ROOT/ivr/prompts/catalogue.tsv lang col rows want stamp dir id text base n
  [ -f "$catalogue" ] || die "no prompt catalogue at $catalogue"
  for lang in zh en; do
    col=2
    [ "$lang" = en ] && col=3
    # id<TAB>text of the prompts with a text in this language (comments, the header and empty cells dropped)
    rows=$(awk -F'\t' -v c="$col" '{ sub(/\r$/, "") } !/^#/ && NF == 3 && $1 != "id" && $c != "" { print $1 "\t" $c }' "$catalogue")
    want=$(printf '%s\n%s\n' "$rows" "$PROMPT_RECIPE" | sha1sum | cut -c1-40)
    stamp=$out/$lang/.source-sha1
    [ "$(cat "$stamp" 2> /dev/null || true)" = "$want" ] && continue
    dir=$out/$lang.new
    rm -rf "$dir"
    mkdir -p "$dir"
    n=0
    while IFS=$'\t' read -r id text; do
      base=$dir/$id
      if [[ $text =~ $PROMPT_TONE ]]; then
        local hz=${BASH_REMATCH[1]} s
        s=$(printf '%d.%03d' $((BASH_REMATCH[2] / 1000)) $((BASH_REMATCH[2] % 1000)))
        sox -q -V1 -n -r 8000 -c 1 -b 16 "$base.wav" synth "$s" sine "$hz" gain -12 fade q 0.01 "$s" 0.01
      else
        local voice=en-us speed=180
        if printf '%s' "$text" | LC_ALL=C.UTF-8 grep -qP '\p{Han}'; then voice=cmn-latn-pinyin speed=240; fi
        espeak-ng -v "$voice" -s "$speed" -w "$base.src.wav" "$text"
        # 8 kHz mono 16-bit, leading and trailing silence trimmed, a short pause kept after each prompt
        sox -q -V1 -v 0.8 "$base.src.wav" -r 8000 -c 1 -b 16 "$base.wav" \
          silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0 0.08
        rm -f "$base.src.wav"
      fi
      sox -q -V1 "$base.wav" -t ul "$base.ulaw"
      sox -q -V1 "$base.wav" -t al "$base.alaw"
      n=$((n + 1))
    done <<< "$rows"
    echo "$want" > "$dir/.source-sha1"
    rm -rf "$out/$lang.old"
    [ ! -d "$out/$lang" ] || mv "$out/$lang" "$out/$lang.old"
    mv "$dir" "$out/$lang"
    rm -rf "$out/$lang.old"
    say "$n prompts generated for $lang in $out/$lang (.wav, .ulaw, .alaw)"
  done
}

# ---------------------------------------------------------------------------------------------- commands
status() {
  local bin
  bin=$(pg_bin)
  if [ -n "$bin" ] && [ -d "$PGDIR/data" ] && as_pg "$bin/pg_ctl" -D "$PGDIR/data" status > /dev/null 2>&1; then
    echo "postgresql: running on 127.0.0.1:$PG_PORT"
  else echo "postgresql: stopped"; fi
  if alive "$(pid_of "$STACK/redis/redis.pid")"; then echo "redis: running on 127.0.0.1:$REDIS_PORT"; else echo "redis: stopped"; fi
  if alive "$(pid_of "$AST/asterisk.pid")"; then echo "asterisk: running, SIP 127.0.0.1:$SIP_PORT"; else echo "asterisk: stopped"; fi
  if alive "$(pid_of "$STACK/asterisk2/asterisk.pid")"; then echo "asterisk2: running, SIP 127.0.0.1:$SIP2_PORT"; fi
}

case "${1:-start}" in
  install) install_packages ;;
  start)
    install_packages
    ensure_secrets
    pg_start
    redis_start
    prompts
    asterisk_start
    write_stack_env
    say "ready; settings in $STACK/stack.env"
    ;;
  stop)
    [ -f "$STACK/secrets.env" ] && ensure_secrets
    (use_instance2 && asterisk_stop)
    asterisk_stop
    redis_stop
    pg_stop
    ;;
  status) status ;;
  asterisk-start) ensure_secrets && asterisk_start ;;
  asterisk-stop) asterisk_stop ;;
  asterisk-kill) asterisk_kill ;;
  asterisk2-start) ensure_secrets && use_instance2 && asterisk_start ;;
  asterisk2-stop) use_instance2 && asterisk_stop ;;
  asterisk2-kill) use_instance2 && asterisk_kill ;;
  pg-start) ensure_secrets && pg_start ;;
  pg-stop) pg_stop ;;
  pg-pause) pg_signal STOP && say "PostgreSQL paused" ;;
  pg-resume) pg_signal CONT && say "PostgreSQL resumed" ;;
  redis-start) ensure_secrets && redis_start ;;
  redis-stop) redis_stop ;;
  prompts) prompts ;;
  cli)
    shift
    exec /usr/sbin/asterisk -C "$AST_CONF" -rx "$*"
    ;;
  cli2)
    shift
    use_instance2
    exec /usr/sbin/asterisk -C "$AST_CONF" -rx "$*"
    ;;
  *) die "unknown command '$1' (start | stop | status | install | asterisk-start | asterisk-stop | asterisk-kill | asterisk2-start | asterisk2-stop | asterisk2-kill | pg-start | pg-stop | pg-pause | pg-resume | redis-start | redis-stop | prompts | cli | cli2)" ;;
esac
