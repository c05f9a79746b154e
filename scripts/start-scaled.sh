#!/usr/bin/env bash
# Starts the SCALED layout on this machine over loopback (docs/deploy.md); Ctrl-C or
# scripts/stop-scaled.sh stops everything it started.
#
#   nginx :8000 ─┬─ /webhooks/, /socket.io/ → Rasa × RASA_REPLICAS   (5101, 5102, …)
#                └─ everything else         → knowledge × KNOWLEDGE_REPLICAS (8101, 8102, …)
#   nginx 127.0.0.1:5055                    → action servers × ACTIONS_REPLICAS (5151, 5152, …),
#                                             and /api/ → knowledge (the action servers' KNOWLEDGE_URL)
#   PostgreSQL: guides (KNOWLEDGE_DB) + Rasa trackers (TRACKER_DB), created if missing
#   Redis: Rasa's lock store (db LOCK_REDIS_DB) + WeChat retry ledger and user state (REDIS_URL)
#
# Every setting is an environment variable with the default shown below. The embedded default
# (make run, scripts/start.sh) is unchanged.
source "$(dirname "$0")/lib.sh"
[ "${SKIP_PREPARE:-0}" = 1 ] || bash "$ROOT/scripts/prepare.sh"
cd "$ROOT"

RASA_REPLICAS="${RASA_REPLICAS:-2}"
KNOWLEDGE_REPLICAS="${KNOWLEDGE_REPLICAS:-2}"
ACTIONS_REPLICAS="${ACTIONS_REPLICAS:-2}"
LISTEN_HOST="${LISTEN_HOST:-127.0.0.1}"
PUBLIC_PORT="${PUBLIC_PORT:-8000}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
RASA_BASE_PORT="${RASA_BASE_PORT:-5101}"
KNOWLEDGE_BASE_PORT="${KNOWLEDGE_BASE_PORT:-8101}"
ACTIONS_BASE_PORT="${ACTIONS_BASE_PORT:-5151}"
PGHOST="${PGHOST:-127.0.0.1}"; PGPORT="${PGPORT:-5432}"; PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER   # PGPASSWORD, if needed, is read by libpq from the environment
KNOWLEDGE_DB="${KNOWLEDGE_DB:-navigator}"
TRACKER_DB="${TRACKER_DB:-navigator_rasa}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"; REDIS_PORT="${REDIS_PORT:-6379}"
export REDIS_URL="${REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT/0}"
# Only the dialogue side may post conversation events: every process gets the same token, generated
# once into VAR_DIR/service-token by the knowledge service's own module unless SERVICE_TOKEN is set.
SERVICE_TOKEN="${SERVICE_TOKEN:-$("$ROOT/.venv/service/bin/python" -m knowledge.core.secrets service-token)}" \
  || { log "could not read or create the service token (VAR_DIR/service-token)"; exit 1; }
export SERVICE_TOKEN
LOCK_REDIS_DB="${LOCK_REDIS_DB:-1}"
LOCK_REDIS_PREFIX="${LOCK_REDIS_PREFIX:-navigator}"
RUN_DIR="$(mkdir -p "${SCALED_RUN_DIR:-$ROOT/var/scaled}" && cd "${SCALED_RUN_DIR:-$ROOT/var/scaled}" && pwd)"
PUBLIC_URL="http://127.0.0.1:$PUBLIC_PORT"
SVC="$ROOT/.venv/service/bin"
RASA="$ROOT/.venv/rasa/bin"

if [ -f "$RUN_DIR/start.pid" ] && kill -0 "$(cat "$RUN_DIR/start.pid")" 2>/dev/null; then
  log "the scaled layout already runs from $RUN_DIR (pid $(cat "$RUN_DIR/start.pid")); scripts/stop-scaled.sh stops it"
  exit 1
fi

# nginx from Debian's packages; the system service is never used (nor /etc/nginx).
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  log "installing nginx (Debian package nginx-light)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; } \
    || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } \
    || { log "could not install nginx (not root?): apt-get install nginx-light"; exit 1; }
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# Databases, created if missing (tables are created by the services themselves).
"$SVC/python" - "$KNOWLEDGE_DB" "$TRACKER_DB" <<'PY' || { log "PostgreSQL at $PGHOST:$PGPORT is not reachable"; exit 1; }
import sys
import psycopg
with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5) as conn:
    for name in sys.argv[1:]:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", file=sys.stderr)
PY
"$SVC/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=3).ping()" "$REDIS_URL" \
  || { log "Redis at $REDIS_URL is not reachable"; exit 1; }

mkdir -p "$RUN_DIR/log" "$RUN_DIR/nginx"
rm -f "$RUN_DIR/ready"
echo $$ > "$RUN_DIR/start.pid"
: > "$RUN_DIR/pids"
pids=()
cleanup() {
  trap - EXIT INT TERM
  log "stopping the scaled layout"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f "$RUN_DIR/start.pid" "$RUN_DIR/pids" "$RUN_DIR/ready"
  exit 0
}
trap cleanup EXIT INT TERM

spawn() {  # spawn NAME COMMAND... — background child, its pid recorded for stop-scaled.sh and benchmarks
  local name="$1"; shift
  "$@" > "$RUN_DIR/log/$name.log" 2>&1 &
  pids+=($!)
  echo "$name $!" >> "$RUN_DIR/pids"
}

wait_for() {  # wait_for NAME URL
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null "$2" 2>/dev/null; then log "$1 is up: $2"; return 0; fi
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { log "a process exited; see $RUN_DIR/log/"; exit 1; }; done
    sleep 1
  done
  log "$1 did not start within 300 s; see $RUN_DIR/log/"; exit 1
}

servers() {  # servers BASE COUNT -> nginx upstream lines (as deploy/nginx_conf.py's upstream_lines)
  local i
  for ((i = 0; i < $2; i++)); do printf '        server 127.0.0.1:%d max_fails=1 fail_timeout=5s;\n' $(($1 + i)); done
}

knowledge() {  # knowledge INDEX
  local port=$((KNOWLEDGE_BASE_PORT + $1))
  # TRACKER_DB_URL: Rasa's trackers, for the retention purge and an admin's export/deletion of a conversation.
  spawn "knowledge-$1" env DATABASE_URL="postgresql+psycopg://$PGUSER@$PGHOST:$PGPORT/$KNOWLEDGE_DB" \
    TRACKER_DB_URL="${TRACKER_DB_URL:-postgresql+psycopg://$PGUSER@$PGHOST:$PGPORT/$TRACKER_DB}" \
    RASA_URL="$PUBLIC_URL" PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-$PUBLIC_URL}" API_PORT="$port" \
    "$SVC/uvicorn" knowledge.api.main:app --host 127.0.0.1 --port "$port" --log-level warning
}

rasa() {  # rasa INDEX
  local port=$((RASA_BASE_PORT + $1))
  spawn "rasa-$1" env RASA_TELEMETRY_ENABLED=false ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTIONS_PORT/webhook" \
    TRACKER_DB_HOST="$PGHOST" TRACKER_DB_PORT="$PGPORT" TRACKER_DB_NAME="$TRACKER_DB" TRACKER_DB_USER="$PGUSER" \
    LOCK_REDIS_HOST="$REDIS_HOST" LOCK_REDIS_PORT="$REDIS_PORT" LOCK_REDIS_DB="$LOCK_REDIS_DB" \
    LOCK_REDIS_PREFIX="$LOCK_REDIS_PREFIX" TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-20}" \
    "$RASA/python" -m bot.server run --model .build/rasa-models/navigator.tar.gz \
      --endpoints deploy/endpoints.scaled.yml --credentials bot/credentials.yml \
      --port "$port" --interface 127.0.0.1
}

# nginx first (it only forwards), then the first knowledge replica — it imports the guides into an
# empty database, so the others start once it is up — and the first Rasa replica, which creates the
# tracker table; the other Rasa replicas start once it is up, so no two create tables at once.
RASA_SERVERS="$(servers "$RASA_BASE_PORT" "$RASA_REPLICAS")" \
KNOWLEDGE_SERVERS="$(servers "$KNOWLEDGE_BASE_PORT" "$KNOWLEDGE_REPLICAS")" \
ACTIONS_SERVERS="$(servers "$ACTIONS_BASE_PORT" "$ACTIONS_REPLICAS")" \
RUN_DIR="$RUN_DIR" LISTEN_HOST="$LISTEN_HOST" PUBLIC_PORT="$PUBLIC_PORT" ACTIONS_PORT="$ACTIONS_PORT" \
"$SVC/python" deploy/nginx_conf.py deploy/nginx.conf.template "$RUN_DIR/nginx.conf"
"$NGINX" -t -q -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx.conf" || { log "nginx rejected $RUN_DIR/nginx.conf"; exit 1; }
spawn nginx "$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx.conf"

knowledge 0
for ((i = 0; i < ACTIONS_REPLICAS; i++)); do
  # The knowledge API through nginx's loopback server: the public port refuses to take events.
  spawn "actions-$i" env KNOWLEDGE_URL="http://127.0.0.1:$ACTIONS_PORT" PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-$PUBLIC_URL}" \
    "$RASA/python" -m actions.server --port $((ACTIONS_BASE_PORT + i)) --interface 127.0.0.1
done
rasa 0
wait_for "knowledge service 0" "http://127.0.0.1:$KNOWLEDGE_BASE_PORT/healthz"
for ((i = 1; i < KNOWLEDGE_REPLICAS; i++)); do knowledge "$i"; done
wait_for "Rasa 0" "http://127.0.0.1:$RASA_BASE_PORT/"
for ((i = 1; i < RASA_REPLICAS; i++)); do rasa "$i"; done
for ((i = 1; i < KNOWLEDGE_REPLICAS; i++)); do wait_for "knowledge service $i" "http://127.0.0.1:$((KNOWLEDGE_BASE_PORT + i))/healthz"; done
for ((i = 0; i < ACTIONS_REPLICAS; i++)); do wait_for "action server $i" "http://127.0.0.1:$((ACTIONS_BASE_PORT + i))/health"; done
for ((i = 1; i < RASA_REPLICAS; i++)); do wait_for "Rasa $i" "http://127.0.0.1:$((RASA_BASE_PORT + i))/"; done
wait_for "nginx" "$PUBLIC_URL/healthz"
echo ready > "$RUN_DIR/ready"
log "scaled layout ready: open $PUBLIC_URL/ to chat; WeChat webhook $PUBLIC_URL/webhooks/wechat/webhook (logs in $RUN_DIR/log/)"
# Any child's exit ends the layout (stop-scaled.sh, Ctrl-C, or a crash); nothing restarts in a loop.
wait -n || true
log "a process stopped; see $RUN_DIR/log/"
