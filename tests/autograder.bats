#!/usr/bin/env bats
# tests/autograder.bats - make autograder and make classroom, end to end.
#
# The zip is unpacked into a folder standing for Gradescope's /autograder
# (AUTOGRADER_ROOT), set up with its setup.sh where that installs nothing
# (else built with make, saying why), and its run_autograder grades four
# submissions of the first lesson: solved, the untouched starter, one that
# does not compile, one that hangs.  results.json is checked against
# Gradescope's contract, and the scores against make grade's.  The
# Classroom workflow is checked by a schema validator (from npm, when
# there is npm) and its commands are run as the runner would run them.
# Gradings grade the exercise tests only (TAGS), to be quick.

setup_file() {
	load helper
	lab_setup_file
	# shellcheck disable=SC2016 # for make
	read -ra all <<<"$(make -s -f Makefile -f - print-lessons \
		<<<'print-lessons: ; @echo $(LESSONS)')"
	export L1=${all[0]} NN=${all[0]%%-*}
	export PROG1
	PROG1=$(basename "$(ls "$LAB_ROOT/lessons/$L1"/*.c)" .c)
	export AT=$LAB_ROOT/build/autograder-test.$$
	rm -rf "$AT" && mkdir -p "$AT"
	command -v zip >/dev/null && command -v unzip >/dev/null || return 0
	bounded_long 300 make -s autograder LESSONS="$NN" OUT="$AT/autograder.zip" \
		VISIBILITY=after_due_date >"$AT/make.log" 2>&1 3>&- 4>&- ||
		return 0
	mkdir -p "$AT/ag/source" &&
		unzip -q "$AT/autograder.zip" -d "$AT/ag/source" || return 0
	ag_setup >"$AT/setup.log" 2>&1 3>&- 4>&-
	bounded_long 300 make -s classroom LESSONS="$NN" \
		OUT="$AT/classroom" TOOLKIT=example/tcp-labs \
		>"$AT/classroom.log" 2>&1 3>&- 4>&-
	echo "make classroom exit $?" >>"$AT/classroom.log"
	make_submissions
	local s
	for s in solved starter broken hangs; do
		grade_both "$s" >"$AT/$s.log" 2>&1 3>&- 4>&-
	done
}

teardown_file() {
	[[ -n ${GRADE_TEST_KEEP:-} ]] || rm -rf "$AT"
}

setup() {
	load helper
	bats_require_minimum_version 1.5.0
	command -v zip >/dev/null || skip "zip is not installed"
	command -v unzip >/dev/null || skip "unzip is not installed"
}

# user_path: PATH without what bats put in front of it.
user_path() {
	tr : '\n' <<<"$PATH" | grep -v bats-core | paste -sd:
}

# ag_setup: run setup.sh as Gradescope does, where it would install
# nothing (a test must not install packages); else build the toolkit
# the way it does.
ag_setup() {
	local pkg missing=() setup=$AT/ag/source/setup.sh
	local -a packages
	eval "$(sed -n '/^packages=(/,/)/p' "$setup")"
	for pkg in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$pkg")
	done
	if [[ $(id -u) == 0 ]] && command -v dpkg-query >/dev/null &&
		((${#missing[@]} == 0)); then
		echo "ran setup.sh" >"$AT/setup.how"
		AUTOGRADER_ROOT=$AT/ag bounded_long 300 bash "$setup"
	else
		echo "built with make: setup.sh would install" \
			"${missing[*]:-(not root)}" >"$AT/setup.how"
		bounded_long 300 make -C "$AT/ag/source/tcp-labs" -s all
		chmod a+rx "$AT/ag" "$AT/ag/source"
		chmod -R a+rX "$AT/ag/source"
	fi
}

# bounded_long SECONDS CMD...: a bounded run longer than LAB_TIMEOUT,
# in the environment of a user's shell: nothing of this bats run (its
# variables, and its own folder in PATH, would confuse the bats the
# grader runs).
bounded_long() {
	env -i PATH="$(user_path)" HOME="$HOME" TMPDIR="${TMPDIR:-/tmp}" \
		${CC:+CC="$CC"} ${SANITIZE:+SANITIZE="$SANITIZE"} \
		${AUTOGRADER_ROOT:+AUTOGRADER_ROOT="$AUTOGRADER_ROOT"} \
		${TAGS:+TAGS="$TAGS"} ${FILTER:+FILTER="$FILTER"} \
		${LAB_TIMEOUT_GRADE:+LAB_TIMEOUT="$LAB_TIMEOUT_GRADE"} \
		timeout -k 1 "$@"
}

make_submissions() {
	local s=$AT/sub
	mkdir -p "$s/solved" "$s/starter" "$s/broken" "$s/hangs"
	cp -R "$LAB_ROOT/solutions/$L1" "$s/solved/"	# a lesson folder
	cp "$LAB_ROOT/lessons/$L1/$PROG1.c" "$s/starter/"	# a single file
	printf 'int main(void) { return 0 }\n' >"$s/broken/$PROG1.c"
	printf '#include <unistd.h>\nint main(void) { for (;;) pause(); }\n' \
		>"$s/hangs/$PROG1.c"
}

# grade_both NAME: grade submission NAME with run_autograder (in a root
# of its own, sharing the unpacked source) and with make grade.
grade_both() {
	local name=$1 root=$AT/run-$1 TAGS=exercise FILTER= LAB_TIMEOUT_GRADE=
	[[ $name == hangs ]] && FILTER=65536 LAB_TIMEOUT_GRADE=2
	mkdir -p "$root"
	ln -s "$AT/ag/source" "$root/source"
	cp -R "$AT/sub/$name" "$root/submission"
	AUTOGRADER_ROOT=$root bounded_long 300 "$root/source/run_autograder"
	echo "run_autograder exit $?" >"$root/status"
	bounded_long 300 make -s grade \
		SUBMISSION="$AT/sub/$name" LESSONS="$NN" OUT="$AT/grade-$name" \
		GRADE_NAME="autograder-test-$name-$$"
}

# results NAME: that submission's results.json.
results() {
	printf '%s\n' "$AT/run-$1/results/results.json"
}

# score_of FILE: the score in a results.json (no jq needed).
score_of() {
	sed -n 's/^  "score": \([0-9.]*\),$/\1/p' "$1"
}

@test "make autograder writes a zip with setup.sh and run_autograder at its root, and says the total points" {
	run cat "$AT/make.log"
	assert_output --regexp "total points set to [1-9][0-9]*"
	run unzip -Z1 "$AT/autograder.zip"
	assert_line setup.sh
	assert_line run_autograder
	assert_line autograder.conf
	assert_line "tcp-labs/Makefile"
	assert_line "tcp-labs/tests/$L1.bats"
	refute_line --regexp '^tcp-labs/build/'
	run unzip -Z "$AT/autograder.zip" run_autograder
	assert_output --regexp '^-rwx'
}

@test "setup.sh builds the toolkit (or the test says why it did not run it)" {
	run cat "$AT/setup.how"
	echo "$output" >&3
	[[ -x $AT/ag/source/tcp-labs/build/lessons/$L1/$PROG1 ]]
	[[ -x $AT/ag/source/tcp-labs/build/solutions/$L1/$PROG1 ]]
}

@test "a solved submission gets full marks from run_autograder" {
	run cat "$AT/run-solved/status"
	assert_output "run_autograder exit 0"
	local max
	max=$(sed -n 's/.*"max_score": \([0-9]*\),.*/\1/p' \
		"$(results solved)" | head -n 1)
	run grep -c '"status": "failed"' "$(results solved)"
	assert_output 0
	run score_of "$(results solved)"
	refute_output 0
	assert_output "$(score_of "$AT/grade-solved/results.json")"
	[[ -n $max ]]
}

@test "the untouched starter gets from run_autograder exactly what make grade gives it" {
	run score_of "$(results starter)"
	assert_output "$(score_of "$AT/grade-starter/results.json")"
	run grep -c '"status": "failed"' "$(results starter)"
	refute_output 0
}

@test "results.json follows Gradescope's contract" {
	command -v jq >/dev/null || skip "jq is not installed"
	local f
	f=$(results starter)
	run jq -e '(.score | type == "number")
		and (.execution_time | type == "number")
		and .output_format == "text"
		and .visibility == "after_due_date"
		and .stdout_visibility == "hidden"
		and (.output | type == "string")
		and (.tests | length > 0)
		and all(.tests[]; (.name | type == "string")
			and (.score | type == "number")
			and (.max_score | type == "number")
			and (.status == "passed" or .status == "failed")
			and (.output | type == "string"))
		and .score == ([.tests[].score] | add)' "$f"
	assert_success
}

@test "the student reads first what failed and the first failing test's message" {
	command -v jq >/dev/null || skip "jq is not installed"
	run jq -r .output "$(results starter)"
	assert_output --partial "$L1: failed:"
	assert_output --partial "The first test that failed, $L1:"
	assert_output --partial "in test file tests/$L1.bats"
}

@test "a submission that does not compile scores 0, and the output shows the compiler's message" {
	run score_of "$(results broken)"
	assert_output 0
	run grep -c 'did not compile' "$(results broken)"
	refute_output 0
	run grep -c "expected ';'" "$(results broken)"
	refute_output 0
}

@test "a submission that hangs is graded: its tests time out and score 0" {
	run cat "$AT/run-hangs/status"
	assert_output "run_autograder exit 0"
	run score_of "$(results hangs)"
	assert_output 0
	run grep -c 'timed out\|did not finish' "$(results hangs)"
	refute_output 0
}

@test "run_autograder grades as a user who is not root too" {
	[[ $(id -u) == 0 ]] || skip "this test is not run as root: it ran as $(id -un) above"
	local root=$AT/nobody
	cp -a "$AT/ag" "$root" && mkdir -p "$root/submission" &&
		cp "$AT/sub/starter/$PROG1.c" "$root/submission/" &&
		chown -R nobody "$root" || fail "cannot set up $root"
	run bounded_long 300 setpriv --reuid=nobody --regid=nogroup \
		--clear-groups env HOME="$root" AUTOGRADER_ROOT="$root" \
		TAGS=exercise "$root/source/run_autograder"
	assert_success
	run score_of "$root/results/results.json"
	assert_output "$(score_of "$AT/grade-starter/results.json")"
}

# ---- make classroom --------------------------------------------------------

@test "make classroom writes a workflow a GitHub schema validator accepts" {
	run cat "$AT/classroom.log"
	assert_line "make classroom exit 0"
	assert_output --partial "lessons $L1"
	local wf=$AT/classroom/.github/workflows/classroom.yml
	[[ -f $wf ]]
	run grep -c 'uses: classroom-resources/autograding-command-grader@v1' "$wf"
	assert_output 1
	run grep -c "max-score: [1-9]" "$wf"
	assert_output 1
	local validator
	validator=$(workflow_validator) ||
		skip "no GitHub workflow validator: needs npm (@action-validator/cli)"
	run "$validator" "$wf"
	assert_success
}

# workflow_validator: @action-validator/cli, pinned, from npm into build/tools.
workflow_validator() {
	local dir=$LAB_ROOT/build/tools/action-validator
	local bin=$dir/node_modules/.bin/action-validator
	if [[ ! -x $bin ]]; then
		command -v npm >/dev/null || return 1
		mkdir -p "$dir" &&
			timeout -k 1 120 npm install --prefix "$dir" --no-audit \
				--no-fund --silent @action-validator/cli@0.6.0 \
				>/dev/null 2>&1 || return 1
	fi
	printf '%s\n' "$bin"
}

@test "the workflow's commands, run as the runner runs them, grade the student's repository" {
	local wf=$AT/classroom/.github/workflows/classroom.yml
	[[ -f $wf ]] || fail "make classroom wrote no workflow"
	# The runner's workspace: the student's repository (the starter with
	# the lesson solved) and the instructor's toolkit beside it (the one
	# unpacked from the autograder zip: a copy built already, so that
	# the build step has nothing left to do).
	local ws=$AT/workspace tmp=$AT/runner-temp
	mkdir -p "$ws/submission/lessons" "$tmp"
	cp -R "$LAB_ROOT/solutions/$L1" "$ws/submission/lessons/"
	ln -s "$AT/ag/source/tcp-labs" "$ws/tcp-labs"
	run grep -c '^        run: make -C tcp-labs --no-print-directory all$' "$wf"
	assert_output 1
	(cd "$ws" && bounded_long 300 make -C tcp-labs --no-print-directory -s all) ||
		fail "the build step failed"
	local cmd
	cmd=$(sed -n 's/^ *command: //p' "$wf")
	cmd=${cmd//'${{ github.workspace }}'/$ws}
	cmd=${cmd//'${{ runner.temp }}'/$tmp}
	[[ $(id -u) == 0 ]] && cmd=${cmd#sudo }
	# The command grader gives the command only PATH and HOME.
	run env -i PATH="$(user_path)" HOME="$HOME" TAGS=exercise \
		timeout -k 1 300 sh -c "cd '$ws' && $cmd"
	assert_success
	[[ -f $tmp/reports/$L1/results.json ]]
	[[ -f $tmp/reports/$L1/junit.xml ]]
}
