# The two entry points (see README.md):
#   make serve   install what is missing, build, run the server on ./vitrine-data (127.0.0.1:8080)
#   make test    install what is missing, build, run every test (plain and ASan+UBSan builds,
#                then the fuzz targets for 17 s each: see docs/fuzzing.md)
# Extras: make build, make bench (HTTP), make bench-all, make test-fast (plain build only), make clean.

JOBS    ?= $(shell nproc)
DATA    ?= ./vitrine-data
LISTEN  ?= 127.0.0.1:8080
RELEASE := build/release
# ccache keys on paths relative to the checkout, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR := $(CURDIR)
# Debug builds (ASan, fuzz) embed the build folder in their line tables, and ccache would then
# miss for every other checkout: share them (only debuggers' relative paths are affected).
export CCACHE_NOHASHDIR := 1
ASAN    := build/asan
# clang + libFuzzer: only the fuzz targets and the libraries they call (docs/fuzzing.md).
FUZZ    := build/fuzz
FUZZ_SECONDS ?= 17

.PHONY: serve test test-fast test-asan test-fuzz build deps bench bench-all clean

deps:
	@bash tools/setup-debian.sh

$(RELEASE)/build.ninja:
	cmake -S . -B $(RELEASE) -G Ninja -DCMAKE_BUILD_TYPE=Release

$(ASAN)/build.ninja:
	cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVITRINE_SANITIZE=ON -DVITRINE_BUILD_BENCH=OFF

$(FUZZ)/build.ninja:
	cmake -S . -B $(FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
		-DVITRINE_FUZZ=ON -DVITRINE_BUILD_TESTS=OFF -DVITRINE_BUILD_BENCH=OFF

build: deps $(RELEASE)/build.ninja
	ninja -C $(RELEASE) -j $(JOBS)
	bash tools/build-web.sh

serve: build
	$(RELEASE)/bin/vitrine serve --data $(DATA) --listen $(LISTEN)

test-fast: build
	cd $(RELEASE) && ctest --output-on-failure -j $(JOBS)

test-asan: deps $(ASAN)/build.ninja
	ninja -C $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --output-on-failure -j $(JOBS)

# Fails if any target crashes, leaks, hangs or trips a sanitizer; the input is kept in $(FUZZ)/artifacts.
test-fuzz: deps $(FUZZ)/build.ninja
	ninja -C $(FUZZ) -j $(JOBS) fuzzers
	FUZZ_BUILD=$(FUZZ) bash tools/fuzz.sh $(FUZZ_SECONDS)

test: test-fast test-asan test-fuzz

bench: build
	bash bench/http_bench.sh

bench-all: build
	bash bench/http_bench.sh && bash bench/ingest_bench.sh && bash bench/thumbnail_bench.sh && \
	  bash bench/annotation_bench.sh && bash bench/memory_bench.sh

clean:
	rm -rf build
