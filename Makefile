# The README's two commands. Both install what is missing (Debian packages), then build.
#   make run   -> dsdn-coordinator serve on the embedded DA (./data)
#   make test  -> the whole test suite (unit, actor, system, sanitizers, fuzz smoke, benchmarks --quick)

JOBS ?= $(shell nproc)
SERVE_ARGS ?=

.PHONY: run test deps build bench format clean

deps:
	scripts/install-deps.sh

build: deps
	cmake --preset default
	cmake --build --preset default -j $(JOBS)

run: build
	./build/default/dsdn-coordinator serve $(SERVE_ARGS)

test: deps
	scripts/run-tests.sh

bench: build
	scripts/run-benchmarks.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
