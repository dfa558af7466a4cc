# roam-shm: schema -> generated header and doc -> library, CLI and tests.
#
#   make                 regenerate if the schema changed, build library + CLI
#   make check           every test: generated/ up to date, generator tests,
#                        gcc and clang builds, Check tests, the same tests
#                        under ASan+UBSan, threaded tests under TSan
#   make check-sanitize  only the sanitizer runs
#   make regen           regenerate generated/ and README.md's generated
#                        blocks unconditionally (unchanged files stay untouched)
#   make bench           benchmarks (ratios against an in-run baseline);
#                        make bench-gen only the generator's
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
CODEGEN   := $(wildcard codegen/*.py codegen/*.json codegen/*.txt \
                        codegen/roam_codegen/*.py codegen/templates/*.j2)
GENERATED := generated/roam_shm_layout.h generated/docs/roam_shm_layout.md
# The library's own headers: the generator rejects a schema whose C names
# collide with theirs. README.md holds blocks the generator writes.
LIB_HEADERS := $(wildcard src/*.h src/cli/*.h)
# Python keeps the generator's compiled modules under build/ (even where the
# environment says not to write them next to the sources): every run of the
# generator would otherwise compile them anew.
PYRUN = PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/build/pycache $(PYTHON)
GEN = $(PYRUN) codegen/gen.py --schema schema --out generated --readme README.md \
      --headers 'src/*.h' 'src/cli/*.h' --cache build/codegen-cache

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

.PHONY: all regen gen-check check check-unit check-gen check-clang \
        check-examples check-sanitize bench bench-gen clean deps
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
# The generator writes only the files whose bytes change, so an output keeps
# its mtime when the schema change did not reach it; the stamp records that
# the generator ran, and keeps make from running it again.
build/gen.stamp: $(SCHEMA) $(CODEGEN) $(LIB_HEADERS) README.md | build/deps.mk
	$(GEN) && touch $@

$(GENERATED): build/gen.stamp

regen: build/deps.mk
	$(GEN) && touch build/gen.stamp

gen-check: build/deps.mk
	$(GEN) --check

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
	    $< $(UTIL_OBJ) $(LIB) -o $@ $(CHECK_LIBS) $(LDLIBS)

# Run every Check test binary of this build (CK_FORK keeps a crash in one
# test from hiding the others).
RUN_TESTS ?= $(TESTS)
check-unit: $(RUN_TESTS) $(CLI)
	@set -e; for t in $(RUN_TESTS); do \
	    echo "== $$t"; ROAM_SHM_CLI=$(CURDIR)/$(CLI) ROAM_TEST_FIXTURES=$(CURDIR)/tests/fixtures $$t; \
	done

check-gen: build/deps.mk
	$(PYRUN) -m unittest discover -s codegen/tests -t codegen

# Every source must also compile warning-free with clang.
check-clang: $(GENERATED) | build/deps.mk
	@if command -v clang >/dev/null 2>&1; then \
	    echo "clang -fsyntax-only (warnings are errors)"; \
	    for f in $(LIB_SRC) $(CLI_SRC) $(EXAMPLE_SRC) $(BENCH_SRC) $(TEST_SRC) $(TEST_UTIL); do \
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

check-sanitize: build/deps.mk
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=asan CFLAGS="-O1 -g" check-unit
	@if [ -n "$(TSAN_TESTS)" ]; then \
	    $(MAKE) --no-print-directory BUILD=build/tsan SAN=tsan CFLAGS="-O1 -g" \
	        RUN_TESTS="$(patsubst $(BUILD)/%,build/tsan/%,$(TSAN_TESTS))" check-unit; \
	fi

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

bench: $(BENCHES) bench-gen
	@set -e; for b in $(BENCHES); do echo "== $$b"; $$b; done

# The generator's speed: make regen against importing jinja2 and yaml.
bench-gen: build/deps.mk
	@echo "== bench/gen_speed.py"
	@$(PYTHON) bench/gen_speed.py 20

clean:
	rm -rf build
