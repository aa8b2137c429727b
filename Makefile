# cloudtrailcc — build, install, test.
#
#   make build    plugin, CLI and emulator binaries into ./bin
#   make install  plugin into Steampipe's local plugin folder (+ a sample config if none)
#   make demo     the CLI against the bundled AWS emulator (no AWS account needed)
#   make test     vet, formatting and the whole test suite (starts PostgreSQL 15 on loopback),
#                 then make test-install (go install from a module proxy; the image
#                 installed by Steampipe's installer code)
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

GO        ?= go
BIN       ?= bin
STEAMPIPE ?= $(HOME)/.steampipe
PLUGIN_DIR = $(STEAMPIPE)/plugins/local/cloudtrailcc
CONFIG_DIR = $(STEAMPIPE)/config

GORELEASER = $(BIN)/goreleaser
HOST_OS    = $(shell $(GO) env GOOS)
HOST_ARCH  = $(shell $(GO) env GOARCH)

.PHONY: all build install demo test test-install vet fmt-check e2e bench release-snapshot release-check clean screenshot image

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
	$(MAKE) --no-print-directory test-install

# go install from a module proxy, and the image installed by Steampipe's
# installer code: their own module (internal/testkit/installtest/go.mod), so
# the installer's dependencies never change the plugin's.
test-install:
	cd internal/testkit/installtest && $(GO) vet ./... && $(GO) test -count=1 -timeout 30m ./...

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
