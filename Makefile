# The course's commands. Each sets up .venv first if needed, with Python 3.11 or newer
# (python3, or the one you name: make run PYTHON=python3.12).
#   make run [STAGE=05_jwt_stateless] [PORT=5001]   serve a stage on http://127.0.0.1:5000,
#                                       restarted when its code changes
#   make attacker [PORT=5001] [ATTACKER_PORT=8101]  the other site of the live attack demos
#                                       (port 8001), attacking the stage on PORT
#   make test                           the whole suite, browser tests included
#   make browser                        a browser for the tests, downloaded if none is here
#   make lessons [STAGE=04_session_cookies]  only the lesson tests, one claim a line
#   make break STAGE=04_session_cookies [BREAK=no-csrf-check]  list a stage's breaks, or
#                                       break a copy of it and watch its lessons go red
#   make run-broken STAGE=04_session_cookies BREAK=no-csrf-check  serve that broken copy
#   make exercise STAGE=04_session_cookies [EXERCISE=name]  list, or test your exercise
#   make lab STAGE=01_missile_button [LAB=name] [DEFENDED=1]  list a stage's attack labs,
#                                       or run your exploit in one: Solved, or what is
#                                       missing (DEFENDED=1: against the defence)
#   make labs                           the score board: every lab, solved or not
#   make breaks / make exercises        every break caught, every exercise proved (CI)
#   make labs-check                     every lab proved three ways (CI)
#   make diff STAGE=04_session_cookies  the step in code from the previous stage
#   make lint                           ruff
#   make load                           the long load test of 07 and 08, with figures
#   make bench                          the benchmarks
#   make slides [PORT=8100]             the deck on http://127.0.0.1:8000/slides/ (no .venv needed)
#   make doctor [PORT=5001] [ATTACKER_PORT=8101] [SLIDES_PORT=8100]  is this machine ready
#                                       for the class, on those ports? (changes nothing)
#   make wheelhouse [WHEELHOUSE=dir]    every package as wheels, for an offline classroom
#   make setup-offline WHEELHOUSE=dir   set up .venv from those wheels, with no network

PYTHON ?= python3
STAGE ?= 01_missile_button
PORT ?= 5000
ATTACKER_PORT ?= 8001
SLIDES_PORT ?= 8000
WHEELHOUSE ?= wheelhouse
BIN := .venv/bin

.PHONY: run run-broken test lessons break breaks exercise exercises diff lint load bench browser venv
.PHONY: doctor wheelhouse setup-offline
.PHONY: slides
.PHONY: attacker
.PHONY: lab labs labs-check

# Stage 01 keeps only hashes of its tokens, so no start can show an old one again: each
# `make run` of 01 makes a new token for 'demo' and prints the page's address with it.
# --reload: Werkzeug's reloader (not the debugger) restarts the server when the code changes.
run: venv
	@if [ "$(STAGE)" = 01_missile_button ]; then \
		FLASK_RUN_PORT=$(PORT) $(BIN)/flask --app $(STAGE) create-token demo; fi
	FLASK_RUN_PORT=$(PORT) $(BIN)/flask --app $(STAGE) run --reload

# The other site (attacker/README.md), attacking the stage that `make run` serves on PORT.
attacker: venv
	@echo "Open http://localhost:$(ATTACKER_PORT) (another site) or http://127.0.0.1:$(ATTACKER_PORT) (the same site)"
	FLASK_STAGE_URL=http://127.0.0.1:$(PORT) $(BIN)/flask --app attacker run --port $(ATTACKER_PORT)

test: venv browser
	$(BIN)/python -m pytest -n auto --dist worksteal

# Weaknesses and fixes apart, one claim a line; STAGE=... for one stage's lessons.
# The learner's loops (lessons, break, exercise) never download: with no browser here
# they run every other lesson and say in one line which ones did not run.
lessons: venv
	$(if $(filter command line,$(origin STAGE)), \
		$(BIN)/python tools/practise.py lessons $(STAGE), \
		$(BIN)/python -m pytest -m lesson --lessons -q -rN --skip-browser-if-none)

break: venv
	$(BIN)/python tools/practise.py break $(STAGE) $(BREAK)

run-broken: venv
	FLASK_RUN_PORT=$(PORT) $(BIN)/python tools/practise.py serve $(STAGE) $(BREAK)

breaks: venv browser
	$(BIN)/python tools/practise.py breaks

exercise: venv
	$(BIN)/python tools/practise.py exercise $(STAGE) $(EXERCISE)

exercises: venv browser
	$(BIN)/python tools/practise.py exercises

# Attack labs (exercises/README.md, "Attack it"): servers on free ports of 127.0.0.1, or
# LAB_STAGE_PORT= and LAB_ATTACKER_PORT= when set.
lab: venv browser
	$(BIN)/python tools/labs.py lab $(STAGE) $(LAB) $(if $(DEFENDED),defended)

labs: venv
	$(BIN)/python tools/labs.py board

labs-check: venv browser
	$(BIN)/python tools/labs.py check

diff:
	@prev=$$(ls -d [0-9][0-9]_* | grep -B1 -x "$(STAGE)" | head -n 1); \
	if [ -z "$$prev" ] || [ "$$prev" = "$(STAGE)" ]; then \
		echo "make diff STAGE=NN_name, with a stage that has one before it"; exit 2; fi; \
	tmp=$$(mktemp -d); \
	for dir in $$prev $(STAGE); do \
		tar -cf - --exclude=__pycache__ --exclude=vendor --exclude=dist --exclude=README.md --exclude=DEPLOY.md \
			--exclude=node_modules --exclude=package-lock.json $$dir | tar -xf - -C $$tmp; \
	done; \
	cd $$tmp && git diff --no-index --color=auto $$prev $(STAGE); \
	rm -rf $$tmp

load: venv
	$(BIN)/python tests/load.py

bench: venv
	$(BIN)/pip install --disable-pip-version-check -q -r bench/requirements.txt
	$(BIN)/python bench/run.py

# The slide deck (slides/), served by Python's own file server: no .venv, no internet.
# slides/serve.py serves the slides and the stages' files they link to, nothing else.
# Its port: PORT when given (make slides PORT=8100), else SLIDES_PORT.
slides:
	$(PYTHON) slides/serve.py $(if $(filter command line,$(origin PORT)),$(PORT),$(SLIDES_PORT))

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Is this machine ready for the class? Run by $(PYTHON), not .venv's: it checks .venv too.
doctor:
	@$(PYTHON) tools/doctor.py --port $(PORT) --attacker-port $(ATTACKER_PORT) --slides-port $(SLIDES_PORT)

# Every package as wheels for Linux, macOS and Windows, into $(WHEELHOUSE) (downloads from
# PyPI); fewer with WHEELHOUSE_ARGS="--platforms linux-x86_64 --pythons 3.12".
wheelhouse: venv
	$(BIN)/pip install --disable-pip-version-check -q -r tools/wheelhouse-requirements.txt
	$(BIN)/python tools/wheelhouse.py $(WHEELHOUSE) $(WHEELHOUSE_ARGS)

# `make venv` with pip told to look in $(WHEELHOUSE) only, never on the network.
setup-offline:
	@test -d "$(WHEELHOUSE)" || { echo "No wheelhouse at $(WHEELHOUSE): make setup-offline WHEELHOUSE=/path/to/wheelhouse"; exit 2; }
	@PIP_NO_INDEX=1 PIP_FIND_LINKS="$(abspath $(WHEELHOUSE))" sh tools/setup_venv.sh "$(PYTHON)" "$(origin PYTHON)"

# Playwright drives a Chromium: $$CHROMIUM if set, else the light headless shell
# (apt install chromium-headless-shell), else Debian's chromium; with none of them,
# Playwright's own headless shell, downloaded once (about 100 MB) by this target only.
browser: venv
	@if [ -z "$$CHROMIUM" ] && ! command -v chromium-headless-shell >/dev/null \
		&& ! command -v chromium >/dev/null; then \
		$(BIN)/playwright install --only-shell chromium; fi

# .venv, made with $(PYTHON) after checking it is 3.11 or newer, and requirements.txt
# installed in it; made again when it cannot serve, never left half-made.
venv:
	@sh tools/setup_venv.sh "$(PYTHON)" "$(origin PYTHON)"
