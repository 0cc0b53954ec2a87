#!/bin/sh
# Install the packages, build with -Werror, and run the whole test suite
# twice: a normal build, then AddressSanitizer + UndefinedBehaviorSanitizer.
# This is what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
[ "${CV_SKIP_DEPS:-0}" = 1 ] || sh scripts/deps.sh
jobs=$(nproc)
cmake -S . -B build -DENABLE_WERROR=ON -DBUILD_TESTS=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
if [ "${CV_SKIP_SANITIZERS:-0}" != 1 ]; then
	cmake -S . -B build-asan -DENABLE_WERROR=ON -DBUILD_TESTS=ON -DENABLE_SANITIZERS=ON \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j"$jobs"
	# layers and functions read the sources (and the objects' calls, the
	# same but for ASan's own): the normal run has checked them already.
	(cd build-asan && \
		ctest --output-on-failure -j"$jobs" -E '^(layers|functions)$')
fi
echo "all tests passed"
