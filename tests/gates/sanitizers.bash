#!/usr/bin/env bash
# tests/gates/sanitizers.bash CMD... - run CMD (the suite, under
# `make test SANITIZE=1`) and fail if any sanitizer reported anything,
# even where every test passed.
#
# Why the reports are the verdict and not the tests: a test that expects
# a program to fail (exit 1) or kills a server at teardown cannot tell a
# sanitizer's abort from what it expected, and a test that compares
# stderr would only see a report by luck.  So the Makefile (SANITIZE=1)
# exports ASAN_OPTIONS and UBSAN_OPTIONS that make every sanitized
# program stop at its first report (halt_on_error, abort_on_error: a
# SIGABRT, never a plain exit 1) and write the report to a file under
# LAB_SAN_LOGS (log_path), whatever the test did with its stderr.  Here
# we start with an empty folder of this run's own under it and look
# into it at the end.
set -uo pipefail

base=${LAB_SAN_LOGS:?"LAB_SAN_LOGS is not set: run this through make SANITIZE=1"}
# A folder of this run's own: two runs at once (two people in one tree)
# must not clear or read each other's reports.
dir=$base/run.$$
export ASAN_OPTIONS=${ASAN_OPTIONS//"$base"/"$dir"}
export UBSAN_OPTIONS=${UBSAN_OPTIONS//"$base"/"$dir"}
export LAB_SAN_LOGS=$dir
mkdir -p "$dir" || exit 1
# Tests run some programs as user nobody: they must be able to report.
chmod 1777 "$base" "$dir"

"$@"
status=$?

shopt -s nullglob
reports=("$dir"/*)
if ((${#reports[@]} > 0)); then
	{
		echo
		echo "sanitizers: FAILED: ${#reports[@]} report(s) in $dir:"
		for report in "${reports[@]}"; do
			echo "--- $report"
			head -30 "$report"
		done
	} >&2
	exit 1
fi
rmdir "$dir"
((status == 0)) &&
	echo "sanitizers: no report (AddressSanitizer, LeakSanitizer," \
		"UndefinedBehaviorSanitizer)"
exit "$status"
