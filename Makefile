# The two commands the README opens with. Both install what they need (scripts/setup.sh).
.PHONY: demo test setup bench wheel

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh

test: setup
	@bash scripts/test.sh

bench: setup
	@bash scripts/bench.sh

wheel: setup
	@bash scripts/wheel.sh
