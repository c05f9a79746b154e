#!/usr/bin/env bash
# Sets up (cached) and runs the whole test suite: real model, real index, real Rasa, real servers.
# The action tests run in the Rasa venv (rasa-sdk needs Python < 3.11), everything else in the service venv.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/prepare.sh"
cd "$ROOT"
if [ $# -eq 0 ]; then
  .venv/rasa/bin/python -m pytest -q -p no:cacheprovider tests/actions
  exec .venv/service/bin/python -m pytest --ignore=tests/actions
fi
exec .venv/service/bin/python -m pytest "$@"
