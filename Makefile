# cloudtrailcc — build, install, test.
#
#   make build    plugin, CLI and emulator binaries into ./bin
#   make install  plugin into Steampipe's local plugin folder (+ a sample config if none)
#   make demo     the CLI against the bundled AWS emulator (no AWS account needed)
#   make test     vet, formatting and the whole test suite (starts PostgreSQL 15 on loopback),
#                 then the scenario suite against moto (make test-moto) and
#                 make test-install (go install from a module proxy; the image
#                 installed by Steampipe's installer code)
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
#   make image    the plugin as the OCI image `steampipe plugin install` pulls,
#                 an OCI image layout in bin/image (IMAGE_VERSION, IMAGE_PLATFORMS,
#                 IMAGE_REF); .github/workflows/release.yml publishes it on a tag

# Recipes use bash: a build piped through its progress filter must still
# fail when the build fails.
SHELL      := /bin/bash
.SHELLFLAGS := -o pipefail -c

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

.PHONY: all build install demo test test-moto test-install vet fmt-check e2e bench release-snapshot release-check clean screenshot image

all: build

# The module the plugin is built on: when its download is not in the module
# cache, this is the machine's first build, and first-build says what is
# coming before it starts.
SDK_ZIP = $(shell $(GO) env GOMODCACHE)/cache/download/github.com/turbot/steampipe-plugin-sdk/v5/@v/$(shell sed -n 's/^[[:space:]]*github.com\/turbot\/steampipe-plugin-sdk\/v5 \(v[^ ]*\).*/\1/p' go.mod).zip

# GOBUILD builds with the packages it compiles counted on the terminal, so a
# long first build shows progress (tools/buildprogress.awk).
GOBUILD = $(GO) build -v
PROGRESS = 2>&1 | awk -f tools/buildprogress.awk

.PHONY: first-build
first-build:
	@if [ ! -e "$(SDK_ZIP)" ]; then \
		echo "First build on this machine: Go downloads about 130 modules (1.1 GB of module cache)"; \
		echo "and compiles about 900 packages (up to 2 GB of build cache). On 2 cores this takes about"; \
		echo "10 minutes on a quiet machine and up to an hour on a busy one, with up to 3.5 GB of memory."; \
		echo "Later builds take seconds. Progress follows every 50 packages."; \
	fi

build: first-build
	@mkdir -p $(BIN)
	@echo "building $(BIN)/cloudtrailcc.plugin, $(BIN)/cloudtrailcc and $(BIN)/awsemu"
	@$(GOBUILD) -o $(BIN)/cloudtrailcc.plugin . $(PROGRESS)
	@$(GOBUILD) -o $(BIN)/cloudtrailcc ./cmd/cloudtrailcc $(PROGRESS)
	@$(GOBUILD) -o $(BIN)/awsemu ./cmd/awsemu $(PROGRESS)

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

demo: first-build
	@mkdir -p $(BIN)
	@echo "building $(BIN)/cloudtrailcc"
	@$(GOBUILD) -o $(BIN)/cloudtrailcc ./cmd/cloudtrailcc $(PROGRESS)
	$(BIN)/cloudtrailcc demo

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# gotestsum runs the suite: a line per package, the output of a failed test,
# and at the end every skipped test with the reason it gave.
GOTESTSUM = $(BIN)/gotestsum
TEST_EVENTS = $(BIN)/test-events.json
# The fail-closed matrix's summary and table, printed after the suite.
MATRIX_TABLE = $(BIN)/fail-closed-matrix.txt

$(GOTESTSUM): tools/go.mod tools/go.sum
	@mkdir -p $(BIN)
	cd tools && $(GO) build -o ../$(GOTESTSUM) gotest.tools/gotestsum

# With NO_SKIPS=1 (as .ci/run sets it) a skipped test fails the run: CI
# installs everything every test needs.
test: first-build vet fmt-check $(GOTESTSUM)
	@rm -f $(MATRIX_TABLE)
	CLOUDTRAILCC_TEST_DATABASE_URL="$${CLOUDTRAILCC_TEST_DATABASE_URL:-$$(./.ci/testdb.sh)}" \
		CLOUDTRAILCC_MATRIX_OUT=$(CURDIR)/$(MATRIX_TABLE) \
		$(GOTESTSUM) --format pkgname-and-test-fails --format-icons text --jsonfile $(TEST_EVENTS) -- -count=1 -timeout 25m ./...
	@if [ -n "$(NO_SKIPS)" ] && grep -E '"Action":"skip".*"Test":' $(TEST_EVENTS) >/dev/null; then \
		echo "NO_SKIPS: these tests were skipped (see the reasons above):"; \
		grep -E '"Action":"skip".*"Test":' $(TEST_EVENTS) | sed -E 's/.*"Package":"([^"]*)","Test":"([^"]*)".*/  \1 \2/'; \
		exit 1; \
	fi
	@echo "== fail-closed matrix (internal/testkit/faulttest): operation × mangling × outcome"
	@cat $(MATRIX_TABLE)
	@$(MAKE) --no-print-directory test-moto
	@$(MAKE) --no-print-directory test-install

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
	cd internal/testkit/scenario && CLOUDTRAILCC_SCENARIO_MOTO=1 MOTO_UP="$(MOTO_UP)" CLOUDTRAILCC_LOG_LEVEL=error \
		$(CURDIR)/$(BIN)/scenario.test -test.count=1 -test.parallel=8 -test.timeout=10m

# go install from a module proxy, and the image installed by Steampipe's
# installer code: their own module (internal/testkit/installtest/go.mod), so
# the installer's dependencies never change the plugin's.
test-install: $(GOTESTSUM)
	@echo "== install paths (internal/testkit/installtest)"
	cd internal/testkit/installtest && $(GO) vet ./... && \
		$(CURDIR)/$(GOTESTSUM) --format pkgname-and-test-fails --format-icons text -- -count=1 -timeout 30m ./...

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

# The plugin image (internal/release/pluginimage): one gzipped binary per
# platform, the hub docs, the sample connection (naming IMAGE_REF) and the
# licence, in Steampipe's media types.
IMAGE_DIR       ?= $(BIN)/image
IMAGE_VERSION   ?= 0.0.0-dev
IMAGE_PLATFORMS ?= darwin/amd64,darwin/arm64,linux/amd64,linux/arm64
IMAGE_REF       ?= ghcr.io/cloudtrailcc/cloudtrailcc

image:
	rm -rf $(IMAGE_DIR)
	$(GO) run ./internal/release/pluginimage -out $(IMAGE_DIR) -version $(IMAGE_VERSION) \
		-platforms $(IMAGE_PLATFORMS) -ref $(IMAGE_REF) \
		-revision "$$(git rev-parse HEAD 2>/dev/null)" -created "$$(git log -1 --format=%cI 2>/dev/null)"

clean:
	rm -rf $(BIN)
