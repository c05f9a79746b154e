# The two commands a newcomer needs:
#   make run    set up (cached) and start the whole assistant on embedded defaults
#   make test   set up (cached) and run the tests
.PHONY: run test test-fast prepare eval eval-dialogue run-scaled
run:
	bash scripts/start.sh
test:
	bash scripts/test.sh
# ruff, mypy and the tests that start no process (under a minute)
test-fast:
	bash scripts/test.sh --fast
prepare:
	bash scripts/prepare.sh
eval:
	.venv/service/bin/python -m knowledge.evaluation.retrieval --by-style
	.venv/service/bin/python -m knowledge.evaluation.retrieval --questions knowledge/evaluation/heldout.yml
# Held-out multi-turn conversations and business phrasings, played against the running assistant
# (make run first; BASE_URL overrides the address).
BASE_URL ?= http://127.0.0.1:8000
eval-dialogue:
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL)
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL) --set knowledge/evaluation/conversations_fresh.yml
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL) --set knowledge/evaluation/conversations_third.yml
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL) --set knowledge/evaluation/conversations_fourth.yml
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL) --set knowledge/evaluation/conversations_fifth.yml
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL) --set knowledge/evaluation/conversations_sixth.yml
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL) --set knowledge/evaluation/conversations_seventh.yml
	.venv/service/bin/python -m knowledge.evaluation.conversations --base-url $(BASE_URL) --set knowledge/evaluation/conversations_eighth.yml
	.venv/service/bin/python -m knowledge.evaluation.business --base-url $(BASE_URL)
	.venv/service/bin/python -m knowledge.evaluation.business --base-url $(BASE_URL) --set knowledge/evaluation/business_second.yml
	.venv/service/bin/python -m knowledge.evaluation.business --base-url $(BASE_URL) --set knowledge/evaluation/business_third.yml
	.venv/service/bin/python -m knowledge.evaluation.business --base-url $(BASE_URL) --set knowledge/evaluation/business_fourth.yml
	.venv/service/bin/python -m knowledge.evaluation.business --base-url $(BASE_URL) --set knowledge/evaluation/business_fifth.yml
# The scaled layout on this machine: several replicas behind nginx (docs/deploy.md).
run-scaled:
	bash scripts/start-scaled.sh
