PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# With TELEGRAM_BOT_TOKEN set: the real bot on Telegram. Without: the same bot against the local
# Bot API stand-in, with a chat page at http://127.0.0.1:8080 (QUIZBOT_SANDBOX_PORT to change).
run: $(STAMP)
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		$(BIN)/quizbot run; \
	else \
		$(BIN)/quizbot sandbox --port $${QUIZBOT_SANDBOX_PORT:-8080}; \
	fi

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/storage.py --one-chat
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/load.py --rate-limits

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
