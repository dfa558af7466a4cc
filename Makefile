# roam-shm: schema -> generated header and doc -> library, CLI and tests.
#
#   make                 regenerate if the schema changed, build library + CLI
#   make check           every test: generated/ up to date, generator tests,
#                        gcc and clang builds, Check tests, the same tests
#                        under ASan+UBSan, threaded tests under TSan
#   make check-sanitize  only the sanitizer runs
#   make regen           regenerate generated/ unconditionally
#   make bench           benchmarks (ratios against an in-run baseline)
#   make fuzz            run each libFuzzer target FUZZ_TIME seconds (default 60)
#   make clean

BUILD   ?= build
CC      ?= cc
SAN     ?=
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE -Igenerated -Isrc
LDLIBS  := -lpthread

ifeq ($(SAN),asan)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(SAN),tsan)
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

SCHEMA    := $(sort $(wildcard schema/*.yaml))
CODEGEN   := $(wildcard codegen/*.py codegen/roam_codegen/*.py codegen/templates/*.j2)
GENERATED := generated/roam_shm_layout.h generated/docs/roam_shm_layout.md

LIB_SRC   := $(sort $(wildcard src/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/check_*.c))
TEST_UTIL := $(sort $(wildcard tests/util/*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
EXAMPLE_SRC := $(sort $(wildcard examples/*.c))

LIB       := $(BUILD)/libroam_shm.a
CLI       := $(BUILD)/roam-shm
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:src/cli/%.c=$(BUILD)/obj/cli/%.o)
UTIL_OBJ  := $(TEST_UTIL:tests/util/%.c=$(BUILD)/obj/tests/util/%.o)
TESTS     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
EXAMPLES  := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
# Tests that run threads, also run under ThreadSanitizer.
TSAN_TESTS := $(filter %_threads,$(TESTS))
# Extra objects of one test: check_fuzz_replay runs the fuzz targets, one
# of which parses command lines.
CLI_LIB_OBJ := $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJ))
TEST_LDFLAGS_check_fuzz_replay = $(CLI_LIB_OBJ)
$(BUILD)/tests/check_fuzz_replay: $(CLI_LIB_OBJ) $(wildcard fuzz/*.c)

# Fuzzing: libFuzzer targets (clang, ASan+UBSan), their seeds made from
# segments the CLI creates, and the crashes found, kept as regressions.
FUZZ_TARGETS := header segment frame cli_args
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_SMOKE   ?= 1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := $(WARN) -g -O1 $(FUZZ_SAN) -D_GNU_SOURCE -Igenerated -Isrc -Isrc/cli
FUZZ_OBJ     := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRC) $(filter-out src/cli/main.c,$(CLI_SRC)))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SEEDS   := $(FUZZ_DIR)/seeds.stamp

.PHONY: all regen gen-check check check-unit check-gen check-clang \
        check-examples check-sanitize check-fuzz fuzz fuzz-seeds fuzz-smoke bench clean deps
.DELETE_ON_ERROR:
.SECONDARY:

all: $(LIB) $(CLI)

# ---- Dependencies (installed from Debian packages when missing) -----------
# build/deps.mk records which python and which Check flags to use.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include build/deps.mk
endif
build/deps.mk: scripts/deps.sh
	@mkdir -p build
	@scripts/deps.sh > $@.tmp && mv $@.tmp $@

deps: build/deps.mk

# ---- Code generation ------------------------------------------------------
# The stamp keeps make from rerunning the generator when its output did not
# change (the generator rewrites files only as a whole set).
build/gen.stamp: $(SCHEMA) $(CODEGEN) | build/deps.mk
	$(PYTHON) codegen/gen.py --schema schema --out generated
	@touch $@

$(GENERATED): build/gen.stamp

regen: build/deps.mk
	$(PYTHON) codegen/gen.py --schema schema --out generated
	@mkdir -p build && touch build/gen.stamp

gen-check: build/deps.mk
	$(PYTHON) codegen/gen.py --schema schema --out generated --check

# ---- Library and CLI ------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/cli/%.o: src/cli/%.c $(wildcard src/*.h src/cli/*.h) $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc/cli -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLI): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDLIBS)

# ---- Tests ----------------------------------------------------------------
$(BUILD)/obj/tests/util/%.o: tests/util/%.c $(wildcard tests/util/*.h src/*.h) $(GENERATED) | build/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/util -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(UTIL_OBJ) $(LIB) $(wildcard tests/util/*.h) | build/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/util -DROAM_TEST_BUILD='"$(BUILD)"' \
	    $< $(UTIL_OBJ) $(TEST_LDFLAGS_$*) $(LIB) -o $@ $(CHECK_LIBS) $(LDLIBS)

# Run every Check test binary of this build (CK_FORK keeps a crash in one
# test from hiding the others).
RUN_TESTS ?= $(TESTS)
check-unit: $(RUN_TESTS) $(CLI) $(FUZZ_SEEDS)
	@set -e; for t in $(RUN_TESTS); do \
	    echo "== $$t"; ROAM_SHM_CLI=$(CURDIR)/$(CLI) ROAM_TEST_FIXTURES=$(CURDIR)/tests/fixtures \
	        ROAM_TEST_FUZZ_SEEDS=$(CURDIR)/$(FUZZ_DIR)/seeds \
	        ROAM_TEST_FUZZ_REGRESSIONS=$(CURDIR)/fuzz/regressions $$t; \
	done

check-gen: build/deps.mk
	$(PYTHON) -m unittest discover -s codegen/tests -t codegen

# Every source must also compile warning-free with clang.
check-clang: $(GENERATED) | build/deps.mk
	@if command -v clang >/dev/null 2>&1; then \
	    echo "clang -fsyntax-only (warnings are errors)"; \
	    for f in $(LIB_SRC) $(CLI_SRC) $(EXAMPLE_SRC) $(BENCH_SRC) $(TEST_SRC) $(TEST_UTIL) \
	            $(wildcard fuzz/*.c); do \
	        clang $(WARN) -D_GNU_SOURCE -Igenerated -Isrc -Isrc/cli -Itests/util $(CHECK_CFLAGS) \
	            -fsyntax-only $$f || exit 1; \
	    done; \
	else echo "clang not installed: skipping the clang build"; fi

check: build/deps.mk
	@$(MAKE) --no-print-directory gen-check
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-gen
	@$(MAKE) --no-print-directory check-clang
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-examples
	@$(MAKE) --no-print-directory check-sanitize
	@$(MAKE) --no-print-directory check-fuzz

check-sanitize: build/deps.mk
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=asan CFLAGS="-O1 -g" check-unit
	@if [ -n "$(TSAN_TESTS)" ]; then \
	    $(MAKE) --no-print-directory BUILD=build/tsan SAN=tsan CFLAGS="-O1 -g" \
	        RUN_TESTS="$(patsubst $(BUILD)/%,build/tsan/%,$(TSAN_TESTS))" check-unit; \
	fi

# ---- Fuzzing ----------------------------------------------------------------
# The library and the CLI's parsing, instrumented once for all targets.
$(FUZZ_DIR)/obj/%.o: src/%.c $(wildcard src/*.h src/cli/*.h) $(GENERATED)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJ) -o $@ $(LDLIBS)

$(FUZZ_SEEDS): fuzz/seeds.sh $(CLI) $(wildcard tests/fixtures/*.bin)
	@fuzz/seeds.sh $(CURDIR)/$(CLI) tests/fixtures $(FUZZ_DIR)/seeds
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

# In make check: replay the seeds and every regression, then a short run.
check-fuzz: | build/deps.mk
	@if printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return (int)(d[0] & n & 0); }\n' | \
	        $(FUZZ_CC) -x c -fsanitize=fuzzer - -o $(BUILD)/.fuzz-probe >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory fuzz-smoke; \
	else echo "no $(FUZZ_CC) with libFuzzer: skipping the fuzz smoke run"; fi

fuzz-smoke: $(FUZZ_BINS) $(FUZZ_SEEDS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    echo "== fuzz_$$t: replay, then $(FUZZ_SMOKE) s"; \
	    opts=""; [ $$t = cli_args ] && opts=-close_fd_mask=3; \
	    log=$(FUZZ_DIR)/smoke-$$t.log; \
	    $(FUZZ_DIR)/fuzz_$$t -runs=0 $$opts $(FUZZ_DIR)/seeds/$$t fuzz/regressions/$$t \
	        >$$log 2>&1 || { cat $$log; exit 1; }; tail -1 $$log; \
	    rm -rf $(FUZZ_DIR)/smoke/$$t; mkdir -p $(FUZZ_DIR)/smoke/$$t; \
	    $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SMOKE) -seed=1 $$opts \
	        -artifact_prefix=$(FUZZ_DIR)/crash-$$t- \
	        $(FUZZ_DIR)/smoke/$$t $(FUZZ_DIR)/seeds/$$t fuzz/regressions/$$t \
	        >$$log 2>&1 || { cat $$log; exit 1; }; tail -1 $$log; \
	done

# ---- Examples: the README's host and guest, built and run -----------------
$(BUILD)/examples/%: examples/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDLIBS)

check-examples: $(EXAMPLES)
	@set -e; for x in $(EXAMPLES); do echo "== $$x"; $$x; done

# ---- Benchmarks -----------------------------------------------------------
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDLIBS)

# bench_create times the CLI against truncate + fsync in BENCH_DIR.
BENCH_DIR ?= $(CURDIR)/$(BUILD)
bench: $(BENCHES) $(CLI)
	@set -e; for b in $(BENCHES); do echo "== $$b"; \
	    ROAM_SHM_CLI=$(CURDIR)/$(CLI) BENCH_DIR=$(BENCH_DIR) $$b; done

clean:
	rm -rf build
