# docscan — see README.md. `make run` and `make test` install what they
# need on a fresh Debian machine.

SHELL       := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
# Tesseract is ~9x faster single-threaded on small images; we parallelise
# across workers instead.
export OMP_THREAD_LIMIT := 1

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X github.com/docscan/docscan/cmd/internal/version.Version=$(VERSION) \
            -X github.com/docscan/docscan/cmd/internal/version.Commit=$(COMMIT) \
            -X github.com/docscan/docscan/cmd/internal/version.Date=$(DATE)

LISTEN   ?= 127.0.0.1:8080
DATA     ?= ./var
# make run's API key, for trying the simulator; never use it on a device.
DEVKEY   ?= devkey-0123456789-0123456789-0123456789-0123456789

.PHONY: all deps build run test test-short bench lint install clean cross deb test-arm64 \
        test-hw test-hw-e2e eval mrz-model latin-model tidy-check

all: build

# deps installs missing Debian packages and Go modules.
deps:
	@.ci/deps.sh
	@$(GO) mod download

build: deps
	@mkdir -p bin
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/docscand ./cmd/docscand
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/docscan ./cmd/docscan

# run starts the daemon on the simulated scanner with a genuine Kazakhstan
# ID card on the glass.
run: build
	@mkdir -p $(DATA)
	bin/docscan specimen -type kz-id-2014 -out $(DATA)/glass -seed 1 >/dev/null
	bin/docscand -listen $(LISTEN) -data $(DATA) -hal sim -camera sim -sim-doc $(DATA)/glass -api-key $(DEVKEY)

# Test files behind build tags (the VM's, the evaluation's) are vetted
# too, so they cannot rot where no VM runs them.
VETTAGS = hwtest hwtest_e2e eval

test: deps tidy-check
	$(GO) vet ./...
	$(GO) vet -tags '$(VETTAGS)' ./...
	@echo "linting api/openapi.json (Redocly, recommended rules)"
	.ci/openapi/lint.sh
	@echo "checking how the VM tests pick their kernel from the mirror"
	.ci/hwtest/mirror_test.sh
	@echo "checking that everything builds without cgo"
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test -count=1 -timeout 12m ./...

test-short: deps
	$(GO) test -short -count=1 ./...

# bench runs every benchmark; the daemon's are whole runs (a load test of
# DOCSCAN_LOAD_REQUESTS requests, default 5000), so they run once.
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 1 $$($(GO) list ./... | grep -v /cmd/docscand)
	$(GO) test -run '^$$' -bench 'Load|Scan' -benchtime 1x -count 1 -timeout 60m ./cmd/docscand
	$(GO) test -run '^$$' -bench Store -benchtime 200x -count 1 ./cmd/docscand

# eval scores recognition on EVAL_N rendered specimens (default 200, seed
# EVAL_SEED) against the bars, then every real image of ../shared/eval
# (passporteye, imagejs, kz-dev) through `docscan recognize`, then the same
# EVAL_N specimens printed in another hand and captured by a varied scanner
# or phone (strength EVAL_VARY, default 1); see docs/recognition.md.
eval: deps
	$(GO) test -tags eval -run 'TestEval$$' -count=1 -timeout 60m -v ./pipeline/
	$(GO) test -tags eval -run 'TestReal' -count=1 -timeout 30m -v ./cmd/docscan/
	$(GO) test -tags eval -run 'TestEvalVaried$$' -count=1 -timeout 60m -v ./pipeline/

# mrz-model retrains the OCR-B glyph model from the Debian OCR-B fonts
# (fixed seed: the same bytes every time); see pipeline/mrz/glyph/README.md.
mrz-model: deps
	$(GO) run ./pipeline/mrz/glyph/train -seed 1 -lines 14000 -val 400 -epochs 12 -workers 2 -out pipeline/mrz/glyph/model.bin

# latin-model remakes pipeline/ocr/model/latin.traineddata, the Latin-script
# model built into the binary, from Debian's (the same bytes every time).
latin-model:
	@.ci/deps.sh tesseract-ocr-script-latn
	pipeline/ocr/model/make-latin.sh

# test-hw runs the V4L2 and GPIO code on Linux's vivid and gpio-sim in a
# qemu VM, then the harness's self-test (docs/testing.md).
test-hw:
	.ci/hwtest/hwtest.sh

# test-hw-e2e runs the daemon's whole scan path in the VM, on v4l2loopback
# fed by gpio-sim's line levels.
test-hw-e2e: deps
	.ci/hwtest/hwtest.sh e2e

# tidy-check fails when go mod tidy would change go.mod or go.sum.
tidy-check:
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { echo "go.mod/go.sum are not tidy; run go mod tidy:"; $(GO) mod tidy -diff; exit 1; }

lint: deps tidy-check
	.ci/openapi/lint.sh
	$(GO) vet ./...
	$(GO) vet -tags '$(VETTAGS)' ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# install puts the binaries, the units, the udev rule and (unless one is
# there) the default config under DESTDIR; the .deb also creates the user
# and enables the service (docs/deploy-pi.md).
install: build
	install -D -m 0755 bin/docscand $(DESTDIR)/usr/bin/docscand
	install -D -m 0755 bin/docscan  $(DESTDIR)/usr/bin/docscan
	install -D -m 0644 systemd/docscand.service $(DESTDIR)/lib/systemd/system/docscand.service
	install -D -m 0644 systemd/docscand.socket  $(DESTDIR)/lib/systemd/system/docscand.socket
	install -D -m 0644 .ci/package/debian/60-docscan-gpio.rules $(DESTDIR)/lib/udev/rules.d/60-docscan-gpio.rules
	@if [ -e $(DESTDIR)/etc/docscan/docscand.yaml ]; then echo "keeping $(DESTDIR)/etc/docscan/docscand.yaml"; \
	else install -D -m 0640 systemd/docscand.yaml $(DESTDIR)/etc/docscan/docscand.yaml; fi

# Packages and cross builds (.ci/package, docs/deploy-pi.md). Binaries go
# to dist/<debian-arch>/, packages to dist/.
DIST      ?= dist
DEB_ARCHES ?= amd64 arm64 armhf
PKG_DATE  := $(DATE)

# cross: linux/arm64 and linux/arm (ARMv7, Debian armhf) through Debian's
# cross compilers and multiarch Tesseract.
cross: deps
	@for a in arm64 armhf; do \
	  GO='$(GO)' GO_LDFLAGS='$(LDFLAGS)' .ci/package/build.sh $$a $(DIST)/$$a || exit 1; done

deb: deps
	@for a in $(DEB_ARCHES); do \
	  GO='$(GO)' GO_LDFLAGS='$(LDFLAGS)' .ci/package/build.sh $$a $(DIST)/$$a && \
	  VERSION='$(VERSION)' COMMIT='$(COMMIT)' DATE='$(PKG_DATE)' .ci/package/deb.sh $$a $(DIST)/$$a $(DIST) || exit 1; done

# test-arm64: the core packages' tests built for arm64, run under qemu-user.
test-arm64: deps
	GO='$(GO)' .ci/package/test-arm64.sh $(ARM64_PKGS)

clean:
	rm -rf bin dist
