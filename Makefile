MAKEFLAGS += --no-print-directory
# lnob - thin wrapper over CMake. The two commands of the README:
#   make demo   installs what is missing, builds, runs the demo pipeline
#   make test   installs what is missing, builds, runs every test (also under ASan+UBSan)
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build build-asan demo demo-stop test test-plain test-asan bench clean

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

bench: build
	@deploy/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
