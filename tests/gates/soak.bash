#!/usr/bin/env bash
# tests/gates/soak.bash N [PROVE-OPTION...] LESSON... [FILE.bats...] - `make
# soak N=20`: the whole of `make test`, `make test-starters` and `make
# test-grader` (tests/prove.bash) N times in a row, to catch the tests
# that fail only now and then (a race, a port, a timeout).
#
# After each run it reads the TAP that prove.bash leaves in build/prove/
# and names every failure: a solution test that failed, an untagged test
# the starter failed, or a starter that passed all its exercise tests.
# A failing run's output and TAP are kept in build/soak/run-K/.  At the
# end: how often each test failed, and the exit status says if any did.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 1
n=${1:?usage: tests/gates/soak.bash N [PROVE-OPTION...] LESSON... [FILE.bats...]}
shift
[[ $n =~ ^[1-9][0-9]*$ ]] || {
	echo "soak: N must be a whole number above 0, not '$n'" >&2
	exit 2
}
out=build/soak
rm -rf "$out" && mkdir -p "$out"
declare -A times_failed=()
failed_runs=0

# The failures of the run whose TAP is in build/prove, one a line.
failures() {
	local tap name
	for tap in build/prove/*.tap; do
		name=${tap##*/}
		name=${name%.tap}
		if ! grep -q '^1\.\.' "$tap"; then
			echo "$name: bats could not run the file"
			continue
		fi
		case $name in
		*.exercise)
			grep -q '^not ok ' "$tap" ||
				echo "${name%.exercise} starter: passed every exercise test"
			;;
		*)
			# "not ok 3 name in 12ms" -> "solution.01-ports: name"
			sed -n -E '/^not ok /{s/^not ok [0-9]+ //; s/ in [0-9]+ms$//; p}' \
				"$tap" | sed "s/^/$name: /"
			;;
		esac
	done
}

start=$SECONDS
for ((run = 1; run <= n; run++)); do
	began=$EPOCHREALTIME
	tests/prove.bash "$@" >"$out/last.log" 2>&1
	status=$?
	ms=$(( (${EPOCHREALTIME/./} - ${began/./}) / 1000 ))
	mapfile -t found < <(failures)
	if ((status != 0 && ${#found[@]} == 0)); then
		found=("make test failed (exit $status), no test named:"
			"see $out/run-$run/output.log")
		found=("${found[*]}")
	fi
	if ((${#found[@]} == 0)); then
		printf 'soak %d/%d: ok (%d.%d s)\n' "$run" "$n" \
			$((ms / 1000)) $((ms % 1000 / 100))
		continue
	fi
	failed_runs=$((failed_runs + 1))
	mkdir -p "$out/run-$run"
	cp "$out/last.log" "$out/run-$run/output.log"
	cp build/prove/*.tap "$out/run-$run/" 2>/dev/null
	printf 'soak %d/%d: FAILED (%d.%d s):\n' "$run" "$n" \
		$((ms / 1000)) $((ms % 1000 / 100))
	for failure in "${found[@]}"; do
		echo "    $failure"
		times_failed[$failure]=$((${times_failed[$failure]:-0} + 1))
	done
done
rm -f "$out/last.log"

echo
echo "soak: $n runs in $((SECONDS - start)) s, $failed_runs failed"
if ((failed_runs > 0)); then
	echo "times failed  test"
	for failure in "${!times_failed[@]}"; do
		printf '%12d  %s\n' "${times_failed[$failure]}" "$failure"
	done | sort -rn
	echo "(the failing runs' output and TAP are in $out/run-K/)"
	exit 1
fi
