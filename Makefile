# tracers — build, test, demo. Run `make help` for the targets.

GO      ?= go
BIN     ?= ./tracers
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# Build tags. Where libpcap.a, libdbus-1.a and libc.a are installed
# (libpcap0.8-dev, libdbus-1-dev, libc6-dev), static (with netgo and
# osusergo) makes one statically linked executable: no dynamic loader at
# start (capture/static_linux.go). Where only the first two are,
# pcapstatic links libpcap and libdbus-1 in: the shared libpcap loads nine
# libraries at every start (capture/pcapstatic_linux.go).
CC      ?= cc
HAVE_A   = $(shell for a in $(1); do [ "$$($(CC) -print-file-name=$$a 2>/dev/null)" != "$$a" ] || exit 0; done; echo yes)
TAGS    ?= $(if $(call HAVE_A,libpcap.a libdbus-1.a libc.a),static netgo osusergo,$(if $(call HAVE_A,libpcap.a libdbus-1.a),pcapstatic))
EXTLD   := $(if $(filter static,$(TAGS)),-linkmode external -extldflags -static)
# GOBUILD tags,output: go build of cmd/tracers; a static link's warnings
# about glibc's NSS functions (never called, see above) are left out.
GOBUILD  = @echo 'go build -tags "$(1)" -o $(2) ./cmd/tracers'; \
	out=$$($(GO) build -tags "$(1)" -ldflags "$(LDFLAGS) $(EXTLD)" -o $(2) ./cmd/tracers 2>&1); st=$$?; \
	printf '%s\n' "$$out" | grep -v -e 'statically linked applications requires at runtime' -e ': in function ' -e '^\# github.com/tracers' -e '^$$' || true; exit $$st
# Generated man pages and completions (never committed), and the .deb.
BUILD   ?= build
# make install: where, and under which staging root.
PREFIX  ?= /usr/local
DESTDIR ?=
# The man pages' date: the last commit's, so that a build is reproducible.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH
# An iteration count, not a duration: with a duration Go's fuzzer can end
# a clean run with "context deadline exceeded" (seen here on FuzzVerify).
FUZZTIME ?= 100000x
# Debian packages tracers, its tests and its benchmark need.
APT_PKGS := libc6-dev libpcap-dev tshark tcpdump iproute2 iptables iputils-ping \
	traceroute iputils-tracepath mtr-tiny scamper tcptraceroute hyperfine jq \
	man-db bash-completion zsh fish dpkg-dev libcap2-bin gzip ethtool nftables

.PHONY: help build man completions install uninstall deb deps test unit fuzz lint cross demo bench pgo lab-up lab-down clean

help:
	@echo "make deps   install the Debian packages (as root)"
	@echo "make build  build $(BIN)"
	@echo "make man, make completions   generate man pages, bash/zsh/fish completions into $(BUILD)/"
	@echo "make install [PREFIX=/usr/local] [DESTDIR=]  binary, man pages, completions; setcap when root"
	@echo "make uninstall   remove exactly what make install installed (its manifest)"
	@echo "make deb   $(BUILD)/tracers_VERSION_ARCH.deb with dpkg-deb"
	@echo "make demo   install, build, trace across the namespace lab, replay the capture (as root)"
	@echo "make test   gofmt, go vet, cross builds, every test (the lab tests need root), short fuzz runs"
	@echo "make cross [WINE=wine]   build and vet windows/amd64, cross-compile the pure packages' tests for it (run under WINE when set), vet darwin"
	@echo "make bench  scripts/bench.sh: tracers against traceroute, mtr, tracepath, scamper (as root)"
	@echo "make pgo    refresh cmd/tracers/default.pgo, the profile go build optimises tracers with"

build:
	$(call GOBUILD,$(TAGS),$(BIN))

# Man pages and completions come from the cobra commands (a hidden
# "tracers gendoc" command), generated at build time, never hand-edited.
# gendoc is built in with the gendoc tag only (cmd/tracers/nogendoc.go), so
# a second binary, $(GENDOC), writes them.
GENDOC := $(BUILD)/tracers-gendoc
$(GENDOC): build
	@mkdir -p $(BUILD)
	$(call GOBUILD,gendoc $(TAGS),$(GENDOC))

man: $(GENDOC)
	rm -rf $(BUILD)/man
	$(GENDOC) gendoc --man $(BUILD)/man

completions: $(GENDOC)
	rm -rf $(BUILD)/completions
	$(GENDOC) gendoc --completions $(BUILD)/completions

install: build man completions
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" BIN="$(BIN)" BUILD="$(BUILD)" bash scripts/install.sh install

uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" bash scripts/install.sh uninstall

deb: build man completions
	BIN="$(BIN)" BUILD="$(BUILD)" VERSION="$(VERSION)" bash scripts/deb.sh

# deps installs what a fresh Debian machine lacks; it needs root.
deps:
	@missing=""; for p in $(APT_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags gendoc ./cmd/tracers

# -tags gendoc: the man page and completion tests need the gendoc command.
# The delay bench's hop checker tests itself on testdata's tool outputs.
unit:
	$(GO) test -tags gendoc -count=1 -timeout 25m ./...
	bash scripts/bench-delay.sh --self-test

# cross: windows/amd64 builds and vets without cgo (gopacket's pcap package
# loads Npcap's wpcap.dll at run time), tracers.exe and the test binaries
# of the packages that need no capture device go to $(BUILD)/cross, run
# under $(WINE) when set (make cross WINE=wine). darwin needs cgo and Apple's
# SDK to build; without them go vet type-checks it, gcc and Linux's libpcap
# headers standing in (scripts/darwin-cc.sh).
CROSS_TESTS := analyze craft report replay
WINE ?=
cross:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build ./...
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) vet ./...
	@mkdir -p $(BUILD)/cross
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BUILD)/cross/tracers.exe ./cmd/tracers
	@for p in $(CROSS_TESTS); do \
		echo "GOOS=windows go test -c ./$$p"; \
		GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) test -c -o $(BUILD)/cross/$$p.test.exe ./$$p || exit 1; \
		if [ -n "$(WINE)" ]; then (cd $$p && $(WINE) $(abspath $(BUILD))/cross/$$p.test.exe -test.short) || exit 1; fi; \
	done
	GOOS=darwin GOARCH=amd64 CGO_ENABLED=1 CC="$(CURDIR)/scripts/darwin-cc.sh" $(GO) vet ./...

# fuzz runs every fuzz target for FUZZTIME, one at a time (go test allows
# one -fuzz target per package and run).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$t"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

test: lint cross unit fuzz

demo: deps build
	bash scripts/demo.sh $(BIN)

bench: deps
	bash scripts/bench.sh

# The CPU profile every go build of cmd/tracers optimises with (Go's
# profile-guided optimisation; go build reads a main package's
# default.pgo by itself): replay's every output mode (replay's
# BenchmarkModes) on a 2,000,000-packet capture of real traffic
# (scripts/gencap -from testdata/captures, as scripts/bench-replay.sh
# makes it). The figure that keeps it is in the README ("Replay
# figures"). Refresh it after a change to the replay path.
pgo:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) run ./scripts/gencap -o $$tmp/replay.pcap -packets 2000000 -from testdata/captures && \
	REPLAY_BENCH_FILE=$$tmp/replay.pcap $(GO) test ./replay -run '^$$' -bench Modes -benchtime 4x \
		-o $$tmp/replay.test -cpuprofile $(CURDIR)/cmd/tracers/default.pgo

lab-up:
	bash scripts/lab.sh up

lab-down:
	bash scripts/lab.sh down

clean:
	rm -f $(BIN)
	rm -rf $(BUILD)
