# The two commands a newcomer needs:
#   make run    set up (cached) and start the whole assistant on embedded defaults
#   make test   set up (cached) and run the tests
.PHONY: run test prepare eval run-scaled
run:
	bash scripts/start.sh
test:
	bash scripts/test.sh
prepare:
	bash scripts/prepare.sh
eval:
	.venv/service/bin/python -m knowledge.evaluation.retrieval --by-style
	.venv/service/bin/python -m knowledge.evaluation.retrieval --questions knowledge/evaluation/heldout.yml
# The scaled layout on this machine: several replicas behind nginx (docs/deploy.md).
run-scaled:
	bash scripts/start-scaled.sh
