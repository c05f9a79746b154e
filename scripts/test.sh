#!/usr/bin/env bash
# Sets up (cached) and runs the tests: real model, real index, real Rasa, real servers.
#   bash scripts/test.sh           ruff and mypy, then the whole suite (what `make test` and .ci/run run)
#   bash scripts/test.sh --fast    ruff and mypy, then the fast layer: every service-venv test that starts no
#                                  process (not marked `stack`, see tests/conftest.py); prints its time
#   bash scripts/test.sh ARGS…     pytest ARGS… in the service venv, nothing else
# The action tests run in the Rasa venv (rasa-sdk needs Python < 3.11), everything else in the service venv.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/prepare.sh"
cd "$ROOT"

checks() {  # configured in pyproject.toml
  .venv/service/bin/ruff check --quiet .
  # mypy's cache beside the other cached artefacts, shared by every clone: the third-party packages it
  # analyses are the same venv's, so a fresh clone checks in seconds instead of half a minute.
  MYPY_CACHE_DIR="$CACHE/mypy" .venv/service/bin/mypy
}

if [ $# -eq 0 ]; then
  checks
  .venv/rasa/bin/python -m pytest -q -p no:cacheprovider tests/actions
  exec .venv/service/bin/python -m pytest --ignore=tests/actions
fi
if [ "$1" = "--fast" ]; then
  shift
  checks
  started=$(date +%s.%N)
  # tests/actions is left out: it starts a knowledge service process for the actions to call.
  # The model folder prepare.sh built (by the same code) instead of a fresh build of it for the test.
  NAVIGATOR_EMBEDDING_MODEL="$ROOT/.build/embedding-model" \
    .venv/service/bin/python -m pytest -q -m "not stack" --ignore=tests/actions "$@"
  log "fast layer: $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
  exit 0
fi
exec .venv/service/bin/python -m pytest "$@"
