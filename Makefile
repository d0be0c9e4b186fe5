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
                python3 gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf \
                groff-base man-db mandoc chromium
SAN_PACKAGES := clang libclang-rt-14-dev

.PHONY: all deps run check check-fast check-asan check-tsan freestanding \
        bench fuzz fuzz-long soak format clean

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

# ASan + UBSan build of the library, the simulator and every test; the
# suite 'equivalence' (two ways of one sweep giving the same outcomes, a
# property of its logic the plain pass proves) is left to the plain pass.
$(ASAN_BUILD)/build.ninja: | deps
	$(MESON) setup $(ASAN_BUILD) -Dwerror=$(WERROR) -Db_sanitize=address,undefined \
	  -Db_lundef=false -Dbuildtype=debug -Doptimization=1

check-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(MESON) test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 4 \
	  --no-suite equivalence

# ThreadSanitizer over what runs threads: the swiotlb's areas and parked
# runs under concurrent map/unmap, a dynamic swiotlb's pool list growing
# under them, the library's locks, and two threads
# mapping for one device through the public API (thread tokens, counter
# shards).
$(TSAN_BUILD)/build.ninja: | deps
	$(MESON) setup $(TSAN_BUILD) -Dwerror=$(WERROR) -Db_sanitize=thread \
	  -Db_lundef=false -Dbuildtype=debug -Doptimization=1

check-tsan: $(TSAN_BUILD)/build.ninja
	ninja -C $(TSAN_BUILD) tests/swiotlb/test-stress tests/swiotlb/test-swiotlb \
	  tests/swiotlb/test-park tests/swiotlb/test-dynamic \
	  tests/env/test-thread-tokens tests/sim/test-sim-worker tools/dmakit
	TSAN_OPTIONS=halt_on_error=1 $(MESON) test -C $(TSAN_BUILD) --no-rebuild \
	  --print-errorlogs --timeout-multiplier 4 stress swiotlb park dynamic \
	  thread-tokens bench-map-threads sim-worker \
	  happens-swiotlb-grows-xen happens-swiotlb-grows-native

# The library against env/freestanding/dmk_env.h alone, for x86_64,
# aarch64 and 32-bit ARM: no hidden libc, pthread or libgcc use
# (env/freestanding/check.sh).
freestanding: | deps
	env/freestanding/check.sh $(BUILD)/freestanding

check: check-fast freestanding check-asan check-tsan fuzz-short

# libFuzzer over each target (fuzz/, docs/fuzzing.md): a clang build
# with ASan and UBSan, each target's corpus seeded from its replayer's
# built-in seeds (dt: the fixture blobs), new inputs kept in
# $(FUZZ_BUILD)/corpus/<target>, crashes in $(FUZZ_BUILD)/crashes/.
FUZZ_TARGETS := dt xen swiotlb dma
FUZZ_BINS    := $(foreach t,$(FUZZ_TARGETS),fuzz/$(t)-fuzz) fuzz/xen-replay \
                fuzz/swiotlb-replay fuzz/dma-replay

$(FUZZ_BUILD)/build.ninja: | deps
	CC=clang $(MESON) setup $(FUZZ_BUILD) -Dwerror=$(WERROR) -Dfuzzers=true \
	  -Dtests=false

# $(call fuzz_each,LIMIT,CORPUS): every target in turn, growing the corpus
# in $(FUZZ_BUILD)/CORPUS/<target>; the first crash stops.  LIMIT is a
# libFuzzer flag; $$runs in it is the target's short-run count.
define fuzz_each
	ninja -C $(FUZZ_BUILD) $(FUZZ_BINS)
	@mkdir -p $(FUZZ_BUILD)/crashes
	@set -e; for t in $(FUZZ_TARGETS); do \
	  corpus=$(FUZZ_BUILD)/$(2)/$$t; mkdir -p $$corpus; timeout=20; \
	  if [ $$t = dt ]; then seeds=tests/data/dtb; runs=$(FUZZ_RUNS_dt); \
	  else seeds=; runs=$(FUZZ_RUNS_ops); \
	    if [ $$t = dma ]; then runs=$(FUZZ_RUNS_dma); timeout=120; fi; \
	    ./$(FUZZ_BUILD)/fuzz/$$t-replay -w $$corpus; fi; \
	  echo "fuzz: $$t, $(1)"; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    ./$(FUZZ_BUILD)/fuzz/$$t-fuzz $(1) -timeout=$$timeout \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- \
	    $$corpus $$seeds 2>$(FUZZ_BUILD)/fuzz-$$t.log || \
	    { tail -n 40 $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_BUILD)/fuzz-$$t.log || true; \
	done
endef

fuzz: $(FUZZ_BUILD)/build.ninja
	$(call fuzz_each,-max_total_time=$(or $(FUZZ_SECONDS),60),corpus)

fuzz-long: $(FUZZ_BUILD)/build.ninja
	$(call fuzz_each,-max_total_time=$(or $(FUZZ_SECONDS),600),corpus)

.PHONY: fuzz-short
# A fixed seed and a fixed number of inputs, not a time: libFuzzer then
# tries the same inputs on every machine, so a failure in CI reproduces
# here (and a fast machine does not find what a slow one cannot).  It
# starts from the seeds alone every time, not from the corpus that
# `make fuzz` grows.  The counts take about 15 s per target on a 2-vCPU
# machine; dma builds a whole world per input (about 0.2 s of CPU under
# ASan, up to a second for the largest), so it gets fewer inputs and a
# longer -timeout (a loaded machine stretches one input many times).
FUZZ_RUNS_dt  ?= 60000
FUZZ_RUNS_ops ?= 1500
FUZZ_RUNS_dma ?= 120
fuzz-short: $(FUZZ_BUILD)/build.ninja
	rm -rf $(FUZZ_BUILD)/corpus-short
	$(call fuzz_each,-seed=1 -runs=$$runs,corpus-short)

# Not in CI: SOAK_MINUTES (default 30) of randomized dmakit run, dmakit
# faults and DMA-API fuzzer rounds, stopping at the first failure with
# the command that reproduces it (tools/soak.sh, docs/fuzzing.md).  The
# fuzzer rounds use the libFuzzer build when clang is there.
.PHONY: soak
soak: all
	@if command -v clang >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(FUZZ_BUILD)/build.ninja && \
	  ninja -C $(FUZZ_BUILD) fuzz/dma-fuzz fuzz/dma-replay; \
	else ninja -C $(BUILD) fuzz/dma-replay; fi
	tools/soak.sh $(BUILD) $(FUZZ_BUILD)

bench: all
	./$(BUILD)/dmakit bench sweep

# dmakit in a real Linux kernel (dmakit-edu.ko) on real Xen 4.17 under
# QEMU, driving QEMU's edu DMA engines (docs/real-dma.md).  Needs
# linux-headers-6.1.0-50-amd64, gcc-aarch64-linux-gnu, qemu-system-x86,
# qemu-system-arm, cpio, libxen-dev, and ../shared/xen-qemu beside the
# repository (XEN_QEMU= elsewhere).  Work and .debs stay in build/real-dma.
.PHONY: real-dma
real-dma:
	platform/linux/real-dma.sh $(REAL_DMA_ARCHES)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)

# ---- real Xen as the judge (docs/hypervisor.md, "Real Xen") ----
#
# `make real-xen` builds the conformance battery statically for each
# arch with Debian's cross compilers, boots real Xen 4.17 with a dom0
# under QEMU for each (../shared/xen-qemu/run-in-dom0.sh; the .debs it
# fetches are cached under $(REAL_XEN_DIR)/<arch>), runs the battery
# there, and compares every case with the model's answer in a world
# built from what that dom0 discovered.  One line per arch, then every
# disagreement with both answers; the exit status is 0 only when no
# case disagrees.
REAL_XEN_DIR    ?= $(BUILD)/xen-qemu
REAL_XEN_ARCHES ?= arm64 arm32 x86_64
XEN_QEMU        ?= ../shared/xen-qemu
REAL_XEN_SCRIPT ?= $(abspath $(XEN_QEMU))/run-in-dom0.sh
# The dom0 kernel run-in-dom0.sh boots on x86 (its KVER): the dmk_p2m
# module is built against its headers.
REAL_XEN_KVER   ?= 6.1.0-50-amd64
REAL_XEN_PACKAGES := qemu-system-arm qemu-system-x86 cpio file gzip \
                     gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf \
                     libc6-dev-arm64-cross libc6-dev-armhf-cross \
                     linux-headers-$(REAL_XEN_KVER)
CROSS_CC_arm64  := aarch64-linux-gnu-gcc
CROSS_CC_arm32  := arm-linux-gnueabihf-gcc
CROSS_CC_x86_64 := gcc
XC_DIR := tools/xen-conformance
# The dom0 side links the library itself too (library.c runs it there).
XC_REAL_SRC := $(addprefix $(XC_DIR)/,main.c record.c run.c facts.c \
                 catalog.c badmem.c caselib.c env-privcmd.c library.c) \
               $(wildcard $(XC_DIR)/cases-*.c) \
               $(wildcard platform/privcmd/*.c) \
               $(wildcard src/*.c src/swiotlb/*.c src/xen/*.c) env/user/env.c
XC_REAL_HDR := $(wildcard $(XC_DIR)/*.h platform/privcmd/*.h include/dmakit/*.h \
                 env/user/*.h src/*.h src/swiotlb/*.h src/xen/*.h)

.PHONY: real-xen real-xen-deps real-xen-payloads

real-xen-deps:
	@missing=$$(for p in $(REAL_XEN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make: real-xen needs: apt-get install -y $$missing" >&2; exit 2; fi
	@test -x $(REAL_XEN_SCRIPT) || \
	  { echo "make: real-xen needs $(REAL_XEN_SCRIPT)" >&2; exit 2; }

# The cross compilers see their own libc, not the host's /usr/include:
# give them Xen's public headers (arch-independent, from libxen-dev)
# alone.
$(REAL_XEN_DIR)/include/xen:
	@mkdir -p $(REAL_XEN_DIR)/include
	@ln -sfn /usr/include/xen $@

$(REAL_XEN_DIR)/payload-%/xen-conformance: $(XC_REAL_SRC) $(XC_REAL_HDR) | $(REAL_XEN_DIR)/include/xen
	@mkdir -p $(@D)
	@$(CROSS_CC_$*) -static -O2 -std=c11 -Wall -Wextra -Werror \
	  -D_GNU_SOURCE -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
	  -Iinclude -Ienv/user -Iplatform/privcmd -I$(REAL_XEN_DIR)/include \
	  -o $@ $(XC_REAL_SRC) -pthread
	@printf '#!/bin/sh\n# dom0 side of make real-xen\nexec ./xen-conformance real\n' >$(@D)/run
	@chmod +x $(@D)/run

# x86 PV: the dmk_p2m module (platform/privcmd/kmod) tells user space
# the machine frames behind its pages; built out of tree in the build
# directory against Debian's headers for the dom0 kernel, loaded by the
# payload before the battery runs.
KMOD_DIR := $(REAL_XEN_DIR)/kmod
$(KMOD_DIR)/dmk_p2m.ko: platform/privcmd/kmod/dmk_p2m.c platform/privcmd/kmod/Kbuild
	@mkdir -p $(KMOD_DIR)
	@cp $^ $(KMOD_DIR)/
	@$(MAKE) -s --no-print-directory -C /usr/src/linux-headers-$(REAL_XEN_KVER) \
	  M=$(abspath $(KMOD_DIR)) modules >$(KMOD_DIR)/build.log 2>&1 || \
	  { tail -n 20 $(KMOD_DIR)/build.log; exit 1; }

$(REAL_XEN_DIR)/payload-x86_64/dmk_p2m.ko: $(KMOD_DIR)/dmk_p2m.ko $(REAL_XEN_DIR)/payload-x86_64/xen-conformance
	@cp $< $@
	@printf '#!/bin/sh\n# dom0 side of make real-xen: x86 PV machine frames, then the battery\ninsmod ./dmk_p2m.ko || echo "xc-note: dmk_p2m did not load"\nexec ./xen-conformance real\n' >$(@D)/run

real-xen-payloads: $(foreach a,$(REAL_XEN_ARCHES),$(REAL_XEN_DIR)/payload-$(a)/xen-conformance) \
                   $(if $(filter x86_64,$(REAL_XEN_ARCHES)),$(REAL_XEN_DIR)/payload-x86_64/dmk_p2m.ko)

real-xen: real-xen-deps all real-xen-payloads
	@rc=0; for a in $(REAL_XEN_ARCHES); do \
	  mkdir -p $(REAL_XEN_DIR)/$$a; \
	  if ! ARCH=$$a W=$(abspath $(REAL_XEN_DIR))/$$a $(REAL_XEN_SCRIPT) \
	       $(REAL_XEN_DIR)/payload-$$a >$(REAL_XEN_DIR)/real-$$a.txt \
	       2>$(REAL_XEN_DIR)/real-$$a.err; then \
	    echo "real-xen $$a: the dom0 run failed:"; \
	    tail -n 5 $(REAL_XEN_DIR)/real-$$a.err; rc=1; continue; fi; \
	  ./$(BUILD)/tools/xen-conformance/xen-conformance compare \
	    $(REAL_XEN_DIR)/real-$$a.txt || rc=1; \
	done; exit $$rc
