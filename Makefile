# cloudtrailcc — build, install, test.
#
#   make build    plugin, CLI and emulator binaries into ./bin
#   make install  plugin into Steampipe's local plugin folder (+ a sample config if none)
#   make demo     the CLI against the bundled AWS emulator (no AWS account needed)
#   make test     vet, formatting and the whole test suite (starts PostgreSQL 15 on loopback),
#                 then the scenario suite against moto (make test-moto)
#   make test-moto  the scenario suite against moto 5.2.3, started by MOTO_UP
#                 (default ../shared/moto/up.sh); says so and passes when it is absent
#   make e2e      the Powerpipe benchmark run by the real Powerpipe on plain PostgreSQL
#   make screenshot  docs/images/report.png from the HTML report in headless chromium
#   make bench    API-call and latency benchmarks; writes docs/benchmarks.md
#   make release-snapshot
#                 the release build (.goreleaser.yaml: plugin and CLI for linux and
#                 darwin, amd64 and arm64, version stamped) into bin/dist, nothing
#                 published; builds the pinned GoReleaser (tools/go.mod) first,
#                 then runs release-check
#   make release-check
#                 the host's CLI and plugin in bin/dist report the stamped version

GO        ?= go
BIN       ?= bin
STEAMPIPE ?= $(HOME)/.steampipe
PLUGIN_DIR = $(STEAMPIPE)/plugins/local/cloudtrailcc
CONFIG_DIR = $(STEAMPIPE)/config

# moto's start script: the scenario suite's second, independent witness.
MOTO_UP   ?= $(wildcard $(abspath $(CURDIR)/../shared/moto/up.sh))

GORELEASER = $(BIN)/goreleaser
HOST_OS    = $(shell $(GO) env GOOS)
HOST_ARCH  = $(shell $(GO) env GOARCH)

.PHONY: all build install demo test test-moto vet fmt-check e2e bench release-snapshot release-check clean screenshot

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/cloudtrailcc.plugin .
	$(GO) build -o $(BIN)/cloudtrailcc ./cmd/cloudtrailcc
	$(GO) build -o $(BIN)/awsemu ./cmd/awsemu

install: build
	@mkdir -p $(PLUGIN_DIR) $(CONFIG_DIR)
	install -m 0755 $(BIN)/cloudtrailcc.plugin $(PLUGIN_DIR)/cloudtrailcc.plugin
	@if [ -e $(CONFIG_DIR)/cloudtrailcc.spc ]; then \
		echo "kept existing $(CONFIG_DIR)/cloudtrailcc.spc"; \
	else \
		install -m 0644 config/cloudtrailcc.spc $(CONFIG_DIR)/cloudtrailcc.spc; \
		echo "wrote sample $(CONFIG_DIR)/cloudtrailcc.spc"; \
	fi
	@echo "installed $(PLUGIN_DIR)/cloudtrailcc.plugin"

demo:
	$(GO) run ./cmd/cloudtrailcc demo

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: vet fmt-check
	CLOUDTRAILCC_TEST_DATABASE_URL="$${CLOUDTRAILCC_TEST_DATABASE_URL:-$$(./.ci/testdb.sh)}" \
		$(GO) test -count=1 -timeout 25m ./...
	@$(MAKE) --no-print-directory test-moto

# The scenario suite again, against moto: each test in an account of its own,
# only the gaps listed in internal/testkit/scenario/moto_gaps_test.go may differ.
# The test binary runs directly so that its tally is printed; the plugin logs
# errors only (moto lists other partitions' regions, a warning on every query).
test-moto:
	@if [ -z "$(MOTO_UP)" ]; then \
		echo "== scenario suite against moto: NOT RUN, no moto start script (../shared/moto/up.sh is absent; set MOTO_UP=/path/to/up.sh)"; \
		exit 0; \
	fi; \
	echo "== scenario suite against moto ($(MOTO_UP))"; \
	mkdir -p $(BIN) && $(GO) test -c -o $(BIN)/scenario.test ./internal/testkit/scenario && \
	cd internal/testkit/scenario && CLOUDTRAILCC_SCENARIO_MOTO="$(MOTO_UP)" CLOUDTRAILCC_LOG_LEVEL=error \
		$(CURDIR)/$(BIN)/scenario.test -test.count=1 -test.parallel=8 -test.timeout=10m

e2e:
	./e2e/run.sh

screenshot:
	CLOUDTRAILCC_REPORT_SCREENSHOT=$(CURDIR)/docs/images/report.png \
		$(GO) test -count=1 -run TestHTMLReportInHeadlessChromium ./cmd/cloudtrailcc/

bench:
	$(GO) run ./bench -out docs/benchmarks.md

# GoReleaser is pinned in its own module (tools/go.mod), so its dependencies
# never change the plugin's.
$(GORELEASER): tools/go.mod tools/go.sum
	@mkdir -p $(BIN)
	cd tools && $(GO) build -o ../$(GORELEASER) github.com/goreleaser/goreleaser/v2

release-snapshot: $(GORELEASER)
	$(GORELEASER) release --snapshot --clean --skip=publish
	$(MAKE) --no-print-directory release-check

# The host's CLI and plugin from bin/dist must report the version GoReleaser
# stamped (bin/dist/metadata.json), exactly.
release-check:
	@want=$$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' $(BIN)/dist/metadata.json); \
	test -n "$$want" || { echo "no release version in $(BIN)/dist/metadata.json"; exit 1; }; \
	for b in cloudtrailcc cloudtrailcc.plugin; do \
		bin=$$(find $(BIN)/dist -path "*_$(HOST_OS)_$(HOST_ARCH)*" -type f -name $$b | head -n 1); \
		test -n "$$bin" || { echo "no $$b for $(HOST_OS)/$(HOST_ARCH) in $(BIN)/dist"; exit 1; }; \
		out=$$($$bin --version); echo "$$bin --version: $$out"; \
		case "$$out" in *" $$want") ;; *) echo "$$b does not report the release version $$want"; exit 1;; esac; \
	done

clean:
	rm -rf $(BIN)
