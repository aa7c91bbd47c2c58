MAKEFLAGS += --no-print-directory
# lnob - thin wrapper over CMake. The two commands of the README:
#   make demo   installs what is missing, builds, runs the demo pipeline
#   make test   installs what is missing, builds, runs every test (also under ASan+UBSan)
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS    := csv silc wire udb4 mis cut
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build build-asan build-fuzz demo demo-stop test test-plain test-asan test-fuzz fuzz soak bench clean

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

test: test-plain test-asan test-fuzz

test-plain: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: build-asan
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

build-fuzz: deps
	@cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang -DLNOB_FUZZ=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_FUZZ) -j$(JOBS)

# Every fuzz target over its committed corpus, then 10 s of new inputs each.
test-fuzz: build-fuzz
	@pass=0; fail=0; for f in $(FUZZERS); do \
	  mkdir -p $(BUILD_FUZZ)/corpus/$$f; \
	  if $(BUILD_FUZZ)/fuzz/fuzz_$$f -max_total_time=10 -max_len=4096 -seed=1 \
	       -artifact_prefix=$(BUILD_FUZZ)/crash-$$f- $(BUILD_FUZZ)/corpus/$$f tests/fuzz/corpus/$$f \
	       > $(BUILD_FUZZ)/fuzz_$$f.log 2>&1; then \
	    pass=$$((pass + 1)); echo "fuzz_$$f: ok ($$(tail -1 $(BUILD_FUZZ)/fuzz_$$f.log))"; \
	  else fail=$$((fail + 1)); echo "fuzz_$$f: FAILED, see $(BUILD_FUZZ)/fuzz_$$f.log"; tail -30 $(BUILD_FUZZ)/fuzz_$$f.log; fi; \
	done; echo "fuzz: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# Longer fuzzing: FUZZ_SECONDS per target; new inputs go to tests/fuzz/corpus-out/.
fuzz: build-fuzz
	@for f in $(FUZZERS); do mkdir -p tests/fuzz/corpus-out/$$f; \
	  $(BUILD_FUZZ)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=tests/fuzz/corpus-out/crash-$$f- tests/fuzz/corpus-out/$$f tests/fuzz/corpus/$$f \
	    || exit 1; done

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
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
