.PHONY: run test bench lint
run:   ## set up and serve the portal with demo data on http://127.0.0.1:8000
	scripts/run
test:  ## set up and run the whole test suite
	scripts/test
bench: ## run every bench/ script and print one table
	scripts/install && .venv/bin/python bench/run_all.py
lint:
	.venv/bin/ruff check .
