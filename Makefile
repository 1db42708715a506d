# pagewalk: one plain Makefile. `make` builds, `make test` installs what is
# missing, builds and runs every test; `make SANITIZE=address,undefined test`
# does the same with sanitizers (test builds only, never timed runs).

CC ?= gcc
PKGS := papi numa criterion
SANITIZE ?=

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow -Wformat=2 -Wpointer-arith -Wundef -Wvla -Wcast-align \
	-Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -MMD -MP -Iharness \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS := $(shell pkg-config --libs papi numa 2>/dev/null) -lm
TEST_LDLIBS := $(shell pkg-config --libs criterion 2>/dev/null) -lpfm

ifneq ($(SANITIZE),)
BUILD := build/san
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
BINDIR := $(BUILD)/bin
else
BUILD := build/opt
BINDIR := bench
endif

HARNESS_SRC := $(wildcard harness/*.c)
BENCH_SRC := $(wildcard bench/*.c)
UNIT_SRC := $(wildcard tests/test_*.c)
TIMED_SRC := $(wildcard tests/timed_*.c)

HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libpagewalk.a
BENCHES := $(BENCH_SRC:bench/%.c=$(BINDIR)/%)
UNIT_BIN := $(BUILD)/tests/unit
TIMED_BIN := $(BUILD)/tests/timed

.DELETE_ON_ERROR:
.PHONY: all test check unit timed e2e analysis memcheck fuzz fuzz-replay numa-vm clean format

all: $(BENCHES)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

# Made afresh, so a harness file that was removed or renamed leaves nothing behind.
$(LIB): $(HARNESS_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BINDIR)/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_BIN): $(UNIT_SRC:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS) $(LDLIBS)

$(TIMED_BIN): $(TIMED_SRC:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS) $(LDLIBS)

# Dependencies first (a fresh machine has none), then a sub-make so that
# pkg-config runs after they are installed.
test:
	./scripts/deps.sh
	$(MAKE) --no-print-directory check

check: unit timed e2e analysis memcheck fuzz-replay numa-vm

# The mTHP folio tests switch THP sizes machine-wide: run alone, after.
unit: $(UNIT_BIN)
	$(UNIT_BIN) --jobs=2
	PW_MTHP_LIVE=1 $(UNIT_BIN) --jobs=1 --filter 'mthp_live/*'

# Timed tests run one at a time: two at once would share the two vCPUs.
timed: $(TIMED_BIN)
	$(TIMED_BIN) --jobs=1

e2e: $(BENCHES)
	PW_BIN_DIR=$(BINDIR) ./tests/bad_input.sh
	PW_BIN_DIR=$(BINDIR) ./tests/e2e.sh
	PW_BIN_DIR=$(BINDIR) ./tests/restore_signals.sh

# NUMA placement on a real multi-node kernel: a qemu (TCG) guest with two
# nodes with CPUs and a memory-only one (skipped, with the reason, without qemu).
numa-vm: $(UNIT_BIN) $(BENCHES)
	PW_BIN_DIR=$(BINDIR) PW_UNIT_BIN=$(UNIT_BIN) ./tests/numa_vm.sh

# valgrind memcheck on a small chase and a small tlbprobe run: no invalid
# access, no use of uninitialised memory, no definite leak.
VALGRIND := valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite -q
memcheck: $(BENCHES)
	@d=$$(mktemp -d) && \
	$(VALGRIND) $(BINDIR)/chase --max 256K --backing 4k,thp --reps 3 --rep-ms 1 --no-progress --out $$d/c 2>$$d/err && \
	$(VALGRIND) $(BINDIR)/tlbprobe --quick --backing 4k,thp --max-pages 512 --max-huge-pages 16 --no-progress --out $$d/p 2>>$$d/err && \
	$(VALGRIND) $(BINDIR)/mlp --backing 4k,thp --control 64K --footprints 4M --chains 1,2,4 --reps 3 --rep-ms 1 --no-progress --out $$d/m 2>>$$d/err && \
	{ echo "memcheck: chase, tlbprobe and mlp clean"; rm -rf $$d; } || \
	{ grep -v "counters:" $$d/err | tail -n 30; rm -rf $$d; exit 1; }

# Fuzzing (libFuzzer, clang and libclang-rt-dev): `make fuzz` runs each
# harness in tests/fuzz/ for FUZZ_SECONDS from its seed corpus and keeps any
# crash in tests/fuzz/crashes/NAME/; make test replays the seeds and every
# kept crash through the same harness built without libFuzzer. The analysis
# layer (Python) has its own mutation fuzzer over the fixture runs.
FUZZERS := size series cpuid kernel
FUZZ_SECONDS ?= 600
FUZZ_DIR := build/fuzz
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(HARNESS_SRC)
	@mkdir -p $(@D)
	@command -v clang >/dev/null || { echo "make fuzz: needs clang and libFuzzer: apt-get install -y clang libclang-rt-dev" >&2; exit 4; }
	clang -std=gnu11 -g -O1 -D_GNU_SOURCE -Iharness -fsanitize=fuzzer,address,undefined $^ -o $@ $(LDLIBS)
fuzz: $(FUZZERS:%=$(FUZZ_DIR)/fuzz_%)
	for f in $(FUZZERS); do \
		mkdir -p tests/fuzz/crashes/$$f $(FUZZ_DIR)/corpus-$$f && \
		$(FUZZ_DIR)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -close_fd_mask=2 \
			-artifact_prefix=tests/fuzz/crashes/$$f/ $(FUZZ_DIR)/corpus-$$f tests/fuzz/corpus/$$f || exit 1; \
	done
	python3 tests/fuzz/fuzz_analysis.py run $(FUZZ_SECONDS)
$(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
fuzz-replay: $(FUZZERS:%=$(BUILD)/fuzz/replay_%)
	@for f in $(FUZZERS); do \
		printf 'fuzz %s: ' $$f; \
		$(BUILD)/fuzz/replay_$$f $$(find tests/fuzz/corpus/$$f tests/fuzz/crashes/$$f -type f 2>/dev/null) \
			2>$(BUILD)/fuzz/replay_$$f.err || { tail -n 5 $(BUILD)/fuzz/replay_$$f.err; exit 1; }; \
	done
	@printf 'fuzz analysis: '; python3 tests/fuzz/fuzz_analysis.py replay $$(find tests/fuzz/crashes/analysis -type f 2>/dev/null)

# The post-processing tools (analysis/, ./pagewalk) on fixture runs.
analysis: $(BENCHES)
	python3 -W error::ResourceWarning -m unittest tests/test_analysis.py

format:
	clang-format -i harness/*.[ch] bench/*.c tests/*.c

clean:
	rm -rf build $(BENCH_SRC:%.c=%)

-include $(shell find build -name '*.d' 2>/dev/null)
