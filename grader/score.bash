#!/usr/bin/env bash
# grader/score.bash [OPTION...] LESSON... - run each lesson's tests against
# a tree of built programs, on a leash (grader/leash.bash), and score them:
# what failed and why, a per-lesson score table, and the reports.
# `make check` runs it on the student's own tree; grader/grade.bash on a
# submission it has built.
#
#   --out DIR      the reports (default build/check):
#                    results.json  Gradescope's format
#                    junit.xml     JUnit, for CI systems and test viewers
#                    report.txt    what was printed: failures and table
#                    scores.tsv    lesson, score, max, passed, failed,
#                                  skipped, result (for grader/grade-all.bash)
#                    tests.tsv     lesson, number, status, score, max, ms,
#                                  why, name: one line a test
#                    tap/NN-slug.tap, .stderr   bats' raw output
#   --builds DIR   DIR/NN-slug.failed: the lesson did not compile (its
#                  DIR/NN-slug.log holds the compiler's messages);
#                  DIR/NN-slug.missing: the submission lacks the lesson
#   --name NAME    the submission's name in the reports
#   --filter RE    only the tests whose name matches RE (bats --filter)
#   --tags LIST    only the tests with these tags (bats --filter-tags:
#                  "exercise", "!exercise", "a,!b" is a and not b)
#   --hints        tell a student which `make check-NN` shows the details
#   --quiet        print only the table
#
# The tree under test is LAB_BIN, or LAB (see tests/helper.bash).
# Points: a test is worth 1 point, or N with a tag on the line above it:
#       # bats test_tags=points:3
# (`# bats file_tags=points:N` sets it for the tests below it in the file).
# A test that cannot run on this machine is not graded: a skipped test
# tagged `exercise` (whatever its reason), or any test skipped as "not
# graded on this machine: WHY" (tests/helper.bash: cannot_run).  It is
# left out of the score and of the maximum, listed at the top of the
# report with its reason, and makes the exit status 1, as a failure
# would (STRICT=1): it is never a pass.  Any other skip, of a test that is
# not an exercise, gives its points: such a test checks what the student
# is not asked to change (the untouched starter passes it: make
# test-starters), and it keeps the maximum the same on every machine.
# Limits, in seconds: LAB_TIMEOUT for each program run (10),
# LAB_SERVER_TIMEOUT for a server (30), BATS_TEST_TIMEOUT for a whole test
# (30).  Exit status: 0 if every test passed, 1 if not, 2 usage error.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=grader/leash.bash
source grader/leash.bash
LAB_OUT=${LAB_OUT:-$root/build}
escape=$LAB_OUT/grader/escape
OUTPUT_MAX=${OUTPUT_MAX:-65536}	# bytes of a test's output kept in reports
# What a test that could not run here says (tests/helper.bash: cannot_run).
NOT_GRADED="not graded on this machine"
export LAB_TIMEOUT=${LAB_TIMEOUT:-10}
export LAB_SERVER_TIMEOUT=${LAB_SERVER_TIMEOUT:-30}
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-30}

out=build/check builds= name=$(basename "$root") filter= tags= hints=0 quiet=0
usage() {
	echo "usage: grader/score.bash [--out DIR] [--builds DIR]" \
		"[--name NAME] [--filter RE] [--tags LIST] [--hints]" \
		"[--quiet] LESSON..." >&2
	exit 2
}
while (($#)); do
	case $1 in
	--out) out=${2:?}; shift ;;
	--builds) builds=${2:?}; shift ;;
	--name) name=${2:?}; shift ;;
	--filter) filter=${2?}; shift ;;
	--tags) tags=${2?}; shift ;;
	--hints) hints=1 ;;
	--quiet) quiet=1 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
(($#)) || usage
[[ -x $escape ]] || {
	echo "grader/score.bash: $escape is not built: run make" >&2
	exit 1
}
LAB=${LAB:-lessons}
export LAB_BIN=${LAB_BIN:-$LAB_OUT/$LAB}
mkdir -p "$out/tap" || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/score.XXXXXX") || exit 1
# Stopped (Ctrl-C, SIGTERM, a caller's time limit), stop every run.
leash_guard 'rm -rf "$work" "${scratch:-}"'
: >"$out/report.txt"

# say TEXT...: print, and keep it for report.txt.
say() {
	((quiet)) || printf '%s\n' "$*"
	printf '%s\n' "$*" >>"$out/report.txt"
}

# ---- which bats, and where student code may write ----------------------

# bats_where: set bats and BATS_LIB_PATH to what tests/bats.bash would
# use (it sets bats up if need be), by asking a bats run of its own.
# Runs then call bats directly: under another user, tests/bats.bash
# could not install anything anyway.
bats_where() {
	if [[ -n ${LAB_BATS:-} && -x $LAB_BATS ]]; then
		bats=$LAB_BATS
		return 0
	fi
	local probe=$work/where.bats line
	# shellcheck disable=SC2016 # expanded by bats
	printf '%s\n' '@test where {' \
		'echo "# where $BATS_ROOT|$BATS_LIB_PATH" >&3' '}' >"$probe"
	# (umask 022: bats set up now must be readable by the runs' users.)
	line=$(umask 022 && tests/bats.bash --tap "$probe" |
		grep '^# where ') || {
		echo "grader/score.bash: cannot run bats (tests/bats.bash)" >&2
		exit 1
	}
	line=${line#\# where }
	bats=${line%%|*}/bin/bats
	export BATS_LIB_PATH=${line#*|}
	export LAB_BATS=$bats	# for the next run (grader/grade-all.bash)
}

bats_where
# bats 1.13.0 waits out BATS_TEST_TIMEOUT after every failed test
# (bats-core issue 1206): a lesson with a failure would take that long.
# There, the per-program limits and the whole run's limit must do.
test_timeout=$BATS_TEST_TIMEOUT
if [[ $("$bats" --version) == "Bats 1.13."* ]]; then
	unset BATS_TEST_TIMEOUT
fi
leash_probe "$root/tests/helper.bash" "$LAB_OUT/common" "$LAB_OUT/tools/peer" \
	"$bats" "$BATS_LIB_PATH/bats-support/load.bash" \
	"$BATS_LIB_PATH/bats-assert/load.bash"
# Student code (and bats) write their files here: TMPDIR and HOME of the
# runs, owned by the user they run as, inside build/ where that user
# can reach it.
scratch=$(mktemp -d "$LAB_OUT/scratch.XXXXXX") || exit 1
chmod 1777 "$scratch"
# A program that has timed out this many times in a lesson's run is not
# run again: the rest of its tests fail at once (tests/helper.bash).
export LAB_HANGS_MAX=${LAB_HANGS_MAX:-2}
# The bound of a program a test forgot to bound (grader/jail).
export LAB_JAIL_LIMIT=${LAB_JAIL_LIMIT:-$((LAB_SERVER_TIMEOUT + 5))}

# ---- a lesson's tests: their names and points, in bats' order ---------

# test_list FILE: one line per test of FILE, in the order bats numbers
# them: POINTS<TAB>EXERCISE<TAB>NAME (EXERCISE: 1 if tagged exercise).
# The patterns are bats' own (bats-preprocess).
test_list() {
	local line test_tags= file_tags= name points exercise
	local b='[[:blank:]]'
	local test_re="^$b*@test$b+(.*[^[:blank:]])$b+\\{(.*)\$"
	local fn_re="$b*([^[:blank:]()]+)$b*\\(?\\)?$b+\\{$b+#$b*@test$b*\$"
	local cmd_re="^$b*#$b*bats$b+(.*)\$"
	while IFS= read -r line; do
		line=${line//$'\r'/}
		if [[ $line =~ $test_re || $line =~ $fn_re ]]; then
			name=${BASH_REMATCH[1]#[\'\"]}
			name=${name%[\'\"]}
			points=$(tag_points "$test_tags" "$file_tags")
			exercise=0
			[[ ,${test_tags// /},${file_tags// /}, == *,exercise,* ]] &&
				exercise=1
			if ! has_tags "$test_tags,$file_tags"; then
				test_tags=
				continue
			fi
			test_tags=
			[[ -z $filter || $name =~ $filter ]] || continue
			printf '%s\t%s\t%s\n' "$points" "$exercise" "$name"
		elif [[ $line =~ $cmd_re ]]; then
			case ${BASH_REMATCH[1]} in
			test_tags=*) test_tags=${BASH_REMATCH[1]#test_tags=} ;;
			file_tags=*) file_tags=${BASH_REMATCH[1]#file_tags=} ;;
			esac
		fi
	done <"$1"
}

# has_tags TAGS: does a test with TAGS pass --tags, as bats decides?
has_tags() {
	local have=",${1// /}," want
	[[ -n $tags ]] || return 0
	IFS=, read -ra want <<<"${tags// /}"
	for want in "${want[@]}"; do
		case $want in
		'') ;;
		!*) [[ $have != *",${want#!},"* ]] || return 1 ;;
		*) [[ $have == *",$want,"* ]] || return 1 ;;
		esac
	done
}

# tag_points TEST_TAGS FILE_TAGS: the N of the first points:N, else 1.
tag_points() {
	local tags=",${1// /},${2// /},"
	if [[ $tags =~ ,points:([0-9]+), ]]; then
		echo $((10#${BASH_REMATCH[1]}))
	else
		echo 1
	fi
}

# ---- running and reading one lesson -----------------------------------
# Each test's result is one line of $work/tests.tsv:
#   lesson  number  status  score  max  ms  why  name
# status: passed, failed, skipped or ungraded (not graded on this
# machine: see the top); why: a word or two (crashed with
# SIGSEGV, timed out, did not compile...).  Its output (what bats printed
# for it, or the compiler's messages) is in $work/LESSON/NUMBER.

# run_lesson LESSON: run its tests; leaves tap/LESSON.tap.
run_lesson() {
	local lesson=$1 count limit status=0
	local -a args=(--tap --timing)
	[[ -n $filter ]] && args+=(--filter "$filter")
	[[ -n $tags ]] && args+=(--filter-tags "$tags")
	count=$(wc -l <"$work/$lesson.list")
	# Every test may use its whole time; the whole run gets a margin
	# on top.  Past that, whatever is left counts as not run.
	limit=$((count * (test_timeout + 5) + 30))
	# Grading: the lesson's programs are the run's student user's, and
	# stay visible where grader/grade.bash hides the rest (LEASH_HIDE).
	local mine=
	[[ -z $builds ]] || mine=$LAB_BIN/$lesson
	TMPDIR=$scratch HOME=$scratch LEASH_BIN=$LAB_BIN LEASH_OWN=$mine \
		LEASH_KEEP="$mine ${GRADE_KEEP:-}" leash_run harness "$limit" "$bats" "${args[@]}" \
		"tests/$lesson.bats" >"$out/tap/$lesson.tap" \
		2>"$out/tap/$lesson.stderr" || status=$?
	if ((status == 137)); then
		echo "# (stopped: the lesson's run took over $limit s)" \
			>>"$out/tap/$lesson.tap"
	fi
	return 0
}

# read_tap LESSON: turn tap/LESSON.tap into results.
read_tap() {
	local lesson=$1 line k=0 status name ms why n ex text
	local -a names=() points=() exercises=()
	while IFS=$'\t' read -r n ex text; do
		points+=("$n") exercises+=("$ex") names+=("$text")
	done <"$work/$lesson.list"
	local total=${#names[@]}
	local -A seen=()
	local plan_re='^1\.\.([0-9]+)$'
	local result_re='^(not )?ok ([0-9]+) (.*)$'
	local ms_re='^(.*) in ([0-9]+)ms$'
	mkdir -p "$work/$lesson"
	while IFS= read -r line; do
		if [[ $line =~ $plan_re ]]; then
			((BASH_REMATCH[1] == total)) || {
				echo "grader/score.bash: $lesson: bats" \
					"counts ${BASH_REMATCH[1]} tests," \
					"the file $total: 1 point each" >&2
				points=() exercises=()
			}
		elif [[ $line =~ $result_re ]]; then
			local -a match=("${BASH_REMATCH[@]}")
			((k > 0)) && finish_test "$lesson" "$k"
			k=${match[2]} name=${match[3]} why= ms=0
			status=passed
			[[ -n ${match[1]} ]] && status=failed
			case $name in
			*' # skip'*)
				why=${name##* # skip}
				why=${why# }
				why="skipped${why:+: $why}"
				name=${name% # skip*}
				status=skipped ;;
			*' # timeout after '*)
				why="timed out (over its $test_timeout s)"
				name=${name% # timeout after *} ;;
			esac
			[[ $name =~ $ms_re ]] &&
				name=${BASH_REMATCH[1]} ms=${BASH_REMATCH[2]}
			: >"$work/$lesson/$k"
			seen[$k]=1
		elif ((k > 0)) && [[ $line == '#'* ]]; then
			line=${line#\#}
			printf '%s\n' "${line# }" >>"$work/$lesson/$k"
		fi
	done <"$out/tap/$lesson.tap"
	((k > 0)) && finish_test "$lesson" "$k"
	# Tests that never reported, by number: the run was stopped, bats
	# failed, or a line was lost.
	for ((k = 1; k <= total; k++)); do
		[[ -z ${seen[$k]:-} ]] || continue
		{
			echo "The lesson's tests stopped before this one:"
			tail -n 5 "$out/tap/$lesson.tap" \
				"$out/tap/$lesson.stderr"
		} >"$work/$lesson/$k" 2>/dev/null
		status=failed why="did not run" name=${names[k - 1]} ms=0
		finish_test "$lesson" "$k"
	done
}

# finish_test LESSON K: write test K's line, from read_tap's variables.
finish_test() {
	local max=${points[$2 - 1]:-1} score=0 file=$work/$1/$2
	if [[ $status == failed && -z $why ]]; then
		local crash re='^lab: .* crashed with SIG[A-Z0-9]*'
		crash=$(grep -m1 -o "$re" "$file")
		if [[ $crash =~ (SIG[A-Z0-9]+)$ ]]; then
			why="crashed with ${BASH_REMATCH[1]}"
		elif grep -qE '^lab: .* did not (finish|start) within' "$file"; then
			why="timed out"
		else
			why=failed
		fi
	fi
	case $status in
	passed) score=$max why=passed ;;
	skipped) not_graded "${exercises[$2 - 1]:-0}" || score=$max ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$status" \
		"$score" "$max" "$ms" "$why" "${name//$'\t'/ }" \
		>>"$work/tests.tsv"
}

# not_graded EXERCISE: is the skipped test (status, why and max of
# finish_test) one that could not run on this machine?  Then it becomes
# "ungraded", worth nothing either way: max 0.  (See the top of this file.)
not_graded() {
	local reason=${why#skipped}
	reason=${reason#: }
	if [[ $reason == "$NOT_GRADED: "* ]]; then
		why=$reason
	elif [[ $1 == 1 ]]; then
		why="$NOT_GRADED: ${reason:-skipped, no reason given}"
	else
		return 1
	fi
	status=ungraded max=0
}

# not_built LESSON WHY: every test fails, its output the compiler's.
not_built() {
	local lesson=$1 k=0 n text
	mkdir -p "$work/$lesson"
	while IFS=$'\t' read -r n _ text; do
		k=$((k + 1))
		if [[ -f $builds/$lesson.log ]]; then
			cp "$builds/$lesson.log" "$work/$lesson/$k"
		else
			echo "$2" >"$work/$lesson/$k"
		fi
		printf '%s\t%s\tfailed\t0\t%s\t0\t%s\t%s\n' "$lesson" "$k" \
			"$n" "$2" "$text" >>"$work/tests.tsv"
	done <"$work/$lesson.list"
}

# ---- the reports -------------------------------------------------------

# The first lines of a failed test's output, indented, for the terminal.
show_failures() {
	local lesson=$1 k status why name
	while IFS=$'\t' read -r _ k status _ _ _ why name; do
		[[ $status == failed ]] || continue
		if [[ $why == failed ]]; then
			say "    $name"
		else
			say "    $name ($why)"
		fi
	done < <(lesson_tests "$lesson")
}

# json FILE or json -s TEXT: a JSON string; xml the same for XML.
json() {
	if [[ $1 == -s ]]; then
		printf '%s' "$2" | "$escape" json
	else
		"$escape" json "$OUTPUT_MAX" <"$1"
	fi
}
xml() {
	if [[ $1 == -s ]]; then
		printf '%s' "$2" | "$escape" xml
	else
		"$escape" xml "$OUTPUT_MAX" <"$1"
	fi
}

# lesson_tests LESSON: the lines of tests.tsv for LESSON ('' for all).
lesson_tests() {
	awk -F'\t' -v l="$1" 'l == "" || $1 == l' "$work/tests.tsv"
}

# A test's output for the reports: why it did not pass, then what bats
# printed (for a passed test, only that).
test_output() { # STATUS WHY FILE
	[[ $1 == passed ]] || echo "$2"
	cat "$3"
}

# json_test LESSON K STATUS SCORE MAX WHY NAME: one of tests[].
json_test() {
	local verdict=passed
	# Not graded: worth 0 of 0, and not shown as passed.
	[[ $3 == failed || $3 == ungraded ]] && verdict=failed
	printf '    {"name": %s, "number": "%s.%s",' \
		"$(json -s "$1: $7")" "$((10#${1%%-*}))" "$2"
	printf ' "score": %s, "max_score": %s, "status": "%s",' \
		"$4" "$5" "$verdict"
	printf ' "output": %s}' \
		"$(test_output "$3" "$6" "$work/$1/$2" | json /dev/stdin)"
}

# The report, then the first failed test's whole output: what the
# student reads first on Gradescope.
summary() {
	local lesson k status why name
	cat "$out/report.txt"
	while IFS=$'\t' read -r lesson k status _ _ _ why name; do
		[[ $status == failed ]] || continue
		printf '\nThe first test that failed, %s: %s\n' "$lesson" "$name"
		test_output "$status" "$why" "$work/$lesson/$k"
		break
	done <"$work/tests.tsv"
}

# results.json in Gradescope's format: the whole score, the summary as
# its output, and one entry a test.  GRADE_VISIBILITY and
# GRADE_STDOUT_VISIBILITY, when set, are Gradescope's visibility and
# stdout_visibility (make autograder sets them).
write_json() {
	local lesson k status score max why name sep=
	{
		printf '{\n  "score": %s,\n' "$all_score"
		printf '  "execution_time": %s,\n' "$SECONDS"
		printf '  "output": %s,\n' "$(summary | json /dev/stdin)"
		printf '  "output_format": "text",\n'
		printf '  "test_output_format": "text",\n'
		[[ -n ${GRADE_VISIBILITY:-} ]] &&
			printf '  "visibility": %s,\n' \
				"$(json -s "$GRADE_VISIBILITY")"
		[[ -n ${GRADE_STDOUT_VISIBILITY:-} ]] &&
			printf '  "stdout_visibility": %s,\n' \
				"$(json -s "$GRADE_STDOUT_VISIBILITY")"
		printf '  "extra_data": {"max_score": %s,' "$all_max"
		printf ' "submission": %s},\n' \
			"$(json -s "$name_of_submission")"
		printf '  "tests": ['
		while IFS=$'\t' read -r lesson k status score max _ why name
		do
			printf '%s\n' "$sep"
			json_test "$lesson" "$k" "$status" "$score" "$max" \
				"$why" "$name"
			sep=,
		done <"$work/tests.tsv"
		printf '\n  ]\n}\n'
	} >"$out/results.json"
}

# junit_case LESSON K STATUS MS WHY NAME: one <testcase>.
junit_case() {
	local secs
	printf -v secs '%d.%03d' $(($4 / 1000)) $(($4 % 1000))
	printf '    <testcase classname="%s" name="%s" time="%s">' \
		"$1" "$(xml -s "$6")" "$secs"
	case $3 in
	skipped | ungraded)
		printf '<skipped message="%s"/>' \
			"$(xml -s "${5#skipped: }")" ;;
	failed)
		printf '\n      <failure message="%s" type="%s">' \
			"$(xml -s "$5")" "$(xml -s "${5%% *}")"
		xml "$work/$1/$2"
		printf '</failure>\n    ' ;;
	esac
	printf '</testcase>\n'
}

# junit_suite LESSON: one <testsuite>, its score in its properties.
junit_suite() {
	local k status ms why name
	printf '  <testsuite name="%s" tests="%s" failures="%s"' "$1" \
		"$(count_tests "$1")" "$(count_tests "$1" failed)"
	printf ' errors="0" skipped="%s">\n' \
		"$(($(count_tests "$1" skipped) + $(count_tests "$1" ungraded)))"
	printf '    <properties>\n'
	printf '      <property name="score" value="%s"/>\n' \
		"${lesson_score[$1]}"
	printf '      <property name="max_score" value="%s"/>\n' \
		"${lesson_max[$1]}"
	printf '    </properties>\n'
	while IFS=$'\t' read -r _ k status _ _ ms why name; do
		junit_case "$1" "$k" "$status" "$ms" "$why" "$name"
	done < <(lesson_tests "$1")
	printf '  </testsuite>\n'
}

# junit.xml: a <testsuite> a lesson.
write_junit() {
	local lesson
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		printf '<testsuites name="%s" tests="%s" failures="%s"' \
			"$(xml -s "$name_of_submission")" "$(count_tests '')" \
			"$(count_tests '' failed)"
		printf ' skipped="%s">\n' \
			"$(($(count_tests '' skipped) + $(count_tests '' ungraded)))"
		for lesson in "${lessons[@]}"; do
			junit_suite "$lesson"
		done
		echo '</testsuites>'
	} >"$out/junit.xml"
}

# count_tests LESSON [STATUS]: how many tests (of LESSON; '' for all).
count_tests() {
	awk -F'\t' -v l="$1" -v s="${2:-}" \
		'(l == "" || $1 == l) && (s == "" || $3 == s) { n++ }
		END { print n + 0 }' "$work/tests.tsv"
}

# ---- main --------------------------------------------------------------

lessons=("$@")
name_of_submission=$name
declare -A lesson_score lesson_max lesson_result
all_score=0 all_max=0 all_passed=1
: >"$work/tests.tsv"
: >"$out/scores.tsv"
rm -f "$out"/tap/*.tap "$out"/tap/*.stderr

# The lessons run side by side, SCORE_JOBS at a time (one per core, and
# one more: a test waiting on a program leaves its core to another).
jobs=${SCORE_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
running=0
for lesson in "${lessons[@]}"; do
	if [[ ! -f tests/$lesson.bats ]]; then
		echo "grader/score.bash: no tests/$lesson.bats" >&2
		exit 2
	fi
	test_list "tests/$lesson.bats" >"$work/$lesson.list"
	if [[ -n $builds && -f $builds/$lesson.missing ]]; then
		lesson_result[$lesson]="missing"
	elif [[ -n $builds && -f $builds/$lesson.failed ]]; then
		lesson_result[$lesson]="did not compile"
	else
		if ((running >= jobs)); then
			wait -n
			running=$((running - 1))
		fi
		run_lesson "$lesson" &
		running=$((running + 1))
	fi
done
wait
for lesson in "${lessons[@]}"; do
	case ${lesson_result[$lesson]:-} in
	missing) not_built "$lesson" "$(cat "$builds/$lesson.missing")" ;;
	"did not compile") not_built "$lesson" "did not compile" ;;
	*) read_tap "$lesson" ;;
	esac
done

# What could not run here comes first, for every reader to see: these
# tests are no passes, and the score does not cover them.
mapfile -t ungraded_tests < <(awk -F'\t' '$3 == "ungraded" {
	print "    " $1 ": " $8; print "        " $7 }' "$work/tests.tsv")
if ((${#ungraded_tests[@]} > 0)); then
	say "NOT GRADED ON THIS MACHINE: $((${#ungraded_tests[@]} / 2)) test(s)" \
		"could not run here."
	say "They count in neither the score nor the maximum, and are not passes:"
	for line in "${ungraded_tests[@]}"; do
		say "$line"
	done
	if ((hints)); then
		say "Your work is unchecked there: run them where the machine has" \
			"what they need."
	else
		say "A machine with what they need grades them (README:" \
			"what a grading machine needs)."
	fi
	say ""
fi

# tally LESSON: its score, max, and how many tests passed, failed, were
# skipped, crashed, timed out, were not graded.
tally() {
	awk -F'\t' -v l="$1" '$1 == l {
			score += $4; max += $5
			if ($3 == "passed") p++
			if ($3 == "failed") f++
			if ($3 == "skipped") s++
			if ($3 == "ungraded") u++
			if ($7 ~ /^crashed/) c++
			if ($7 ~ /^timed out/) t++
		}
		END { print score + 0, max + 0, p + 0, f + 0, s + 0, c + 0,
			t + 0, u + 0 }' \
		"$work/tests.tsv"
}

for lesson in "${lessons[@]}"; do
	read -r score max passed failed skipped crashed timedout ungraded \
		< <(tally "$lesson")
	lesson_score[$lesson]=$score lesson_max[$lesson]=$max
	all_score=$((all_score + score)) all_max=$((all_max + max))
	((failed == 0 && passed > 0 && ungraded == 0)) || all_passed=0
	result=${lesson_result[$lesson]:-}
	if [[ -z $result ]]; then
		if ((failed == 0 && passed > 0 && ungraded == 0)); then
			result="done"
		elif ((passed + failed == 0)); then
			result="no test ran"
		elif ((failed == 0)); then
			result="passed all that ran"
		else
			result="$failed failed"
			((crashed)) && result+=", $crashed crashed"
			((timedout)) && result+=", $timedout timed out"
			((hints)) && result+=": make check-${lesson%%-*}" &&
				result+=" for details"
		fi
		((ungraded)) && result+=" ($ungraded not graded)"
		((skipped)) && result+=" ($skipped skipped)"
		if ((failed > 0)); then
			say "$lesson: failed:"
			show_failures "$lesson"
		fi
	else
		say "$lesson: $result"
		[[ -f $builds/$lesson.log ]] &&
			sed -n '1,20s/^/    /p' "$builds/$lesson.log" |
			while IFS= read -r line; do say "$line"; done
	fi
	lesson_result[$lesson]=$result
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$lesson" "$score" "$max" \
		"$passed" "$failed" "$skipped" "$result" >>"$out/scores.tsv"
done

say ""
say "$(printf '%-20s %-11s  %s' lesson '  score' result)"
for lesson in "${lessons[@]}"; do
	printf -v row '%-20s %4s / %-4s  %s' "$lesson" \
		"${lesson_score[$lesson]}" "${lesson_max[$lesson]}" \
		"${lesson_result[$lesson]}"
	say "$row"
done
say "$(printf '%-20s %4s / %s' total "$all_score" "$all_max")"
if [[ -n $builds ]]; then	# grading: say what held student code
	say ""
	say "Leash: $LEASH_HOW."
fi

write_json
write_junit
cp "$work/tests.tsv" "$out/tests.tsv"
((all_passed))
