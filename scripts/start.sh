#!/usr/bin/env bash
# Sets up (cached) and starts the whole assistant on embedded defaults; Ctrl-C stops everything.
#   knowledge service + web chat  http://127.0.0.1:8000   (API docs at /docs)
#   Rasa (REST, socket.io, WeChat) http://127.0.0.1:5005   (conversations in var/conversations.db)
#   action server                 http://127.0.0.1:5055   (Rasa only: SERVICE_TOKEN)
# Every process listens on 127.0.0.1 only; API_HOST opens the knowledge service to a network.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/prepare.sh"
cd "$ROOT"
export KNOWLEDGE_URL="${KNOWLEDGE_URL:-http://127.0.0.1:${API_PORT:-8000}}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-$KNOWLEDGE_URL}"
mkdir -p var/log
# One token for the three processes: the action server answers only Rasa calls carrying it, and the
# knowledge service takes conversation events only from the action server. Unset, the knowledge
# service's own module generates it once into VAR_DIR/service-token (owner-only file).
SERVICE_TOKEN="${SERVICE_TOKEN:-$(.venv/service/bin/python -m knowledge.core.secrets service-token)}" \
  || { log "could not read or create the service token (VAR_DIR/service-token)"; exit 1; }
export SERVICE_TOKEN

# Rasa keeps the conversations in var/conversations.db (bot/endpoints.yml); the knowledge service reads
# the same database to export, delete and purge a citizen's conversation.
export TRACKER_DB_URL="${TRACKER_DB_URL:-sqlite:///$ROOT/var/conversations.db}"

pids=()
cleanup() { log "stopping"; kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

.venv/service/bin/uvicorn knowledge.api.main:app --host "${API_HOST:-127.0.0.1}" --port "${API_PORT:-8000}" \
  > var/log/knowledge.log 2>&1 & pids+=($!)
.venv/rasa/bin/python -m actions.server --port 5055 --interface 127.0.0.1 > var/log/actions.log 2>&1 & pids+=($!)
.venv/rasa/bin/python -m bot.server run --model .build/rasa-models/navigator.tar.gz --endpoints bot/endpoints.yml \
  --credentials bot/credentials.yml --port 5005 --interface 127.0.0.1 > var/log/rasa.log 2>&1 & pids+=($!)

wait_for() {  # wait_for NAME URL
  for _ in $(seq 1 180); do
    if curl -fs "$2" >/dev/null 2>&1; then log "$1 is up: $2"; return 0; fi
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { log "a process exited; see var/log/"; exit 1; }; done
    sleep 1
  done
  log "$1 did not start; see var/log/"; exit 1
}
wait_for "knowledge service" "$KNOWLEDGE_URL/healthz"
wait_for "action server" "http://127.0.0.1:5055/health"
wait_for "Rasa" "http://127.0.0.1:5005/"
log "open http://127.0.0.1:${API_PORT:-8000}/ to chat (logs in var/log/)"
log "staff pages: http://127.0.0.1:${API_PORT:-8000}/login (热线导航台 /console, 指南维护 /editor)"
if [[ -z "${ADMIN_PASSWORD:-}" && -f var/initial-admin-password ]]; then
  log "first sign-in: user admin, password in var/initial-admin-password"
fi
wait
