# dmakit: a thin front to Meson.  `make run` and `make check` are the
# README's quick start; everything else is a convenience.

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
MESON      ?= meson
# Warnings are errors in CI (CI=true) and wherever WERROR=true.
WERROR     ?= $(if $(filter true 1 yes,$(CI)),true,false)

# Debian 12 packages the build needs (see README, .ci/run).
DEB_PACKAGES := meson ninja-build pkg-config gcc libc6-dev libfdt-dev \
                device-tree-compiler libxen-dev libcmocka-dev libjansson-dev \
                python3
SAN_PACKAGES := clang libclang-rt-14-dev

.PHONY: all deps run check check-fast check-asan check-tsan bench fuzz \
        fuzz-long format clean

all: $(BUILD)/dmakit

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "make: missing packages; run: sudo apt-get install -y $$missing" >&2; exit 1; \
	  fi; \
	fi

$(BUILD)/build.ninja: | deps
	$(MESON) setup $(BUILD) -Dwerror=$(WERROR)

$(BUILD)/dmakit: $(BUILD)/build.ninja FORCE
	ninja -C $(BUILD)

FORCE:

run: all
	./$(BUILD)/dmakit run

check-fast: all
	$(MESON) test -C $(BUILD) --print-errorlogs

# ASan + UBSan build of the library, the simulator and every test.
$(ASAN_BUILD)/build.ninja: | deps
	$(MESON) setup $(ASAN_BUILD) -Dwerror=$(WERROR) -Db_sanitize=address,undefined \
	  -Db_lundef=false -Dbuildtype=debug -Doptimization=1

check-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(MESON) test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 4

# ThreadSanitizer over what runs threads: the swiotlb's areas under
# concurrent map/unmap, and the library's locks.
$(TSAN_BUILD)/build.ninja: | deps
	$(MESON) setup $(TSAN_BUILD) -Dwerror=$(WERROR) -Db_sanitize=thread \
	  -Db_lundef=false -Dbuildtype=debug -Doptimization=1

check-tsan: $(TSAN_BUILD)/build.ninja
	ninja -C $(TSAN_BUILD) tests/swiotlb/test-stress tests/swiotlb/test-swiotlb
	TSAN_OPTIONS=halt_on_error=1 $(MESON) test -C $(TSAN_BUILD) --no-rebuild \
	  --print-errorlogs --timeout-multiplier 4 stress swiotlb

check: check-fast check-asan check-tsan

bench: all
	./$(BUILD)/dmakit bench sweep

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
