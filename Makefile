# Provisor: `make demo` and `make test` work on a fresh Debian machine with Swift installed.
SWIFT ?= swift
APT_PACKAGES := libyaml-dev libgit2-dev libsqlite3-dev librabbitmq-dev pkg-config git faketime
PROVISOR := .build/debug/provisor

.PHONY: deps build demo test lint estate bench install deb

## Install missing Debian packages (as root, or through sudo), the Python schema checker and
## pika (the Python engine kit's RabbitMQ client).
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
	@python3 -c "import jsonschema, yaml, pika" 2>/dev/null || python3 -m pip install --quiet jsonschema pyyaml pika \
	  || { echo "error: the tests need Python's jsonschema, PyYAML and pika (pip install jsonschema pyyaml pika)"; exit 1; }

build: deps
	$(SWIFT) build

## Validate the example estate, explain one rebranded, reseller-priced service, plan the whole
## estate against an empty state, then apply it through the bundled simulated engine (each
## engine a real subprocess with its tenant model under .build/demo-engines) and plan again;
## then drift, right-sizing, import, and the Microsoft engine against its stand-in
## (scripts/demo-microsoft.sh).
## The example passwords are secretRefs to environment variables: the demo sets each one.
DEMO_STATE := .build/demo-state.db
DEMO_ENGINES := .build/demo-engines
DEMO_IMPORT := .build/demo-import
SIMULATED := .build/debug/provisor-simulated-engine
DEMO_SECRETS = $(shell grep -rhoE 'env:[A-Z0-9_]+' examples/manifests | sort -u | sed 's/env://; s/$$/=demo-only-secret/')
demo: build
	@rm -rf $(DEMO_STATE) $(DEMO_STATE)-wal $(DEMO_STATE)-shm $(DEMO_ENGINES)
	$(PROVISOR) validate --config examples/provisor.yaml
	$(PROVISOR) explain --config examples/provisor.yaml customer/JBL/user/alice/service/m365
	@if git rev-parse --git-dir >/dev/null 2>&1 && git cat-file -e HEAD:examples/provisor.yaml 2>/dev/null; then \
	  echo "--- provisor validate --ref HEAD: the committed manifests, read from git through libgit2"; \
	  echo "$(PROVISOR) validate --ref HEAD --config examples/provisor.yaml"; \
	  $(PROVISOR) validate --ref HEAD --config examples/provisor.yaml || exit 1; \
	  echo "--- provisor diff --base HEAD: what the working tree changes against the last commit"; \
	  echo "$(PROVISOR) diff --base HEAD --config examples/provisor.yaml"; \
	  out=$$($(PROVISOR) diff --base HEAD --config examples/provisor.yaml); status=$$?; echo "$$out" | tail -n 4; [ $$status -ne 1 ] || exit 1; \
	else echo "--- (not a git checkout: the git steps are left out)"; fi
	@$(PROVISOR) plan --config examples/provisor.yaml --state $(DEMO_STATE) > .build/demo-plan.txt; status=$$?; \
	  echo "--- provisor plan (the first and last lines; all of it in .build/demo-plan.txt)"; \
	  head -n 16 .build/demo-plan.txt; echo "  …"; tail -n 3 .build/demo-plan.txt; [ $$status -eq 2 ]
	@echo "--- provisor reconcile, every engine simulated"
	@echo "$(PROVISOR) reconcile --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES) --actor demo"
	@env $(DEMO_SECRETS) $(PROVISOR) reconcile --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES) --actor demo
	@echo "--- provisor plan, after the apply"
	$(PROVISOR) plan --config examples/provisor.yaml --state $(DEMO_STATE)
	@echo "--- provisor history customer/JBL/user/alice"
	$(PROVISOR) history customer/JBL/user/alice --state $(DEMO_STATE)
	@echo "--- the simulated csp-eu engine's Microsoft 365 subscriptions for JBL"
	@.build/debug/provisor-simulated-engine --state-dir $(DEMO_ENGINES)/csp-eu --engine csp-eu --show \
	  | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["tenants"]["JBL"]["subscriptions"], indent=2))'
	@echo "--- drift: a technician renames alice, deletes ivy's mailbox and adds a user by hand"
	.build/debug/provisor-simulated-engine --state-dir $(DEMO_ENGINES)/platform-eu --set customer/JBL/user/alice displayName="Alice J."
	.build/debug/provisor-simulated-engine --state-dir $(DEMO_ENGINES)/platform-ap --remove customer/FSG/user/ivy/service/mailbox
	.build/debug/provisor-simulated-engine --state-dir $(DEMO_ENGINES)/platform-eu --add customer/JBL/user/mallory displayName=Mallory
	@echo "$(PROVISOR) drift --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES)"
	@env $(DEMO_SECRETS) $(PROVISOR) drift --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES); [ $$? -eq 2 ]
	@echo "--- provisor reconcile --refresh: restore alice, provision the mailbox again, leave mallory alone"
	@env $(DEMO_SECRETS) $(PROVISOR) reconcile --refresh --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES) --actor demo
	@echo "--- provisor drift, after the correction (mallory is unmanaged: reported, never deleted)"
	@out=$$(env $(DEMO_SECRETS) $(PROVISOR) drift --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES)); status=$$?; \
	  echo "$$out" | tail -n 4; [ $$status -eq 2 ]
	@echo "--- licence right-sizing: a technician bought 3 SPB licences too many for JBL (CHC keeps one spare)"
	.build/debug/provisor-simulated-engine --state-dir $(DEMO_ENGINES)/csp-eu --subscription sub-jbl-spb-p1m quantity=5
	@echo "$(PROVISOR) rightsize --dry-run --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES)"
	@$(PROVISOR) rightsize --dry-run --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES); [ $$? -eq 2 ]
	@echo "--- provisor rightsize: the changes go to the engine through the journal and the audit log"
	@$(PROVISOR) rightsize --config examples/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES) --actor demo | tail -n 2
	$(PROVISOR) history customer/JBL/subscription/sub-jbl-spb-p1m --state $(DEMO_STATE)
	@echo "--- onboarding: Harbour Freight's tenant, users and licences exist, but no manifest describes them"
	@rm -rf $(DEMO_IMPORT) && mkdir -p $(DEMO_IMPORT) && cp -R examples/manifests examples/provisor.yaml $(DEMO_IMPORT)/
	@$(SIMULATED) --state-dir $(DEMO_ENGINES)/platform-eu --add customer/HBF name="Harbour Freight" domains.primary=harbourfreight.example \
	  'domains.aliases=["harbourfreight.co.nz"]' contact.email=ops@harbourfreight.example
	@for user in kate:harbourfreight.example liam:harbourfreight.example moana:harbourfreight.co.nz; do \
	  name=$${user%%:*}; $(SIMULATED) --state-dir $(DEMO_ENGINES)/platform-eu --add customer/HBF/user/$$name upn=$$name@$${user#*:} firstName=$$name || exit 1; \
	  $(SIMULATED) --state-dir $(DEMO_ENGINES)/csp-eu --add customer/HBF/user/$$name/service/m365 plan.license.sku=SPB || exit 1; done
	@$(SIMULATED) --state-dir $(DEMO_ENGINES)/csp-eu --add customer/HBF/user/liam/service/visio plan.license.sku=VISIOCLIENT
	@echo "$(PROVISOR) import --engine platform-eu --engine csp-eu --config $(DEMO_IMPORT)/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES)"
	@$(PROVISOR) import --engine platform-eu --engine csp-eu --config $(DEMO_IMPORT)/provisor.yaml --state $(DEMO_STATE) --simulate $(DEMO_ENGINES) --actor demo
	cat $(DEMO_IMPORT)/manifests/customers/hbf/customer.yaml
	@echo "--- provisor plan over the imported manifests: nothing to send"
	$(PROVISOR) plan --config $(DEMO_IMPORT)/provisor.yaml --state $(DEMO_STATE)
	@echo "--- the Microsoft engine: examples/microsoft through Partner Center and Graph (engines/microsoft/standin.py)"
	@scripts/demo-microsoft.sh

## Run every test, then the suites that deal in dates again with the machine's clock moved to
## each of TEST_DATES (scripts/test-at-dates.sh, through libfaketime; TEST_DATES= skips that).
TEST_DATES ?= 2027-02-28T23:59:59Z 2028-02-29T12:00:00Z
## Check the layout and the rules in .swift-format (swift format ships with the toolchain);
## `swift format -i -r Sources Tests Benchmarks Package.swift` fixes what it reports.
lint:
	@$(SWIFT) format --version >/dev/null 2>&1 || { echo "error: swift format is not available; it ships with Swift 6 toolchains"; exit 1; }
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks Package.swift

## With PROVISOR_TEST_PACKAGE=1 (CI sets it), also build the Debian package, install it on this
## machine and check the installed provisor (scripts/test-deb.sh; a release build takes minutes).
test: deps
	$(SWIFT) test
	@[ -z "$(TEST_DATES)" ] || scripts/test-at-dates.sh $(TEST_DATES)
	@[ "$(PROVISOR_TEST_PACKAGE)" != 1 ] || scripts/test-deb.sh

## Build a release with the Swift runtime linked statically and install it under
## $(DESTDIR)$(PREFIX): binaries, provisor(1), shell completions, schemas, docs and examples.
PREFIX ?= /usr/local
DESTDIR ?=
install: deps
	$(SWIFT) build -c release --static-swift-stdlib --product provisor
	$(SWIFT) build -c release --static-swift-stdlib --product provisor-simulated-engine
	$(SWIFT) build -c release --static-swift-stdlib --product provisor-engine-microsoft
	scripts/install.sh .build/release "$(DESTDIR)" "$(PREFIX)"

## The Debian package, .build/provisor_VERSION_ARCH.deb, from the same release build.
deb: deps
	$(SWIFT) build -c release --static-swift-stdlib --product provisor
	$(SWIFT) build -c release --static-swift-stdlib --product provisor-simulated-engine
	$(SWIFT) build -c release --static-swift-stdlib --product provisor-engine-microsoft
	scripts/build-deb.sh .build/release

## Generate a synthetic estate: make estate CUSTOMERS=10000 USERS=10 OUT=estate
CUSTOMERS ?= 1000
USERS ?= 10
OUT ?= estate
estate:
	python3 Benchmarks/generate-estate.py --customers $(CUSTOMERS) --users-per-customer $(USERS) --out $(OUT)

## Measure every figure of docs/benchmarks.md's summary table with a release build, at each
## size side by side: make bench (1,000 and 10,000 customers) or make bench SIZES="1000".
SIZES ?= 1000 10000
bench: deps
	Benchmarks/bench.sh $(SIZES)
