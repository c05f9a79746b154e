# Shared shell settings for the scripts in this folder: where the cache lives and how
# cached artefacts are keyed. Sourced, never run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${NAVIGATOR_CACHE:-$HOME/.cache/approval-navigator}"
mkdir -p "$CACHE"

# hash_of FILE|DIR ... -> short sha256 over the contents (paths sorted, so order is stable)
hash_of() {
  (cd "$ROOT" && find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 | sort -z \
     | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

log() { printf '\033[1;34m[navigator]\033[0m %s\n' "$*" >&2; }

find_python() {  # find_python 3.10 -> path of an interpreter of that minor version
  local want="$1" p
  for p in "python$want" "$(pyenv root 2>/dev/null)/versions/$want"*/bin/python; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import sys; assert sys.version.startswith('$want')" 2>/dev/null; then
      command -v "$p"; return 0
    fi
  done
  echo "no Python $want found (pyenv install $want)" >&2; return 1
}
