#!/usr/bin/env bash
# tests/prove.bash [--starters exercise|all] [--no-solutions] LESSON...
# [FILE.bats...] - the toolkit's proof of itself (`make test`):
#
#   1. each untouched starter (lessons/NN-slug) fails at least one test
#      of its lesson tagged `exercise`: the tests can tell an unsolved
#      exercise from a solved one.  With --starters all (`make
#      test-starters`, and CI), it must also pass every other test of its
#      lesson: only the exercise is left to do;
#   2. every lesson's tests, and the extra test FILEs (tests of the tools),
#      pass against solutions/, ending with a summary in bats' words
#      (not with --no-solutions).
#
# Every bats run of both parts goes side by side, PROVE_JOBS at a time
# (the number of CPUs + 1: a test waiting on the network leaves its CPU
# to another), as TAP into build/prove/ (kept for a look, and read by
# tests/gates/soak.bash); the results are printed once all are in.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
bats=tests/bats.bash
# Our TAP goes to a folder of our own while we run, and becomes
# build/prove at the end: two proofs at once (two people in one tree)
# must not mix their files.
logs=build/prove.$$
trap 'rm -rf "build/prove.$$"' EXIT
problems=0
lessons=() files=()
starters=exercise solutions=1
while (($# > 0)); do
	case $1 in
	--starters) starters=${2:-} && shift 2 ;;
	--no-solutions) solutions=0 && shift ;;
	*) break ;;
	esac
done
[[ $starters == exercise || $starters == all ]] || {
	echo "tests/prove.bash: --starters takes exercise or all" >&2
	exit 2
}
for arg in "$@"; do
	case $arg in
	*.bats) files+=("$arg") ;;
	*) lessons+=("$arg") files+=("tests/$arg.bats") ;;
	esac
done

# Make sure bats is set up before anything runs in parallel.
"$bats" --version >/dev/null || exit 1
rm -rf "$logs" && mkdir -p "$logs"

# The runs, "NAME LAB FILTER FILE": a whole file on the solution, and
# each starter's two halves.  Each writes $logs/NAME.tap.  They start
# the longest first, as the last proof took (build/prove.times; a new
# run counts as long), so that no long run starts last.
runs=()
for file in "${files[@]}"; do
	name=${file##*/}
	((solutions)) && runs+=("solution.${name%.bats} solutions - $file")
done
for lesson in "${lessons[@]}"; do
	[[ $starters == exercise ]] ||
		runs+=("$lesson.other lessons !exercise tests/$lesson.bats")
	runs+=("$lesson.exercise lessons exercise tests/$lesson.bats")
done
declare -A took=()
if [[ -r build/prove.times ]]; then
	while read -r name ms; do
		took[$name]=$ms
	done <build/prove.times
fi
mapfile -t runs < <(for run in "${runs[@]}"; do
	printf '%s %s\n' "${took[${run%% *}]:-999999}" "$run"
done | sort -s -k1,1nr | cut -d' ' -f2-)

run_one() {
	local name=$1 lab=$2 filter=$3 file=$4 args=(--tap --timing)
	local began=$EPOCHREALTIME
	[[ $filter == - ]] || args+=(--filter-tags "$filter")
	LAB=$lab "$bats" "${args[@]}" "$file" >"$logs/$name.tap" 2>&1
	echo "$name $(((${EPOCHREALTIME/./} - ${began/./}) / 1000))" \
		>>"$logs/times"
}

max=${PROVE_JOBS:-$(($(nproc) + 1))}
running=0
for run in "${runs[@]}"; do
	# shellcheck disable=SC2086 # four words
	run_one $run &
	if ((++running >= max)); then
		wait -n
		running=$((running - 1))
	fi
done
wait
cp "$logs/times" build/prove.times 2>/dev/null
rm -rf build/prove && mv "$logs" build/prove && logs=build/prove

count() { grep -c -E "^$1 [0-9]+ " "$2"; }

echo "Starters (lessons/), untouched:"
for lesson in "${lessons[@]}"; do
	other=$logs/$lesson.other.tap
	exercise=$logs/$lesson.exercise.tap
	passes=
	# No plan line ("1..N") means bats itself could not run the file.
	if [[ $starters == all ]]; then
		if (($(count 'not ok' "$other") > 0)) ||
			! grep -q '^1\.\.' "$other"; then
			echo "  FAIL $lesson: the starter fails tests that are not exercises:"
			grep -E '^not ok|^#' "$other" | head -20 | sed 's/^/    /'
			problems=$((problems + 1))
			continue
		fi
		passes="passes its $(count ok "$other") other tests; "
	fi
	total=$(($(count ok "$exercise") + $(count 'not ok' "$exercise")))
	caught=$(count 'not ok' "$exercise")
	if ! grep -q '^1\.\.' "$exercise"; then
		echo "  FAIL $lesson: bats could not run its exercise tests:"
		head -20 "$exercise" | sed 's/^/    /'
		problems=$((problems + 1))
	elif ((total == 0)); then
		echo "  FAIL $lesson: no test is tagged exercise"
		problems=$((problems + 1))
	elif ((caught == 0)); then
		echo "  FAIL $lesson: the starter passes all $total exercise tests:" \
			"they cannot tell it from a solution"
		problems=$((problems + 1))
	else
		echo "  ok   $lesson: ${passes}caught by $caught of $total" \
			"exercise tests"
	fi
done
[[ $starters == all ]] ||
	echo "  (that each passes its other tests: make test-starters)"
echo

# One file's TAP as a list: a mark and the test's name a line, and under
# a failure bats' account of it.
tests=0 failures=0 skipped=0
show() {
	local line name why failing=0
	while IFS= read -r line; do
		if [[ $line =~ ^(not )?ok\ [0-9]+\ (.*)$ ]]; then
			name=${BASH_REMATCH[2]} why= failing=0
			tests=$((tests + 1))
			if [[ $name =~ ^(.*)\ \#\ skip\ ?(.*)$ ]]; then
				name=${BASH_REMATCH[1]} why=${BASH_REMATCH[2]:-no reason}
			fi
			[[ $name =~ ^(.*)\ in\ [0-9]+ms$ ]] && name=${BASH_REMATCH[1]}
			if [[ $line == "not ok"* ]]; then
				failures=$((failures + 1)) failing=1
				echo "   ✗ $name"
			elif [[ -n $why ]]; then
				skipped=$((skipped + 1))
				echo "   - $name (skipped: $why)"
			else
				echo "   ✓ $name"
			fi
		elif ((failing)) && [[ $line == "#"* ]]; then
			echo "     ${line#"# "}"
		fi
	done <"$1"
}

((solutions)) && echo "Solutions (solutions/), every test:"
for file in "${files[@]}"; do
	((solutions)) || break
	name=${file##*/}
	tap=$logs/solution.${name%.bats}.tap
	echo " $file"
	if ! grep -q '^1\.\.' "$tap"; then
		echo "   ✗ bats could not run it:"
		sed 's/^/     /' "$tap" | head -20
		failures=$((failures + 1))
		continue
	fi
	show "$tap"
done
if ((solutions)); then
	echo
	summary="$tests tests, $failures failures"
	((skipped == 0)) || summary+=", $skipped skipped"
	echo "$summary"
	((failures == 0)) || problems=$((problems + 1))
fi

if ((problems > 0)); then
	what="make test"
	((solutions)) || what="make test-starters"
	echo "$what: FAILED ($problems problem(s) above)" >&2
	exit 1
fi
