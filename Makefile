# The front door. `make run` sets up, builds and runs the main job; `make test` sets up, builds and runs every
# test. Everything else is CMake; see README.md.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# clang by default: it also builds the libFuzzer targets that the test suite runs. FISHTTS_CXX=g++ works too.
FISHTTS_CXX ?= $(shell command -v clang++ >/dev/null 2>&1 && echo clang++ || echo g++)
FISHTTS_CC ?= $(if $(findstring clang,$(FISHTTS_CXX)),clang,gcc)
CMAKE_FLAGS ?=
ARGS ?= say "Hello from fishtts, running on your CPU." -o fishtts-demo.wav

SETUP_STAMP := third_party/.setup-done

.PHONY: run test bench build setup configure clean

run: build
	./$(BUILD_DIR)/tools/fishtts/fishtts $(ARGS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The benchmark suite with its defaults: bench/results/<date>-<cpu>.json and docs/BENCHMARKS.md (takes a while).
bench: build
	./$(BUILD_DIR)/tools/fishtts/fishtts bench $(BENCH_ARGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

configure: $(BUILD_DIR)/CMakeCache.txt

$(BUILD_DIR)/CMakeCache.txt: $(SETUP_STAMP)
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_C_COMPILER=$(FISHTTS_CC) -DCMAKE_CXX_COMPILER=$(FISHTTS_CXX) $(CMAKE_FLAGS)

setup: $(SETUP_STAMP)

$(SETUP_STAMP): scripts/setup.sh
	bash scripts/setup.sh
	@touch $@

clean:
	rm -rf $(BUILD_DIR)
