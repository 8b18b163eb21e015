# Thin wrapper over CMake. The two commands of the README: `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
MAKEFLAGS  += --no-print-directory
DATA_DIR   ?= ./data
ATTESTD_ARGS ?=
# `make run` is ready to attest real hardware: collateral an attestation needs and the
# configuration lacks is fetched (verified, then cached in the data directory) from Intel
# PCS for SGX/TDX and from AMD KDS for SEV-SNP. RUN_FETCH= turns that off.
RUN_FETCH  ?= --pcs-url https://api.trustedservices.intel.com --kds-url https://kdsintf.amd.com

.PHONY: all deps deps-test build run test unit integration sanitize fuzz-smoke lint bench clean

all: build

deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/attestd --data-dir $(DATA_DIR) $(RUN_FETCH) $(ATTESTD_ARGS)

# The whole suite: lint, unit + integration tests, the same unit tests under ASan+UBSan,
# and a short run of every fuzz target.
test: deps-test
	@scripts/check-style.sh
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATT_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DATT_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@scripts/fuzz-smoke.sh $(FUZZ_BUILD)/bin 10
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang -DATT_SANITIZE=ON -DATT_TESTS=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -L unit
	@cd $(BUILD) && ctest --output-on-failure

sanitize: deps-test
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang -DATT_SANITIZE=ON -DATT_TESTS=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -L unit

lint:
	@scripts/check-style.sh

bench: build
	@bench/run.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
