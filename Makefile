# Thin wrapper over CMake. `make demo` and `make test` install what is missing
# (as root or with sudo), configure, build, and run.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

PREFIX     ?= /usr/local

.PHONY: all deps build install demo test test-asan fuzz bench lab-correlate clean

all: build

PKG_SET ?= all
deps:
	@sh scripts/deps.sh $(PKG_SET)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The programs, man pages and completion under $(PREFIX) (default
# /usr/local), staged under $(DESTDIR) when set (packaging).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Only what building needs: the demo runs no test daemon.
demo: PKG_SET = build
demo: deps build
	$(BUILD)/bin/fdecode captures/wg-tunnel.pcap
	$(BUILD)/bin/fdecode --summary captures/wg-tunnel.pcap

test: deps build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DFSC_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

# Every libFuzzer target for FUZZ_SECONDS each (clang, ASan, UBSan); fails on
# any finding, leaving the input under $(BUILD_FUZZ)/fuzz-crashes/.
fuzz: deps
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DFSC_SANITIZE=ON -DFSC_FUZZ=ON -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	sh scripts/fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# fdecode against a bare read loop, tcpdump and tshark on a generated capture
# (Release build in build-bench; BENCH_PACKETS, BENCH_RUNS; a few minutes).
# Prints the table and rewrites doc/bench.md. BENCH_BASE=COMMIT adds the
# instructions each mode costs against COMMIT (scripts/bench_ir.sh,
# valgrind; doc/bench-ir.md). Then, as root, TCP throughput
# through our WireGuard engine against wireguard-go (scripts/bench_wg.sh,
# doc/bench-wg.md; BENCH_WG_SECONDS, BENCH_WG_ROUNDS). Not part of `test`.
bench: deps
	sh scripts/bench.sh
	bash scripts/bench_wg.sh

# fdecode --correlate against the reference pair's logs at 1000+ requests
# from 50 client addresses (root; a few minutes; CI runs a small version);
# LAB_OUT=DIR keeps the captures, logs and stories there.
lab-correlate: build
	sh scripts/lab-correlate.sh $(LAB_OUT)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
