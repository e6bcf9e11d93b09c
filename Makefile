# Provisor: `make demo` and `make test` work on a fresh Debian machine with Swift installed.
SWIFT ?= swift
APT_PACKAGES := libyaml-dev libgit2-dev libsqlite3-dev pkg-config
PROVISOR := .build/debug/provisor

.PHONY: deps build demo test estate bench

## Install missing Debian packages (as root, or through sudo) and the Python schema checker.
deps:
	@missing=""; \
	if command -v dpkg >/dev/null 2>&1; then \
	  for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $$missing; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -q && sudo apt-get install -y -q $$missing; \
	  else echo "error: missing Debian packages:$$missing (run make as root, or install them)"; exit 1; fi; \
	fi
	@python3 -c "import jsonschema, yaml" 2>/dev/null || python3 -m pip install --quiet jsonschema pyyaml \
	  || { echo "error: the schema tests need Python's jsonschema and PyYAML (pip install jsonschema pyyaml)"; exit 1; }

build: deps
	$(SWIFT) build

## Validate the example estate, explain one rebranded, reseller-priced service, and plan the
## whole estate against an empty state (the end of the plan; exit status 2 means "changes").
demo: build
	$(PROVISOR) validate --config examples/provisor.yaml
	$(PROVISOR) explain --config examples/provisor.yaml customer/JBL/user/alice/service/m365
	@$(PROVISOR) plan --config examples/provisor.yaml --state .build/demo-state.db > .build/demo-plan.txt; status=$$?; \
	  echo "--- provisor plan (the first and last lines; all of it in .build/demo-plan.txt)"; \
	  head -n 16 .build/demo-plan.txt; echo "  …"; tail -n 3 .build/demo-plan.txt; [ $$status -eq 2 ]

## Run every test.
test: deps
	$(SWIFT) test

## Generate a synthetic estate: make estate CUSTOMERS=10000 USERS=10 OUT=estate
CUSTOMERS ?= 1000
USERS ?= 10
OUT ?= estate
estate:
	python3 Benchmarks/generate-estate.py --customers $(CUSTOMERS) --users-per-customer $(USERS) --out $(OUT)

## Measure loading + validating, then planning, a generated estate with a release build.
bench: deps
	Benchmarks/measure-validate.sh $(CUSTOMERS) $(USERS)
	Benchmarks/measure-plan.sh $(CUSTOMERS) $(USERS)
