MAKEFLAGS += --no-print-directory
# lnob - thin wrapper over CMake. The two commands of the README:
#   make demo   installs what is missing, builds, runs the demo pipeline
#   make test   installs what is missing, builds, runs every test (also under ASan+UBSan)
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build build-asan demo demo-stop test test-plain test-asan soak bench clean

all: build

deps:
	@deploy/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLNOB_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DLNOB_SANITIZE=ON -DLNOB_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j$(JOBS)

demo: build
	@deploy/demo.sh $(BUILD)

demo-stop:
	@deploy/demo.sh $(BUILD) stop

test: test-plain test-asan

test-plain: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: build-asan
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# Longer than make test: 50 kill trials per worker kind, and the integration
# tests with every lnob worker under valgrind (any error or definite leak
# makes the worker exit 99, which fails its run). The test that compares with
# an in-process computation is left out there: valgrind computes long double
# in 64 bits, so its Gini differs from a native run's in the last digits.
soak: build
	@cd $(BUILD) && LNOB_FAULT_TRIALS=50 ./tests/faults_test
	@cd $(BUILD) && LNOB_WORKER_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99" \
	  ./tests/pipeline_test --filter 'pipeline/!(redis_holds*)' && \
	  LNOB_WORKER_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99" \
	  ./tests/quarantine_test

bench: build
	@deploy/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
