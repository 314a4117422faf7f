# Tandem: the two commands a newcomer needs are `make demo` and `make test`.
# Both first install what is missing (Debian packages, through apt-get; sudo only when not root).

SHELL      := /bin/bash
SWIFT      ?= swift
APT_PKGS   := liblapack-dev libblas-dev libopenblas0-pthread libcurl4-openssl-dev
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TANDEM     := .build/release/tandem
SAMPLE     := datasets/xinghai
REAL       ?= ../shared/data/justgiving
DEMO_DB    := .build/demo/tandem.db

.PHONY: demo test serve deps build install uninstall bench bench-serve bench-compare accuracy accuracy-real sample clean fuzz

## Install the system libraries Tandem links (LAPACK, BLAS, OpenBLAS), only those missing.
deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "error: Swift 6 is required (https://swift.org/install)"; exit 1; }

build: deps
	$(SWIFT) build -c release --product tandem

## Install the command, the shipped policy and model, and the JSON Schemas of its output:
## PREFIX/bin/tandem and PREFIX/share/tandem/{Models,schemas}. `tandem` then finds its policy and
## model from any folder (TANDEM_HOME=DIR overrides: DIR/share/tandem/Models or DIR/Models).
PREFIX ?= /usr/local
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tandem/Models $(DESTDIR)$(PREFIX)/share/tandem/schemas
	install -m 755 $(TANDEM) $(DESTDIR)$(PREFIX)/bin/tandem
	install -m 644 Models/selection.policy Models/kr-forecast.json $(DESTDIR)$(PREFIX)/share/tandem/Models/
	install -m 644 Sources/tandem/Schemas/*.schema.json $(DESTDIR)$(PREFIX)/share/tandem/schemas/
	@echo "installed $(DESTDIR)$(PREFIX)/bin/tandem with its policy and model in $(DESTDIR)$(PREFIX)/share/tandem/Models"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tandem
	rm -rf $(DESTDIR)$(PREFIX)/share/tandem

## The main job on the bundled sample 星海科技: validate, decide and explain, import, run the open quarter week by week, list the at-risk key results.
demo: build
	@echo
	@echo "== tandem validate: the sample organisation 星海科技 and its key-result history =="
	$(TANDEM) validate --org $(SAMPLE)/org.yaml --krs $(SAMPLE)/krs.csv --checkins $(SAMPLE)/checkins.csv
	@echo
	@echo "== tandem diagnose: KPI, OKR or hybrid for every unit, by Models/selection.policy =="
	$(TANDEM) diagnose --org $(SAMPLE)/org.yaml --policy Models/selection.policy
	@echo
	@echo "== tandem diagnose --explain rd.algo: the whole story of one decision =="
	$(TANDEM) diagnose --org $(SAMPLE)/org.yaml --policy Models/selection.policy --explain rd.algo
	@echo
	@echo
	@mkdir -p $(dir $(DEMO_DB))
	@echo "== tandem forecast: the open quarter as of 2026-11-18, most at risk first (Models/kr-forecast.json; first 12 lines) =="
	$(TANDEM) forecast --model Models/kr-forecast.json --krs $(SAMPLE)/krs.csv --checkins $(SAMPLE)/checkins.csv --org $(SAMPLE)/org.yaml --as-of 2026-11-18 > $(dir $(DEMO_DB))forecast.txt
	@head -n 12 $(dir $(DEMO_DB))forecast.txt; echo "   …"; tail -n 1 $(dir $(DEMO_DB))forecast.txt
	@echo
	@echo "== tandem import: the sample into an embedded SQLite store ($(DEMO_DB)) =="
	@mkdir -p $(dir $(DEMO_DB))
	$(TANDEM) import --db $(DEMO_DB) --org $(SAMPLE)/org.yaml --krs $(SAMPLE)/krs.csv --checkins $(SAMPLE)/checkins.csv 2>/dev/null
	@echo
	@echo "== tandem run: the open quarter week by week (decide, forecast, alert ledger); the last week twice =="
	@for day in 2026-10-07 2026-10-14 2026-10-21 2026-10-28 2026-11-04 2026-11-11 2026-11-18 2026-11-18; do \
	  $(TANDEM) run --db $(DEMO_DB) --as-of $$day || exit 1; done
	@echo
	@echo "== tandem alerts: the critical at-risk key results, by unit and owner, with reasons (first 40 lines) =="
	$(TANDEM) alerts --db $(DEMO_DB) --severity critical | head -n 40
	@echo "   … (all: tandem alerts --db $(DEMO_DB); JSON Lines feed: tandem feed --db $(DEMO_DB))"
	@echo
	@echo "== tandem people import, tandem notify --dry-run: each person's digest the morning after the last run, by their role (first 20 lines) =="
	$(TANDEM) people import --db $(DEMO_DB) $(SAMPLE)/people.csv
	$(TANDEM) notify --db $(DEMO_DB) --dry-run --at 2026-11-19T09:00:00+08:00 | head -n 20
	@echo "   … (each digest whole: add --show; to send: --smtp smtp://user@host --from ADDRESS, see the README)"
	@echo
	@echo "== tandem backtest --alerts: how these alert rules did on the sample's closed quarters, week by week =="
	@$(TANDEM) backtest --alerts --at 0.5 --krs $(SAMPLE)/krs.csv --checkins $(SAMPLE)/checkins.csv --org $(SAMPLE)/org.yaml | sed -n '/^alert rules of/,$$p'
	@echo
	@echo "== tandem whatif: three scenarios for a consultant ($(SAMPLE)/scenarios.yaml), side by side =="
	$(TANDEM) whatif --db $(DEMO_DB) --scenario $(SAMPLE)/scenarios.yaml --limit 8
	$(TANDEM) whatif --db $(DEMO_DB) --scenario $(SAMPLE)/scenarios.yaml --format html --output $(dir $(DEMO_DB))whatif.html
	@echo "   (open $(dir $(DEMO_DB))whatif.html in a browser: the same report with charts, to hand over)"
	@echo
	@echo "== tandem sensitivity: how rd.algo's decision and KR-26Q4-00023's chance move =="
	$(TANDEM) sensitivity --db $(DEMO_DB) --unit rd.algo
	@echo
	$(TANDEM) sensitivity --db $(DEMO_DB) --kr KR-26Q4-00023 --svg $(dir $(DEMO_DB))KR-26Q4-00023.svg

## Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of everything Tandem reads: the
## key-result and check-in CSV loaders, the organisation, policy, scenario and model readers, each
## followed through what Tandem does next. FUZZ_SECONDS per target, two targets at a time; fails
## on any crash, hang over 10 s or input using over 2 GB (kept in .build/fuzz/runs/TARGET/).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= krs checkins org policy scenario model
fuzz: deps
	SWIFT=$(SWIFT) Tests/Fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## Run the whole test suite. Chromium and a small CJK font (Debian's packages) render the HTML
## report in one test; they are installed when possible, and that test says so and skips its
## rendering check otherwise.
test: deps
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	dpkg-query -W -f='$${Status}' fonts-wqy-microhei 2>/dev/null | grep -q "install ok installed" || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then echo "installing$$missing (to render the HTML report and drive the dashboard, Chinese included, in tests)"; \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing ) >/dev/null 2>&1 \
	  || echo "could not install$$missing: the HTML rendering check will be skipped"; fi
	@python3 -c "import jsonschema" 2>/dev/null || { echo "installing python3-jsonschema (to check the JSON output against its schemas in a test)"; \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-jsonschema ) >/dev/null 2>&1 \
	  || echo "could not install python3-jsonschema: the JSON Schema check will be skipped"; }
	@python3 -c "import openapi_spec_validator, referencing" 2>/dev/null || { echo "installing openapi-spec-validator (to check the API's answers against its OpenAPI document in a test)"; \
	  python3 -m pip install -q --break-system-packages openapi-spec-validator >/dev/null 2>&1 \
	  || echo "could not install openapi-spec-validator: the OpenAPI check will be skipped"; }
	@python3 -c "import playwright" 2>/dev/null || { echo "installing Playwright for Python (to drive Chromium through the dashboard's journeys in a test; no browser download)"; \
	  python3 -m pip install -q --break-system-packages playwright >/dev/null 2>&1 \
	  || echo "could not install playwright: the browser journeys will be skipped"; }
	@python3 -c "import aiosmtpd" 2>/dev/null || { echo "installing aiosmtpd (a local mail server with STARTTLS and AUTH, for the notification tests)"; \
	  python3 -m pip install -q --break-system-packages aiosmtpd >/dev/null 2>&1 \
	  || echo "could not install aiosmtpd: the notification delivery tests will be skipped"; }
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { echo "installing postgresql (the PostgreSQL store's tests run against a throwaway cluster)"; \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql ) >/dev/null 2>&1 \
	  || echo "could not install postgresql: the PostgreSQL tests will be skipped"; }
	@Tests/Support/pg-cluster.sh with $(SWIFT) test

## Run the benchmarks (package-benchmark; builds in release, about 2 minutes the first time).
## The PostgreSQL benchmarks run against a throwaway cluster, as the tests do. BENCH_FILTER narrows
## them: regular expressions without spaces, e.g. BENCH_FILTER="weekly.* alert.*".
BENCH_FILTER ?= .*
bench: build
	@Tests/Support/pg-cluster.sh with env ENABLE_BENCHMARKS=1 $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress $(foreach f,$(BENCH_FILTER),--filter "$(f)")

## The dashboard under load: the release `tandem serve` over the 10,000-unit organisation on
## loopback, 50 signed-in clients for 30 s on the inbox and key-result pages (wrk, from Debian),
## and the inbox with a short and a million-event ledger (Benchmarks/Serve/run.sh).
bench-serve: build
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (the load generator)"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	@command -v curl >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq curl >/dev/null; }
	Benchmarks/Serve/run.sh

## The forecast benchmarks, then scikit-learn and statsmodels on the same data in the same run.
bench-compare: deps
	ENABLE_BENCHMARKS=1 $(SWIFT) package --allow-writing-to-package-directory benchmark --target ForecastBenchmarks --no-progress
	@python3 -c "import numpy, sklearn, statsmodels" 2>/dev/null || python3 -m pip install -q numpy scikit-learn statsmodels 2>/dev/null || true
	@if python3 -c "import numpy" 2>/dev/null; then python3 Benchmarks/logit_reference.py; \
	 else echo "numpy is not installed: the Python references are skipped (pip install numpy scikit-learn statsmodels)"; fi

## The accuracy check: train on a generated history of 120 units, evaluate on three held-out ones.
accuracy: build
	@mkdir -p .build/accuracy
	$(TANDEM) generate --seed 2027 --units 120 --quarters 5 --out .build/accuracy/train > /dev/null
	$(TANDEM) train --krs .build/accuracy/train/krs.csv --checkins .build/accuracy/train/checkins.csv --org .build/accuracy/train/org.yaml --out .build/accuracy/model.json > /dev/null
	@for seed in 7 11 12; do \
	  $(TANDEM) generate --seed $$seed --units 120 --quarters 5 --out .build/accuracy/held-$$seed > /dev/null; \
	  echo "== held-out seed $$seed =="; \
	  $(TANDEM) evaluate --model .build/accuracy/model.json --krs .build/accuracy/held-$$seed/krs.csv --checkins .build/accuracy/held-$$seed/checkins.csv --org .build/accuracy/held-$$seed/org.yaml --at 0.3,0.5,0.8 | grep -v "^    "; \
	done

## The forecast on a real history (charity fundraising, ../shared/data/justgiving): a rolling-origin
## backtest of models trained on it, then the shipped model (trained on the generated sample only)
## evaluated on it as trained and recalibrated on the history's own closed key results.
accuracy-real: build
	@test -f $(REAL)/krs.csv || { echo "error: no real history at $(REAL) (set REAL=folder with krs.csv and checkins.csv)"; exit 1; }
	@echo "== tandem backtest on $(REAL): models trained on the real history, rolling origins in calendar time =="
	$(TANDEM) backtest --krs $(REAL)/krs.csv --checkins $(REAL)/checkins.csv | grep -v -e "^    " -e "reliability of the model"
	@echo "   (reliability tables: the same command without the filter)"
	@echo
	@echo "== tandem evaluate --recalibrate: the shipped model (trained on the generated sample) on $(REAL) =="
	$(TANDEM) evaluate --recalibrate --model Models/kr-forecast.json --krs $(REAL)/krs.csv --checkins $(REAL)/checkins.csv | grep -v -e "^    " -e "reliability of the model"

## Regenerate the bundled sample with the documented seed, and retrain the shipped forecast model on it.
## The dashboard on the sample: a store imported and run week by week the first time, one account
## per role (their passwords printed, and kept in $(SERVE_DIR)/accounts.txt), then `tandem serve`.
SERVE_DIR  := .build/serve
SERVE_DB   := $(SERVE_DIR)/tandem.db
PORT       ?= 8080
serve: build
	@if [ ! -f $(SERVE_DB) ]; then \
	  mkdir -p $(SERVE_DIR); \
	  echo "== a new demo store: the sample 星海科技, run week by week ($(SERVE_DB)) =="; \
	  $(TANDEM) import --db $(SERVE_DB) --org $(SAMPLE)/org.yaml --krs $(SAMPLE)/krs.csv --checkins $(SAMPLE)/checkins.csv >/dev/null 2>&1 || exit 1; \
	  for day in 2026-10-07 2026-10-14 2026-10-21 2026-10-28 2026-11-04 2026-11-11 2026-11-18; do \
	    $(TANDEM) run --db $(SERVE_DB) --as-of $$day >/dev/null || exit 1; done; \
	  : > $(SERVE_DIR)/accounts.txt; \
	  for spec in "admin@xinghai.cn|管理员 Admin|admin||" "hr@xinghai.cn|人力资源 HR|hr||" "strategy@xinghai.cn|战略部 Strategy|strategy||" \
	              "lead@xinghai.cn|产品部负责人 Lead|lead|product|" "member@xinghai.cn|冯宇|member||冯宇"; do \
	    IFS='|' read -r email name role units person <<< "$$spec"; \
	    password=$$(head -c 12 /dev/urandom | base64 | tr '+/' '-_'); \
	    printf '%s\n' "$$password" | $(TANDEM) users add --db $(SERVE_DB) --email $$email --name "$$name" --role $$role \
	      $${units:+--units $$units} $${person:+--person "$$person"} --password-stdin >/dev/null || exit 1; \
	    printf '%-22s %-10s %s\n' "$$email" "$$role" "$$password" >> $(SERVE_DIR)/accounts.txt; \
	  done; \
	fi
	@echo "== demo accounts (email, role, password; also in $(SERVE_DIR)/accounts.txt) =="
	@cat $(SERVE_DIR)/accounts.txt
	@echo
	$(TANDEM) serve --db $(SERVE_DB) --port $(PORT)

sample: build
	$(TANDEM) generate --seed 2026 --units 42 --quarters 5 --as-of 2026-11-18 --out $(SAMPLE)
	$(TANDEM) train --krs $(SAMPLE)/krs.csv --checkins $(SAMPLE)/checkins.csv --org $(SAMPLE)/org.yaml --out Models/kr-forecast.json

clean:
	rm -rf .build
