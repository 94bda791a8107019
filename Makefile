# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test
run:
	scripts/setup
	.venv/bin/gumd run

test:
	scripts/setup --test
	.venv/bin/python -m pytest -q
