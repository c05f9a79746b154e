#!/usr/bin/env bash
# Sets up (cached) and runs the whole test suite: real model, real index, real Rasa, real servers.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/prepare.sh"
cd "$ROOT"
exec .venv/service/bin/python -m pytest "$@"
