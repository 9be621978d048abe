#!/usr/bin/env bash
# tests/prove.bash LESSON... [FILE.bats...] - the toolkit's proof of
# itself (`make test`):
#
#   1. each untouched starter (lessons/NN-slug) passes every untagged test
#      of its lesson and fails at least one test tagged `exercise`:
#      the tests can tell an unsolved exercise from a solved one;
#   2. every lesson's tests, and the extra test FILEs (tests of the tools),
#      pass against solutions/, ending with bats' own summary.
#
# The starters are checked side by side (one bats per lesson in the
# background); their outputs are kept in build/prove/ for a look.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
bats=tests/bats.bash
logs=build/prove
problems=0
lessons=() files=()
for arg in "$@"; do
	case $arg in
	*.bats) files+=("$arg") ;;
	*) lessons+=("$arg") files+=("tests/$arg.bats") ;;
	esac
done

# Make sure bats is set up before anything runs in parallel.
"$bats" --version >/dev/null || exit 1
rm -rf "$logs" && mkdir -p "$logs"

for lesson in "${lessons[@]}"; do
	LAB=lessons "$bats" --tap --filter-tags '!exercise' \
		"tests/$lesson.bats" >"$logs/$lesson.other.tap" 2>&1 &
	LAB=lessons "$bats" --tap --filter-tags exercise \
		"tests/$lesson.bats" >"$logs/$lesson.exercise.tap" 2>&1 &
done
wait

count() { grep -c -E "^$1 [0-9]+ " "$2"; }

echo "Starters (lessons/), untouched:"
for lesson in "${lessons[@]}"; do
	other=$logs/$lesson.other.tap
	exercise=$logs/$lesson.exercise.tap
	# No plan line ("1..N") means bats itself could not run the file.
	if (($(count 'not ok' "$other") > 0)) || ! grep -q '^1\.\.' "$other"; then
		echo "  FAIL $lesson: the starter fails tests that are not exercises:"
		grep -E '^not ok|^#' "$other" | head -20 | sed 's/^/    /'
		problems=$((problems + 1))
		continue
	fi
	total=$(($(count ok "$exercise") + $(count 'not ok' "$exercise")))
	caught=$(count 'not ok' "$exercise")
	if ((total == 0)); then
		echo "  FAIL $lesson: no test is tagged exercise"
		problems=$((problems + 1))
	elif ((caught == 0)); then
		echo "  FAIL $lesson: the starter passes all $total exercise tests:" \
			"they cannot tell it from a solution"
		problems=$((problems + 1))
	else
		echo "  ok   $lesson: passes its $(count ok "$other") other tests;" \
			"caught by $caught of $total exercise tests"
	fi
done
echo

echo "Solutions (solutions/), every test:"
LAB=solutions "$bats" --pretty "${files[@]}" || problems=$((problems + 1))

if ((problems > 0)); then
	echo "make test: FAILED ($problems problem(s) above)" >&2
	exit 1
fi
