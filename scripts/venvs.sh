#!/usr/bin/env bash
# Creates (or reuses from the cache) the two virtual environments and links them into .venv/:
#   .venv/rasa    Python 3.10: Rasa 3.6, channels, action server
#   .venv/service Python 3.11: knowledge service, retrieval, tests
# Each venv is keyed by the hash of its requirements file, so a clean clone reuses it.
source "$(dirname "$0")/lib.sh"

make_venv() {  # make_venv NAME PYVER REQFILE [pre-install args]
  local name="$1" pyver="$2" req="$3"; shift 3
  local key; key="$(hash_of "$req" scripts/venvs.sh)"
  local dir="$CACHE/venv-$name-$key"
  mkdir -p "$CACHE"
  # One build per cached venv at a time: two set-ups running at once (a developer's `make run` and a
  # test run, or several clones) would otherwise delete each other's half-built venv.
  (
    flock 9
    if [ ! -f "$dir/.complete" ]; then
      log "building venv $name (Python $pyver) in $dir"
      rm -rf "$dir"
      "$(find_python "$pyver")" -m venv "$dir"
      "$dir/bin/pip" install -q --upgrade pip wheel
      if [ $# -gt 0 ]; then "$dir/bin/pip" install -q "$@"; fi
      "$dir/bin/pip" install -q -r "$ROOT/$req"
      touch "$dir/.complete"
    fi
  ) 9>"$dir.lock" || { log "could not build venv $name (see above)"; exit 1; }
  mkdir -p "$ROOT/.venv"
  ln -sfn "$dir" "$ROOT/.venv/$name"
}

# torch first, alone, at its pin in requirements/service.txt: the CPU wheel on this machine.
make_venv service 3.11 requirements/service.txt "$(grep -E '^torch==' "$ROOT/requirements/service.txt")" &
svc=$!
make_venv rasa 3.10 requirements/rasa.txt &
rasa=$!
wait $svc; wait $rasa
log "venvs ready: .venv/rasa .venv/service"
