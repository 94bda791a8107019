# The commands a newcomer needs: `make run`, `make test` (everything), and `make test-fast` (tests/unit: no
# X server, no model; under a minute; needs the environment `make test` or `scripts/setup --test` made).
.PHONY: run test test-fast
run:
	scripts/setup
	.venv/bin/gumd run

test:
	scripts/setup --test
	.venv/bin/python -m pytest -q

test-fast:
	env -u DISPLAY -u WAYLAND_DISPLAY .venv/bin/python -m pytest -q tests/unit
