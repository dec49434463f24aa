# Rhetor — the two set-up commands are `make run` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/rhetor
DEBUG_BIN := .build/debug/rhetor
APT_DEPS_RUN := libedit-dev
APT_DEPS_TEST := libedit-dev tmux parallel

.PHONY: run build release test deps-run deps-test unit e2e lint models check-models bench clean

# Installs a Debian package list if any is missing (root, or sudo when present).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps-run:
	$(call apt_install,$(APT_DEPS_RUN))

deps-test:
	$(call apt_install,$(APT_DEPS_TEST))
	@python3 -c "import jsonschema" 2>/dev/null || python3 -m pip install -q jsonschema

# The Swift runtime and Foundation linked in statically: the process starts in ~9 ms instead of
# ~17 (no dynamic loading and symbol binding of a dozen Swift libraries), a fifth of start-up.
release: deps-run
	$(SWIFT) build -c release --product rhetor --static-swift-stdlib

# Start Rhetor (the REPL) with the shipped models.
run: release
	@$(RELEASE_BIN) --models Models

build: deps-test
	$(SWIFT) build

# Every test: unit and plugin tests, corpus lint, model freshness, end-to-end scripts.
test: build
	$(SWIFT) test
	$(DEBUG_BIN) corpus lint
	$(DEBUG_BIN) train --all --check
	bash Tests/e2e/run.sh $(DEBUG_BIN)

models: build
	$(DEBUG_BIN) train --all

check-models: build
	$(DEBUG_BIN) train --all --check

bench: release
	bash bench/run.sh $(RELEASE_BIN)

clean:
	rm -rf .build
