# roam-shm: schema -> generated header and doc -> library, CLI and tests.
#
#   make                 regenerate if the schema changed, build the static and
#                        shared library, the CLI and its man page
#   make check           every test: generated/ up to date, generator tests,
#                        gcc and clang builds, Check tests, the same tests
#                        under ASan+UBSan, threaded tests under TSan (-O0,
#                        -O2), and a staged install used from C and C++
#                        through pkg-config
#   make check-abi       the unit tests on x86-64, i386, aarch64 and armhf
#                        (cross compilers, run under qemu-user)
#   make check-sanitize  only the sanitizer runs
#   make install         PREFIX=/usr/local DESTDIR= (bindir, libdir, includedir,
#                        mandir, docdir, pkgconfigdir may be set one by one)
#   make uninstall       remove what install installed (same variables)
#   make regen           run the generator unconditionally: generated/ and
#                        README.md's generated blocks (unchanged files stay
#                        untouched)
#   make compat          every difference between the schema and the ABI
#                        baseline, classified; fails on a breaking one
#   make compat-baseline record the schema as the ABI baseline (a breaking
#                        change needs SEGMENT_VERSION and the magic bumped)
#   make bench           benchmarks: each figure beside its floor, the seed's
#                        Rust and a copy, measured in the same run
#   make fuzz            each libFuzzer target for FUZZ_TIME seconds (default 60)
#   make bench-gen       the generator's speed against importing its libraries
#   make clean
#
# Packages: `make` installs (as root) or asks for only what building needs;
# test targets add what testing needs. NO_INSTALL=1 never installs anything:
# the missing packages are named with the command to install them.

BUILD   ?= build
CC      ?= cc
CXX     ?= c++
SAN     ?=
PYTHON  ?= python3
PKG_CONFIG ?= pkg-config
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Werror
CFLAGS  ?= -O2 -g
LDFLAGS ?=
# 64-bit off_t everywhere: segment files may be larger than 2 GiB on 32-bit
# targets too (the library's public structs hold no off_t).
# Public headers (include/) and the generated layout are all a consumer
# sees; the library and the tests also see the internal headers in src/.
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Igenerated
INTERNAL := -Isrc
LDLIBS  := -lpthread

# The library's objects: position-independent (one set serves the static and
# the shared library) and hidden unless a public header declares them.
# -fno-semantic-interposition keeps calls inside the library direct.
LIB_CFLAGS := -fPIC -fvisibility=hidden -fno-semantic-interposition

ifeq ($(SAN),asan)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(SAN),tsan)
# ThreadSanitizer does not model atomic_thread_fence, and gcc says so
# (-Wtsan) wherever a fence is inlined, as the generated header init's
# publishing fence is. The fence is compiled as always; only gcc's warning
# is turned off (compilers without the option do not get it).
TSAN_FENCE := $(shell $(CC) -Werror -Wno-tsan -fsyntax-only -x c /dev/null 2>/dev/null && echo -Wno-tsan)
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer $(TSAN_FENCE)
endif

# ---- Version: include/roam_version.h is the one place it is written -------
VERSION_H := include/roam_version.h
# Read by make itself (no process: `make regen` parses this file too): each
# word of the header paired with the next, NAME=VALUE for every #define.
VERSION_WORDS := $(file <$(VERSION_H))
VERSION_PAIRS := $(join $(VERSION_WORDS),$(addprefix =,$(wordlist 2,$(words $(VERSION_WORDS)),$(VERSION_WORDS))))
version_part = $(patsubst ROAM_SHM_VERSION_$(1)=%,%,$(filter ROAM_SHM_VERSION_$(1)=%,$(VERSION_PAIRS)))
VERSION_MAJOR := $(call version_part,MAJOR)
VERSION_MINOR := $(call version_part,MINOR)
VERSION_PATCH := $(call version_part,PATCH)
VERSION   := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
ifneq ($(words $(VERSION_MAJOR) $(VERSION_MINOR) $(VERSION_PATCH)),3)
$(error $(VERSION_H): cannot read ROAM_SHM_VERSION_MAJOR/MINOR/PATCH)
endif

# ---- Sources and products --------------------------------------------------
SCHEMA    := $(sort $(wildcard schema/*.yaml))
BASELINE  := schema/abi-baseline.json
CODEGEN   := $(wildcard codegen/*.py codegen/*.json codegen/*.txt \
                        codegen/roam_codegen/*.py codegen/templates/*.j2)
GENERATED := generated/roam_shm_layout.h generated/docs/roam_shm_layout.md
# The library's own headers: the generator rejects a schema whose C names
# collide with a name they declare. README.md holds blocks it writes.
LIB_HEADERS := $(wildcard include/*.h src/*.h src/cli/*.h)

LIB_SRC   := $(sort $(wildcard src/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/check_*.c))
TEST_UTIL := $(sort $(wildcard tests/util/*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_MSG_SRC := $(sort $(wildcard bench/msg/*.c))
EXAMPLE_SRC := $(sort $(wildcard examples/*.c))
# What a user includes: installed side by side with the generated layout.
PUBLIC_HEADERS := $(sort $(wildcard include/*.h))
VERSION_SCRIPT := src/libroam_shm.map

LIB       := $(BUILD)/libroam_shm.a
SONAME    := libroam_shm.so.$(VERSION_MAJOR)
SHLIB     := $(BUILD)/libroam_shm.so.$(VERSION)
SHLIB_LINKS := $(BUILD)/$(SONAME) $(BUILD)/libroam_shm.so
CLI       := $(BUILD)/roam-shm
MAN       := $(BUILD)/roam-shm.1
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:src/cli/%.c=$(BUILD)/obj/cli/%.o)
UTIL_OBJ  := $(TEST_UTIL:tests/util/%.c=$(BUILD)/obj/tests/util/%.o)
TESTS     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
EXAMPLES  := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
# Fuzzing: libFuzzer targets (clang, ASan+UBSan), their seeds made from
# segments the CLI creates (check_fuzz_replay replays them too, so
# check-unit needs them), and the crashes found, kept as regressions in
# fuzz/regressions/TARGET/.
FUZZ_TARGETS := header segment frame cli_args
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_CFLAGS  := $(WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Igenerated -Isrc -Isrc/cli
FUZZ_OBJ     := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRC) $(filter-out src/cli/main.c,$(CLI_SRC)))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SEEDS   := $(FUZZ_DIR)/seeds.stamp
# The CLI that makes the seeds: this build's, or for a cross build (which
# cannot run its own) the native one (check-abi passes it).
FUZZ_SEED_CLI ?= $(CLI)

# Tests that run threads, also run under ThreadSanitizer.
TSAN_TESTS := $(filter %_threads,$(TESTS))
# Tests that start real processes (they call fork, posix_spawn, the CLI
# runner cli_run or the process helpers proc_*): not run under qemu-user by
# check-abi. Every other test runs on all four ABIs.
PROCESS_CALLS := \b(cli_runv?|fork|vfork|posix_spawnp?|proc_[a-z_]+)[[:space:]]*[(]
PROCESS_TESTS = $(basename $(notdir $(shell grep -l -E '$(PROCESS_CALLS)' $(TEST_SRC))))

.PHONY: all lib cli man regen gen-check compat compat-baseline check check-unit check-gen \
        check-clang check-examples check-install check-sanitize check-abi check-abi-target \
        check-fuzz check-run check-build check-build-sanitize check-build-generic check-build-fuzz fuzz fuzz-seeds bench bench-gen clean deps-build deps-test \
        install uninstall FORCE
.DELETE_ON_ERROR:
.SECONDARY:

all: lib cli man
lib: $(LIB) $(SHLIB) $(SHLIB_LINKS)
cli: $(CLI)
man: $(MAN)

# ---- Dependencies (Debian packages; scripts/deps.sh) ----------------------
# Building needs python3 with Jinja2 and PyYAML (the generator); testing
# needs Check and pkg-config as well. Each is asked for only by the targets
# that use it: as root it is installed, otherwise the command is printed.
deps-build:
	@PYTHON=$(PYTHON) scripts/deps.sh build

deps-test:
	@PYTHON=$(PYTHON) scripts/deps.sh test

# Check's flags, asked when a test is compiled (after deps-test).
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check)

# The generator's interpreter, found once (after deps.sh build) and kept in
# build/python.mk: the executable itself, not a wrapper in front of it (a
# version manager's shim costs more than a run of the generator). Python
# keeps the generator's compiled modules under build/, even where the
# environment says not to write them next to the sources.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include build/python.mk
endif
build/python.mk: scripts/deps.sh
	@PYTHON=$(PYTHON) scripts/deps.sh build
	@mkdir -p $(dir $@)
	@printf 'ifeq ($$(PYTHON),%s)\nPYTHON_EXE := %s\nendif\n' '$(PYTHON)' \
	    "$$($(PYTHON) -c 'import sys; print(sys.executable)')" > $@.tmp && mv $@.tmp $@
PYRUN = PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/build/pycache \
        $(or $(PYTHON_EXE),$(PYTHON))
GEN = $(PYRUN) codegen/gen.py --schema schema --out generated --readme README.md \
      --headers 'include/*.h' 'src/*.h' 'src/cli/*.h' --cache build/codegen-cache

# ---- Code generation ------------------------------------------------------
# The generator writes only the files whose bytes change, so an output keeps
# its mtime when a change did not reach it; the stamp records that the
# generator ran, and keeps make from running it again. The doc lists the
# changes since the ABI baseline, so the baseline is an input too.
build/gen.stamp: $(SCHEMA) $(wildcard $(BASELINE)) $(CODEGEN) $(LIB_HEADERS) README.md \
                 | build/python.mk
	$(GEN) && touch $@

$(GENERATED): build/gen.stamp

regen: build/python.mk
	$(GEN) && touch build/gen.stamp

gen-check: build/python.mk
	$(GEN) --check

# ---- Compatibility with roam v7 peers -------------------------------------
compat: build/python.mk
	$(PYRUN) codegen/gen.py --schema schema --compat

# The doc lists the changes since the baseline: regenerate after recording.
compat-baseline: build/python.mk
	$(PYRUN) codegen/gen.py --schema schema --compat-baseline
	$(GEN) && touch build/gen.stamp

# ---- Library and CLI ------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h src/*.h) $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INTERNAL) $(LIB_CFLAGS) -c $< -o $@

$(BUILD)/obj/cli/%.o: src/cli/%.c $(wildcard include/*.h src/cli/*.h) $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc/cli -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# The shared library exports what the public headers declare and nothing
# else: hidden visibility by default, and the version script.
$(SHLIB): $(LIB_OBJ) $(VERSION_SCRIPT)
	$(CC) $(SAN_FLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(VERSION_SCRIPT) \
	    -Wl,-z,defs $(LDFLAGS) $(LIB_OBJ) -o $@

$(BUILD)/$(SONAME) $(BUILD)/libroam_shm.so: $(SHLIB)
	ln -sf $(notdir $<) $@

# The CLI is a consumer of the library like any other: it links the
# installed static library and calls only its exported API (check-install
# checks that).
$(CLI): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# The man page is the CLI's own --help text, set in roff.
$(MAN): $(CLI) scripts/man.py
	@PYTHON=$(PYTHON) scripts/deps.sh build
	$(PYTHON) scripts/man.py $(CLI) > $@.tmp && mv $@.tmp $@

# ---- Tests ----------------------------------------------------------------
$(BUILD)/obj/tests/util/%.o: tests/util/%.c $(wildcard tests/util/*.h include/*.h src/*.h) $(GENERATED) | deps-test
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INTERNAL) $(CHECK_CFLAGS) -Itests/util -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(UTIL_OBJ) $(LIB) $(wildcard tests/util/*.h) | deps-test
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INTERNAL) $(CHECK_CFLAGS) -Itests/util -DROAM_TEST_BUILD='"$(BUILD)"' \
	    $< $(UTIL_OBJ) $(TEST_OBJ_$*) $(LIB) -o $@ $(LDFLAGS) $(TEST_LDFLAGS) $(CHECK_LIBS) $(LDLIBS)

# Extra objects of one test: check_fuzz_replay runs the fuzz targets, one
# of which parses command lines.
CLI_LIB_OBJ := $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJ))
TEST_OBJ_check_fuzz_replay = $(CLI_LIB_OBJ)
$(BUILD)/tests/check_fuzz_replay: $(CLI_LIB_OBJ) $(wildcard fuzz/*.c)

# ---- Running tests ------------------------------------------------------------
# A run is one Check test binary (BIN.run) or one fuzz target's smoke run
# (fuzz_TARGET.smoke). check-run runs the runs in RUNS, TEST_JOBS at a time,
# every one even when some fail (CK_FORK keeps a crash in one test from
# hiding the others, so a schema change shows at once whether it breaks only
# roam v7 conformance), the longest first by the time each took last time
# (BIN.ms), and lists the failures at the end. Each run's output is printed
# whole when it ends. Tests that start processes wait on conditions with
# deadlines of seconds, never on one run's speed, so they run side by side
# with the rest; TEST_JOBS=1 runs one at a time.
RUN_TESTS ?= $(TESTS)
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
TEST_RUNNER ?=
TEST_ENV ?=
RUNS ?=
check-run:
	@rm -f $(BUILD)/failed-tests
	@runs=$$(for r in $(RUNS); do \
	        printf '%s %s\n' "$$(cat $${r%.*}.ms 2>/dev/null || echo 999999)" "$$r"; \
	    done | sort -k1,1nr -k2 | cut -d' ' -f2); \
	$(MAKE) --no-print-directory -k -j$(TEST_JOBS) $$runs || true
	@if [ -s $(BUILD)/failed-tests ]; then echo "FAILED:$$(cat $(BUILD)/failed-tests)"; exit 1; fi

# One test binary with the CLI and fuzz seeds of its own build; a failure
# is added to $(BUILD)/failed-tests.
%.run: FORCE
	@b=$(patsubst %/tests/,%,$(dir $*)); log=$*.log; echo "== $*" > $$log; \
	t0=$$(date +%s%N); \
	if $(TEST_ENV) ROAM_SHM_CLI=$(CURDIR)/$$b/roam-shm ROAM_TEST_FIXTURES=$(CURDIR)/tests/fixtures \
	        ROAM_TEST_FUZZ_SEEDS=$(CURDIR)/$$b/fuzz/seeds \
	        ROAM_TEST_FUZZ_REGRESSIONS=$(CURDIR)/fuzz/regressions \
	        $(TEST_RUNNER) $* >> $$log 2>&1; then ok=1; else ok=0; fi; \
	echo $$(( ($$(date +%s%N) - t0) / 1000000 )) > $*.ms; cat $$log; \
	[ $$ok = 1 ] || { echo " $*" >> $(BUILD)/failed-tests; exit 1; }

# The test binaries of this build, its CLI and the fuzz seeds they read.
check-build: $(RUN_TESTS) $(CLI) $(FUZZ_SEEDS)

check-unit: check-build
	@$(MAKE) --no-print-directory RUNS="$(RUN_TESTS:=.run)" check-run

# The generator's tests, rerun when the generator, its tests, the schema,
# the README or the headers it scans change.
# (Files up to four levels below codegen/, found by make itself.)
GEN_TEST_INPUTS := $(filter-out %/__pycache__ %/__pycache__/%, \
        $(wildcard codegen/* codegen/*/* codegen/*/*/* codegen/*/*/*/*)) \
    $(SCHEMA) $(BASELINE) README.md $(wildcard include/*.h src/*.h src/cli/*.h)
check-gen: $(BUILD)/check-gen.ok
$(BUILD)/check-gen.ok: $(GEN_TEST_INPUTS) | build/python.mk
	$(PYRUN) -m unittest discover -s codegen/tests -t codegen
	@mkdir -p $(dir $@) && touch $@

# Every source must also compile warning-free with clang; each file is
# checked again when it or a header changes.
CLANG_SRC := $(LIB_SRC) $(CLI_SRC) $(EXAMPLE_SRC) $(BENCH_SRC) $(BENCH_MSG_SRC) \
    $(BENCH_CREATE_SRC) $(TEST_SRC) $(TEST_UTIL) $(wildcard fuzz/*.c)
CLANG_HDRS := $(GENERATED) $(wildcard include/*.h src/*.h src/cli/*.h tests/util/*.h bench/*.h fuzz/*.h)
check-clang: $(GENERATED) | deps-test
	@if command -v clang >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory -j$(TEST_JOBS) $(CLANG_SRC:%=$(BUILD)/clang/%.ok); \
	else echo "clang not installed: skipping the clang build"; fi

$(BUILD)/clang/%.ok: % $(CLANG_HDRS)
	@mkdir -p $(dir $@)
	@echo "clang -fsyntax-only $<"
	@clang $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Igenerated -Isrc -Isrc/cli \
	    -Itests/util $(CHECK_CFLAGS) -fsyntax-only $< && touch $@

# make check builds everything first, then runs every variant's tests and
# the fuzz smoke runs together (check-run).
check: deps-test
	@$(MAKE) --no-print-directory gen-check
	@$(MAKE) --no-print-directory compat
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) all
	@$(MAKE) --no-print-directory check-gen
	@$(MAKE) --no-print-directory check-clang
	@$(MAKE) --no-print-directory check-examples
	@$(MAKE) --no-print-directory check-install
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) check-build
	@$(MAKE) --no-print-directory check-build-sanitize
	@$(MAKE) --no-print-directory check-build-generic
	@$(MAKE) --no-print-directory check-build-fuzz
	@$(MAKE) --no-print-directory \
	    RUNS="$(TESTS:=.run) $(SAN_RUNS) $(GENERIC_TESTS:=.run) $$(cat $(FUZZ_RUNS_FILE))" \
	    check-run

# Header validation's quick tests take shortcuts that today's schema allows
# (src/header.c); this variant builds their general form, as another schema
# would get it, and runs the header tests on it.
GENERIC_TESTS := $(addprefix build/generic/tests/,check_header_quick check_header check_mutate)
check-build-generic: | deps-test
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) BUILD=build/generic \
	    CFLAGS="-O2 -g -DROAM__QUICK_GENERIC" RUN_TESTS="$(GENERIC_TESTS)" check-build

# The sanitizer variants: every test under ASan+UBSan; the threaded ones
# under TSan at -O0 and -O2 (what the optimiser may reorder or merge in
# shared-memory code differs between the two). The message-stream tests
# send ROAM_TEST_MESSAGES each way there (they are many times slower; TSan
# checks every access of every message, so a few thousand through a ring
# that wraps every few messages and a pool of 14 slots suffice); the plain
# run sends its full count (a million messages between two processes).
ASAN_TEST_ENV := ROAM_TEST_MESSAGES=20000
TSAN_TEST_ENV := ROAM_TEST_MESSAGES=5000
ASAN_TESTS := $(TESTS:$(BUILD)/%=build/asan/%)
TSAN_O0_TESTS := $(TSAN_TESTS:$(BUILD)/%=build/tsan-O0/%)
TSAN_O2_TESTS := $(TSAN_TESTS:$(BUILD)/%=build/tsan-O2/%)
SAN_RUNS := $(addsuffix .run,$(ASAN_TESTS) $(TSAN_O0_TESTS) $(TSAN_O2_TESTS))
$(ASAN_TESTS:=.run): TEST_ENV += $(ASAN_TEST_ENV)
$(TSAN_O0_TESTS:=.run) $(TSAN_O2_TESTS:=.run): TEST_ENV += $(TSAN_TEST_ENV)

check-build-sanitize: | deps-test
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) BUILD=build/asan SAN=asan CFLAGS="-O1 -g" \
	    check-build
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) BUILD=build/tsan-O0 SAN=tsan CFLAGS="-O0 -g" \
	    RUN_TESTS="$(TSAN_O0_TESTS)" check-build
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) BUILD=build/tsan-O2 SAN=tsan CFLAGS="-O2 -g" \
	    RUN_TESTS="$(TSAN_O2_TESTS)" check-build

check-sanitize: check-build-sanitize
	@$(MAKE) --no-print-directory RUNS="$(SAN_RUNS)" check-run

# ---- Fuzzing ----------------------------------------------------------------
# The targets' variables are above. The library and the CLI's parsing are
# instrumented once for all targets.

$(FUZZ_DIR)/obj/%.o: src/%.c $(wildcard include/*.h src/*.h src/cli/*.h) $(GENERATED)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJ) -o $@ $(LDLIBS)

$(FUZZ_SEEDS): fuzz/seeds.sh $(FUZZ_SEED_CLI) $(wildcard tests/fixtures/*.bin)
	@fuzz/seeds.sh $(abspath $(FUZZ_SEED_CLI)) tests/fixtures $(FUZZ_DIR)/seeds
	@touch $@

fuzz-seeds: $(FUZZ_SEEDS)

# Each target for FUZZ_TIME seconds; new inputs go to $(FUZZ_DIR)/corpus,
# crashes to $(FUZZ_DIR)/crash-*: copy them to fuzz/regressions/TARGET/.
fuzz: $(FUZZ_BINS) $(FUZZ_SEEDS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t; echo "== fuzz_$$t, $(FUZZ_TIME) s"; \
	    opts=""; [ $$t = cli_args ] && opts=-close_fd_mask=3; \
	    $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $$opts \
	        -artifact_prefix=$(FUZZ_DIR)/crash-$$t- \
	        $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/seeds/$$t fuzz/regressions/$$t; \
	done

# In make check: each target replays its seeds and every regression, then
# runs FUZZ_SMOKE_RUNS inputs from a fixed seed (the same inputs every time).
# Without a clang with libFuzzer the smoke runs are skipped, with a message;
# FUZZ_RUNS_FILE lists the runs there are.
FUZZ_SMOKE_RUNS ?= 50000
FUZZ_RUNS_FILE := $(BUILD)/fuzz-runs
check-build-fuzz: | deps-test
	@mkdir -p $(BUILD)
	@if printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return (int)(d[0] & n & 0); }\n' | \
	        $(FUZZ_CC) -x c -fsanitize=fuzzer - -o $(BUILD)/.fuzz-probe >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory -j$(TEST_JOBS) $(FUZZ_BINS) $(FUZZ_SEEDS) && \
	    echo "$(FUZZ_BINS:=.smoke)" > $(FUZZ_RUNS_FILE); \
	else echo "no $(FUZZ_CC) with libFuzzer: skipping the fuzz smoke runs"; : > $(FUZZ_RUNS_FILE); fi

check-fuzz: check-build-fuzz
	@$(MAKE) --no-print-directory RUNS="$$(cat $(FUZZ_RUNS_FILE))" check-run

$(FUZZ_DIR)/fuzz_%.smoke: FORCE
	@t=$*; log=$(FUZZ_DIR)/smoke-$$t.log; echo "== fuzz_$$t: replay, then $(FUZZ_SMOKE_RUNS) inputs" > $$log; \
	opts=""; [ $$t = cli_args ] && opts=-close_fd_mask=3; \
	rm -rf $(FUZZ_DIR)/smoke/$$t; mkdir -p $(FUZZ_DIR)/smoke/$$t; t0=$$(date +%s%N); \
	if $(FUZZ_DIR)/fuzz_$$t -runs=0 $$opts $(FUZZ_DIR)/seeds/$$t fuzz/regressions/$$t >>$$log 2>&1 && \
	   $(FUZZ_DIR)/fuzz_$$t -runs=$(FUZZ_SMOKE_RUNS) -seed=1 $$opts \
	        -artifact_prefix=$(FUZZ_DIR)/crash-$$t- \
	        $(FUZZ_DIR)/smoke/$$t $(FUZZ_DIR)/seeds/$$t fuzz/regressions/$$t >>$$log 2>&1; \
	then echo $$(( ($$(date +%s%N) - t0) / 1000000 )) > $(FUZZ_DIR)/fuzz_$$t.ms; \
	    sed -n '1p;/DONE/p' $$log; \
	else cat $$log; echo " fuzz_$$t" >> $(BUILD)/failed-tests; exit 1; fi

# ---- Examples: the README's host and guest, built and run -----------------
$(BUILD)/examples/%: examples/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDLIBS)

check-examples: $(EXAMPLES)
	@set -e; for x in $(EXAMPLES); do echo "== $$x"; $$x; done

# ---- Install ----------------------------------------------------------------
PREFIX      ?= /usr/local
DESTDIR     ?=
prefix       = $(PREFIX)
exec_prefix  = $(prefix)
bindir       = $(exec_prefix)/bin
libdir       = $(exec_prefix)/lib
includedir   = $(prefix)/include
datarootdir  = $(prefix)/share
mandir       = $(datarootdir)/man
man1dir      = $(mandir)/man1
docdir       = $(datarootdir)/doc/roam-shm
pkgconfigdir = $(libdir)/pkgconfig
INSTALL     ?= install
# Run after installing into the real libdir so the loader finds the new
# shared library; LDCONFIG=: skips it.
LDCONFIG    ?= ldconfig

INSTALL_HEADERS := $(PUBLIC_HEADERS) generated/roam_shm_layout.h
INSTALL_DOCS    := generated/docs/roam_shm_layout.md README.md LICENSE LICENSE-MIT LICENSE-APACHE

install: all
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) \
	    $(DESTDIR)$(man1dir) $(DESTDIR)$(docdir) $(DESTDIR)$(pkgconfigdir)
	$(INSTALL) -m 755 $(CLI) $(DESTDIR)$(bindir)/roam-shm
	$(INSTALL) -m 644 $(LIB) $(DESTDIR)$(libdir)/libroam_shm.a
	$(INSTALL) -m 755 $(SHLIB) $(DESTDIR)$(libdir)/$(notdir $(SHLIB))
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libroam_shm.so
	$(INSTALL) -m 644 $(INSTALL_HEADERS) $(DESTDIR)$(includedir)/
	sed -e 's|@prefix@|$(prefix)|' -e 's|@version@|$(VERSION)|' \
	    -e 's|@libdir@|$(patsubst $(prefix)/%,$${prefix}/%,$(libdir))|' \
	    -e 's|@includedir@|$(patsubst $(prefix)/%,$${prefix}/%,$(includedir))|' \
	    src/roam-shm.pc.in > $(BUILD)/roam-shm.pc
	$(INSTALL) -m 644 $(BUILD)/roam-shm.pc $(DESTDIR)$(pkgconfigdir)/roam-shm.pc
	$(INSTALL) -m 644 $(MAN) $(DESTDIR)$(man1dir)/roam-shm.1
	$(INSTALL) -m 644 $(INSTALL_DOCS) $(DESTDIR)$(docdir)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then $(LDCONFIG) || true; fi

uninstall:
	rm -f $(DESTDIR)$(bindir)/roam-shm \
	    $(DESTDIR)$(libdir)/libroam_shm.a $(DESTDIR)$(libdir)/$(notdir $(SHLIB)) \
	    $(DESTDIR)$(libdir)/$(SONAME) $(DESTDIR)$(libdir)/libroam_shm.so \
	    $(addprefix $(DESTDIR)$(includedir)/,$(notdir $(INSTALL_HEADERS))) \
	    $(DESTDIR)$(pkgconfigdir)/roam-shm.pc $(DESTDIR)$(man1dir)/roam-shm.1 \
	    $(addprefix $(DESTDIR)$(docdir)/,$(notdir $(INSTALL_DOCS)))
	-rmdir $(DESTDIR)$(docdir) 2>/dev/null

# A staged install (DESTDIR) used as a user would, through pkg-config only:
# the example linked static and shared, the C++ consumers, the exported
# symbols, the man page; then uninstall must leave nothing behind.
STAGE        := $(BUILD)/stage
STAGE_PREFIX := /opt/roam-shm
# Rerun when anything installed or used by the consumers changes.
INSTALL_CHECK_INPUTS := $(wildcard include/* scripts/* tests/cxx/* examples/*) \
    $(GENERATED) src/libroam_shm.map src/roam-shm.pc.in Makefile
check-install: $(BUILD)/check-install.ok
$(BUILD)/check-install.ok: $(LIB) $(SHLIB) $(CLI) $(MAN) $(INSTALL_CHECK_INPUTS) | deps-test
	@rm -rf $(STAGE)
	@$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=$(STAGE_PREFIX) >/dev/null
	@CC="$(CC)" CXX="$(CXX)" PKG_CONFIG="$(PKG_CONFIG)" scripts/check-install.sh \
	    $(CURDIR)/$(STAGE) $(STAGE_PREFIX) $(CURDIR)/$(BUILD)/consumer $(CLI_OBJ)
	@$(MAKE) --no-print-directory uninstall DESTDIR=$(CURDIR)/$(STAGE) PREFIX=$(STAGE_PREFIX) >/dev/null
	@left=$$(find $(STAGE) ! -type d); \
	if [ -n "$$left" ]; then echo "uninstall left files behind:"; echo "$$left"; exit 1; fi; \
	echo "uninstall: no file left"
	@touch $@

# ---- Four ABIs --------------------------------------------------------------
# The library and every test that needs no real process, built for each
# target with Debian's cross compiler and run under qemu-user (static test
# binaries: qemu needs no target root file system); x86-64 runs natively.
# -Wno-psabi: gcc for i386 notes on every file that the alignment of
# _Atomic 64-bit fields changed in GCC 11.1; the layout asserts check it.
# scripts/deps.sh abi installs the toolchains, qemu-user and Check for each
# architecture (as root). Each entry is TRIPLET:QEMU-ARCH.
ABI_TARGETS := i686-linux-gnu:i386 aarch64-linux-gnu:aarch64 arm-linux-gnueabihf:arm
ABI_TESTS    = $(filter-out $(addprefix $(BUILD)/tests/,$(PROCESS_TESTS)),$(TESTS))
TEST_LDFLAGS ?=

check-abi:
	@PYTHON=$(PYTHON) scripts/deps.sh abi
	@echo "==== x86_64-linux-gnu (native)"
	@$(MAKE) --no-print-directory check-abi-target
	@set -e; for target in $(ABI_TARGETS); do \
	    t=$${target%%:*}; arch=$${target#*:}; \
	    echo "==== $$t (qemu-$$arch)"; \
	    $(MAKE) --no-print-directory BUILD=build/abi/$$t CC=$$t-gcc CXX=$$t-g++ AR=$$t-ar \
	        NM=$$t-nm CFLAGS="$(CFLAGS) -Wno-psabi" TEST_LDFLAGS=-static \
	        FUZZ_SEED_CLI=$(CURDIR)/$(CLI) \
	        TEST_RUNNER="$$(command -v qemu-$$arch || command -v qemu-$$arch-static)" \
	        PKG_CONFIG="PKG_CONFIG_LIBDIR=/usr/lib/$$($$t-gcc -print-multiarch)/pkgconfig pkg-config" \
	        check-abi-target; \
	done

# One target: the library (the shared one's exports checked with the
# target's nm, the public headers compiled as C++ by the target's g++), then
# the tests.
NM ?= nm
check-abi-target: lib | deps-test
	@CC="$(CC)" CXX="$(CXX)" NM="$(NM)" CFLAGS="$(CFLAGS)" \
	    scripts/check-exports.sh $(SHLIB) $(INSTALL_HEADERS)
	@$(MAKE) --no-print-directory check-unit RUN_TESTS="$(ABI_TESTS)"

# ---- Benchmarks -----------------------------------------------------------
# One program, build/bench/roam_bench, from every bench/*.c. The seed's Rust
# header (SEED_RS, roam's segment.rs) is compiled with rustc -O beside a
# small shim into a static library, so that its validate() is measured in
# the same run; without rustc or the seed the bench says so and skips it.
BENCH      := $(BUILD)/bench/roam_bench
BENCH_OBJ  := $(BENCH_SRC:bench/%.c=$(BUILD)/obj/bench/%.o)
RUSTC      ?= rustc
SEED_RS    ?= $(firstword $(wildcard ../shared/seed/segment.rs ../../shared/seed/segment.rs))
SEED_LIB   := $(BUILD)/bench/seed/libroam_seed.a
HAVE_RUSTC  = $(shell command -v $(RUSTC) 2>/dev/null)
BENCH_SEED  = $(if $(HAVE_RUSTC),$(if $(SEED_RS),yes,),)
BENCH_DEFS  = $(if $(BENCH_SEED),-DBENCH_SEED=1,-DBENCH_SEED_SKIP='"$(if $(HAVE_RUSTC),seed header not found (make bench SEED_RS=path/to/segment.rs),no rustc)"')

$(BUILD)/obj/bench/%.o: bench/%.c $(wildcard bench/*.h src/*.h include/*.h) $(GENERATED) $(BUILD)/obj/bench/seed.stamp
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INTERNAL) $(BENCH_DEFS) -c $< -o $@

# Rewritten only when the seed's availability changes: the bench objects
# are rebuilt when rustc or the seed appears or disappears.
$(BUILD)/obj/bench/seed.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo 'seed=$(BENCH_SEED) rustc=$(HAVE_RUSTC) path=$(SEED_RS)' | cmp -s - $@ || \
	    echo 'seed=$(BENCH_SEED) rustc=$(HAVE_RUSTC) path=$(SEED_RS)' > $@

FORCE:

$(SEED_LIB): bench/seed_shim.rs $(SEED_RS)
	@mkdir -p $(dir $@)
	cp $(SEED_RS) $(dir $@)segment.rs
	cp bench/seed_shim.rs $(dir $@)lib.rs
	$(RUSTC) -O --edition 2021 --crate-type staticlib --crate-name roam_seed -C panic=abort \
	    --cap-lints allow $(dir $@)lib.rs -o $@

# (Expanded a second time, when the bench is built: the look for rustc is
# not made on every run of make.)
.SECONDEXPANSION:
$(BENCH): $(BENCH_OBJ) $(LIB) $$(if $$(BENCH_SEED),$$(SEED_LIB))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(BENCH_OBJ) $(LIB) $(if $(BENCH_SEED),$(SEED_LIB)) -o $@ $(LDLIBS)

# Messages between two processes against a socketpair and against memcpy:
# its own program, from bench/msg/.
BENCH_MSG := $(BUILD)/bench/roam_bench_msg

$(BENCH_MSG): $(sort $(wildcard bench/msg/*.c)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(filter %.c,$^) $(LIB) -o $@ $(LDLIBS)

# roam-shm create against truncate -s + one fsync, side by side: its own
# program, from bench/create/, run in BENCH_DIR (the file system decides
# what an fsync costs).
BENCH_CREATE_SRC := $(sort $(wildcard bench/create/*.c))
BENCH_CREATE := $(BUILD)/bench/roam_bench_create
BENCH_DIR ?= $(CURDIR)/$(BUILD)

$(BENCH_CREATE): $(BENCH_CREATE_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(BENCH_CREATE_SRC) -o $@

bench: $(BENCH) $(BENCH_MSG) $(BENCH_CREATE) $(CLI)
	@$(BENCH)
	@echo
	@$(BENCH_MSG)
	@echo
	@ROAM_SHM_CLI=$(CURDIR)/$(CLI) BENCH_DIR=$(BENCH_DIR) $(BENCH_CREATE)
	@echo
	@$(MAKE) --no-print-directory bench-gen

# The generator: make regen against importing Jinja2 and PyYAML.
bench-gen: build/python.mk
	@echo "== bench/gen_speed.py"
	@$(or $(PYTHON_EXE),$(PYTHON)) bench/gen_speed.py 20

clean:
	rm -rf build
