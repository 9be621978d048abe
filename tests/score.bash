#!/usr/bin/env bash
# tests/score.bash LESSON... - run each lesson's tests against the tree
# chosen by LAB/LAB_BIN (see tests/helper.bash), list what failed, and
# end with a per-lesson score table.  Exit 0 only if every test passed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
bats=tests/bats.bash
out=build/check
mkdir -p "$out"
rows=() all_passed=0 all_total=0

for lesson in "$@"; do
	tap=$out/$lesson.tap
	"$bats" --tap "tests/$lesson.bats" >"$tap" 2>&1
	passed=$(grep -c -E '^ok [0-9]+ ' "$tap")
	failed=$(grep -c -E '^not ok [0-9]+ ' "$tap")
	if ! grep -q '^1\.\.' "$tap"; then
		echo "$lesson: the tests could not run:"
		sed 's/^/    /' "$tap" | head -20
	elif ((failed > 0)); then
		echo "$lesson: failed:"
		grep -E '^not ok [0-9]+ ' "$tap" | sed 's/^not ok [0-9]* /    /'
	fi
	rows+=("$(printf '%-20s %3d / %-3d %s' "$lesson" "$passed" \
		$((passed + failed)) "$( ((failed == 0 && passed > 0)) &&
			echo done || echo "make check-${lesson%%-*} for details")")")
	all_passed=$((all_passed + passed))
	all_total=$((all_total + passed + failed))
done

echo
printf '%-20s %s\n' lesson "passed / tests"
printf '%s\n' "${rows[@]}"
printf '%-20s %3d / %-3d\n' total "$all_passed" "$all_total"
((all_passed == all_total && all_total > 0))
