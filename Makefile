# utvm top-level Makefile: thin wrappers around CMake + Ninja + CTest.
#   make build   Release build; the CLI is build/bin/utvm
#   make test    install missing deps, build, run every test through ctest
#   make demo    install missing deps, build, run the main job on the embedded default
#   make package build the Debian package (CPack DEB) into build/packages/
#   make bench   build and run the benchmarks (build/bin/utvm-bench)
#   make fuzz    build the libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make test-sanitize  the unit tests under ASan+UBSan (any report fails; .ci/run runs it)
#   make deb-check  build the .deb, apt install it in a debootstrapped Debian 12 root, run host +
#                baremetal there (root, network; not part of make test)
#   make tidy    clang-tidy (.clang-tidy) over the production sources; any finding fails
#   make format  reformat the sources with the project's .clang-format

BUILD_DIR ?= build
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
SAN_DIR ?= build-sanitize
# The unit-test binaries built and run under ASan+UBSan (not the QEMU / whole-platform suites).
SAN_TESTS ?= subprocess_test output_file_test npz_test utvm_mlf_tests options_test \
  project_api_wire_test cli_run_io_test link_frame_test link_client_test fd_stream_test \
  codegen_graph_test device_workspace_test device_link_test device_crc16_test
JOBS ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: all deps configure build test test-sanitize demo bench fuzz format clean package tidy \
  deb-check

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

configure: $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

test-sanitize: deps
	cmake -S . -B $(SAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUTVM_SANITIZE=ON \
	  -DUTVM_BUILD_BENCH=OFF
	cmake --build $(SAN_DIR) -j $(JOBS) --target $(SAN_TESTS)
	bash scripts/run-sanitized-tests.sh $(SAN_DIR)/bin $(SAN_TESTS)

package: build
	cmake --build $(BUILD_DIR) --target package

deb-check: package
	bash packaging/tests/clean_install_check.sh $(wildcard $(BUILD_DIR)/packages/utvm_*.deb)

demo: deps
	$(MAKE) build
	bash scripts/demo.sh $(BUILD_DIR)

bench: deps
	$(MAKE) build
	$(BUILD_DIR)/bin/utvm-bench

fuzz: deps
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DUTVM_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target utvm-fuzzers
	bash scripts/run-fuzzers.sh $(FUZZ_DIR)/bin $(FUZZ_SECONDS)

tidy: configure
	bash scripts/tidy.sh $(BUILD_DIR) $(JOBS)

format:
	bash scripts/format.sh fix

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) $(SAN_DIR)
