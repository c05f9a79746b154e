#!/usr/bin/env bash
# Stops the scaled layout started by scripts/start-scaled.sh (same SCALED_RUN_DIR).
source "$(dirname "$0")/lib.sh"
RUN_DIR="${SCALED_RUN_DIR:-$ROOT/var/scaled}"
if [ ! -f "$RUN_DIR/start.pid" ]; then log "no scaled layout runs from $RUN_DIR"; exit 0; fi
pid="$(cat "$RUN_DIR/start.pid")"
kill -TERM "$pid" 2>/dev/null || { log "pid $pid is gone"; rm -f "$RUN_DIR/start.pid"; exit 0; }
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { log "stopped"; exit 0; }; sleep 0.5; done
log "still stopping after 30 s (pid $pid)"; exit 1
