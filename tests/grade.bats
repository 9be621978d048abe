#!/usr/bin/env bats
# tests/grade.bats - the grader's own tests: make grade, make grade-all and
# the score table, on submissions made here from the starters and
# solutions of the first lessons (fully solved, untouched starters, one
# lesson solved and one that does not compile), and on a made-up toolkit
# whose lessons do what real ones must not (weird bytes, points tags,
# skips, hanging, crashing, a fork bomb, a disk filler, daemons).
#
# Every grading runs once, side by side, in setup_file; the tests read
# their reports (all but the one of two gradings under one name, which
# runs its own).  Lessons are taken from the Makefile's list (L1, L2: the
# first two), so nothing here depends on what a lesson tests.
# Validating results.json and junit.xml needs jq and xmllint
# (libxml2-utils); those tests skip without them.

setup_file() {
	load helper
	lab_setup_file
	# shellcheck disable=SC2016 # for make
	read -ra all <<<"$(gmake -f Makefile -f - print-lessons \
		<<<'print-lessons: ; @echo $(LESSONS)')"
	export L1=${all[0]} L2=${all[1]:-}
	# How many exercise tests each has: every grading here grades those.
	export L1_TESTS L2_TESTS=0
	L1_TESTS=$(bats_count "$L1" --filter-tags exercise)
	[[ -z $L2 ]] || L2_TESTS=$(bats_count "$L2" --filter-tags exercise)
	export GT=$LAB_ROOT/build/grade-test.$$
	rm -rf "$GT" && mkdir -p "$GT/work"
	export GRADE_WORK=$GT/work LAB_BATS=$BATS_ROOT/bin/bats
	make_submissions
	make_kit
	# The made-up toolkit's runs have tiny limits, to be quick.
	LEASH_FSIZE=1 LEASH_CPU=1 grade_kit \
		>"$GT/kit.log" 2>&1 3>&- 4>&- &
	grade_class "$GT/class" "${L1%%-*}" "" exercise \
		>"$GT/class.log" 2>&1 3>&- 4>&- &
	if [[ -n $L2 ]]; then
		STRICT=1 grade_one "$GT/broken" "${L1%%-*} ${L2%%-*}" \
			>"$GT/broken.log" 2>&1 3>&- 4>&- &
	fi
	wait
}

teardown_file() {
	[[ -n ${GRADE_TEST_KEEP:-} ]] || rm -rf "$GT"	# keep it to look
}

setup() {
	load helper
	bats_require_minimum_version 1.5.0
}

# ---- making submissions ----------------------------------------------

# src TREE LESSON: the lesson's folder in the toolkit's TREE.
src() {
	printf '%s\n' "$LAB_ROOT/$1/$2"
}

make_submissions() {
	local c=$GT/class p1
	p1=$(basename "$(echo "$(src lessons "$L1")"/*.c)")
	# A class of two: the folder names need quoting in grades.csv.
	mkdir -p "$c/jo, solved" "$c/starter/lessons"
	cp -R "$(src solutions "$L1")" "$c/jo, solved/"
	cp -R "$(src lessons "$L1")" "$c/starter/lessons/"
	echo "a repository copy has other files too" >"$c/starter/README.md"
	[[ -n $L2 ]] || return 0
	# Lesson 1 uploaded as a bare file that does not compile; lesson 2 done.
	mkdir -p "$GT/broken"
	{
		cat "$(src solutions "$L1")/$p1"
		echo "int oops = ;"
	} >"$GT/broken/$p1"
	cp -R "$(src solutions "$L2")" "$GT/broken/"
	# A folder with a link out of the submission, which must not be copied.
	ln -s /etc/passwd "$GT/broken/$L2/passwd"
}

# clean CMD...: run CMD in an environment as a user's shell has it, not
# bats' (its variables and exported functions confuse a bats run inside)
# nor make test's (its make flags), with only these settings passed on.
clean() {
	local -a keep=()
	local name
	for name in PATH HOME TMPDIR LANG LC_ALL CC SANITIZE STRICT LAB_OUT \
		SUBMISSION SCORE_JOBS LAB_TIMEOUT LAB_BATS BATS_LIB_PATH BATS_TEST_TIMEOUT \
		$(compgen -v GRADE_) $(compgen -v LEASH_); do
		[[ -n ${!name+set} ]] && keep+=("$name=${!name}")
	done
	env -i "${keep[@]}" "$@"
}

# The grader as users run it.
gmake() {
	clean make -s -C "$LAB_ROOT" --no-print-directory "$@"
}

# grade_class DIR LESSONS FILTER TAGS: make grade-all into DIR.out.
grade_class() {
	find "$1" -type f -exec md5sum {} + | sort >"$1.sums"
	local status=0
	gmake grade-all SUBMISSIONS="$1" OUT="$1.out" LESSONS="$2" \
		FILTER="$3" TAGS="$4" || status=$?
	echo "status $status" >"$1.status"
	find "$1" -type f -exec md5sum {} + | sort >"$1.sums-after"
}

# grade_one DIR LESSONS: make grade into DIR.out, exercise tests only.
grade_one() {
	local status=0
	gmake grade SUBMISSION="$1" OUT="$1.out" LESSONS="$2" TAGS=exercise ||
		status=$?
	echo "status $status" >"$1.status"
}

# ---- a made-up toolkit ---------------------------------------------------

# make_kit: $GT/kit, the grader's scripts with two lessons of its own:
# 98-alpha (points, skips, weird output, a test over its time) and
# 99-beta (a fork bomb, a disk filler, a busy loop, a hang, a crash,
# daemons).
make_kit() {
	local k=$GT/kit
	mkdir -p "$k/tests" "$k/grader" "$k/lessons/98-alpha" \
		"$k/lessons/99-beta" "$GT/kitsub/alpha/98-alpha" \
		"$GT/kitsub/alpha/99-beta"
	cp -p "$LAB_ROOT"/tests/*.bash "$k/tests/"
	cp -p "$LAB_ROOT"/grader/*.bash "$k/grader/"
	cat >"$k/lessons/98-alpha/alpha.c" <<-'EOF'
	#include <stdio.h>
	#include <string.h>

	int main(int argc, char **argv)
	{
		static const char weird[] = "nul \0 bad \xff\xfe esc \x1b[31m"
			" quote \" back \\ lt < amp & cr \r tab \t bell \a end";

		if (argc > 1 && strcmp(argv[1], "weird") == 0) {
			fwrite(weird, 1, sizeof weird - 1, stdout);
			return 1;
		}
		puts("hello");
		return 0;
	}
	EOF
	cat >"$k/lessons/99-beta/beta.c" <<-'EOF'
	#include <stdio.h>
	#include <signal.h>
	#include <string.h>
	#include <unistd.h>

	int main(int argc, char **argv)
	{
		static char block[65536];
		int n = 0;
		FILE *f;

		if (argc > 1 && strcmp(argv[1], "fork") == 0) {
			pid_t pid = 0;

			while (n < 1000 && (pid = fork()) > 0)
				n++;
			if (pid == 0) {	/* a child: wait to be killed */
				close(1);
				close(2);
				pause();
			}
			printf("forked %d\n", n);
			return n < 1000 ? 0 : 1;	/* 1: nothing stopped it */
		}
		if (argc > 2 && strcmp(argv[1], "fill") == 0) {
			f = fopen(argv[2], "w");
			for (n = 0; f != NULL && n < 8192; n++)
				fwrite(block, 1, sizeof block, f);
		}
		if (argc > 1 && strcmp(argv[1], "spin") == 0)
			for (;;)
				n++;
		if (argc > 1 && strcmp(argv[1], "hang") == 0)
			for (;;)
				pause();
		if (argc > 1 && strcmp(argv[1], "crash") == 0)
			raise(SIGSEGV);
		if (argc > 1 && strcmp(argv[1], "serve") == 0) {
			puts("listening on 127.0.0.1:9");
			fflush(stdout);
			if (fork() == 0)	/* keeps the server's stdout */
				setsid();
			for (;;)
				pause();
		}
		if (argc > 1 && strcmp(argv[1], "daemon") == 0) {
			if (fork() == 0) {	/* keeps stdout: the test's */
				setsid();
				for (;;)
					pause();
			}
			puts("parent done");
		}
		if (argc > 1 && strcmp(argv[1], "vanish") == 0) {
			if (fork() == 0) {	/* a real daemon: no fd, no group */
				setsid();
				for (n = 0; n < 1024; n++)
					close(n);
				for (;;)
					pause();
			}
			puts("parent done");
		}
		return 0;
	}
	EOF
	# (TEST, not the real word: bats would take these lines for its own.)
	sed 's/^TEST /@test /' >"$k/tests/98-alpha.bats" <<-'EOF'
	# A test time limit of its own (bats reads it after loading the file),
	# to be quick; none where the grader runs bats without one.
	[[ -z ${BATS_TEST_TIMEOUT:-} ]] || BATS_TEST_TIMEOUT=2
	setup() { load helper; lab_setup 98-alpha alpha; }
	teardown() { lab_teardown; }
	# bats test_tags=points:3
	TEST "says hello" { run alpha; assert_output hello; }
	TEST "prints weird bytes and fails" { run alpha weird; assert_success; }
	# bats test_tags=points:2,exercise
	TEST "skips" { skip "the machine lacks a tool"; }
	TEST "runs over its time" {
		[[ -n ${BATS_TEST_TIMEOUT:-} ]] || skip "no test time limit"
		sleep 20
	}
	EOF
	sed 's/^TEST /@test /' >"$k/tests/99-beta.bats" <<-'EOF'
	setup() { load helper; lab_setup 99-beta beta; }
	teardown() { lab_teardown; }
	TEST "a fork bomb meets the process limit" {
		[[ $(id -u) != 0 ]] || skip "root: no process limit"
		run beta fork
		assert_success
	}
	TEST "a disk filler meets the file size limit" {
		run beta fill "$BATS_TEST_TMPDIR/big"
		assert_success
	}
	TEST "a busy loop meets the CPU limit" { run beta spin; assert_success; }
	TEST "hangs" { LAB_TIMEOUT=1 run beta hang; assert_success; }
	TEST "crashes" { run beta crash; assert_success; }
	TEST "a daemon keeping the test's output does not stall it" {
		run beta daemon
		assert_output "parent done"
	}
	TEST "a daemon that closes every fd is not left running" {
		run beta vanish
		assert_output "parent done"
	}
	TEST "a server's daemon keeping its output does not stall it" {
		start_server "$PROG" serve
		stop_server
		assert_equal "$SERVER_STATUS" 143
	}
	EOF
	cp "$k/lessons/98-alpha/alpha.c" "$GT/kitsub/alpha/98-alpha/"
	cp "$k/lessons/99-beta/beta.c" "$GT/kitsub/alpha/99-beta/"
}

grade_kit() {
	local status=0
	find "$GT/kitsub" -type f -exec md5sum {} + | sort >"$GT/kit.sums"
	SUBMISSION=$GT/kitsub/alpha \
		GRADE_LESSONS="98-alpha 99-beta" \
		GRADE_OUT=$GT/kit.out GRADE_CC=${CC:-cc} \
		GRADE_CPPFLAGS="-D_POSIX_C_SOURCE=200809L" \
		GRADE_CFLAGS="-std=c11 -O2" GRADE_COMMON= \
		LAB_OUT=$LAB_OUT clean "$GT/kit/grader/grade.bash" || status=$?
	echo "status $status" >"$GT/kit.status"
	find "$GT/kitsub" -type f -exec md5sum {} + | sort >"$GT/kit.sums-after"
}

# ---- reading the reports -------------------------------------------------

# score OUT LESSON: "SCORE MAX" of LESSON in OUT/scores.tsv.
score() {
	awk -F'\t' -v l="$2" '$1 == l { print $2, $3 }' "$1/scores.tsv"
}

# result OUT LESSON NAME-PATTERN: status and why of the matching tests.
result() {
	awk -F'\t' -v l="$2" -v n="$3" '$1 == l && $8 ~ n { print $3 ": " $7 }' \
		"$1/tests.tsv"
}

# left_running DIR: the processes (not zombies) whose program is in DIR,
# "PID PROGRAM" a line.  (A zombie has no /proc/PID/exe to match.)
left_running() {
	find /proc/[0-9]*/exe -maxdepth 0 -lname "$1/*" -printf '%h %l\n' \
		2>/dev/null | sed 's|^/proc/||'
}

# The number of tests of LESSON that bats selects with these options.
bats_count() {
	local lesson=$1
	shift
	"$BATS_ROOT/bin/bats" --count "$@" "$LAB_ROOT/tests/$lesson.bats"
}

valid_json() {
	command -v jq >/dev/null || skip "needs jq (apt-get install jq)"
	jq -e '.score != null and (.tests | type == "array")' "$1" >/dev/null ||
		fail "$1 is not valid JSON: $(jq . "$1" 2>&1 | tail -3)"
}

valid_xml() {
	command -v xmllint >/dev/null ||
		skip "needs xmllint (apt-get install libxml2-utils)"
	run xmllint --noout "$1"
	assert_success
}

# ---- a class: fully solved and untouched ---------------------------------
# (Exercise tests only, to be quick.  That a submission with every lesson
# solved gets full marks on every test is .ci/run's `make grade
# SUBMISSION=solutions STRICT=1`; that a starter passes every test but
# the exercises is tests/prove.bash's.)

@test "grade-all: a fully solved submission gets full marks" {
	assert_equal "$(cat "$GT/class.status")" "status 0"
	local out=$GT/class.out/jo__solved
	read -r got max < <(score "$out" "$L1")
	assert_equal "$got" "$max"
	grep -q points: "$LAB_ROOT/tests/$L1.bats" ||
		assert_equal "$max" "$L1_TESTS"
	run cat "$out/report.txt"
	assert_line --regexp "^$L1 +$max / $max +done"
	assert_line --regexp "^total +$max / $max$"
}

@test "grade-all: the untouched starter loses exercise tests, one line each" {
	local out=$GT/class.out/starter
	read -r got max < <(score "$out" "$L1")
	((got < max)) || fail "the untouched starter scored $got of $max"
	run grep -c $'\tfailed\t' "$out/tests.tsv"
	assert_equal "$output" "$((max - got))"
	run cat "$out/report.txt"
	assert_line --regexp "^$L1 +$got / $max +$((max - got)) failed"
}

@test "grade-all: grades.csv has a row a submission, names quoted" {
	run cat "$GT/class.out/grades.csv"
	assert_line --index 0 "submission,$L1,total,max"
	local solved starter
	read -r solved max < <(score "$GT/class.out/jo__solved" "$L1")
	read -r starter _ < <(score "$GT/class.out/starter" "$L1")
	assert_line --index 1 "\"jo, solved\",$solved,$solved,$max"
	assert_line --index 2 "starter,$starter,$starter,$max"
	assert_equal "${#lines[@]}" 3
}

@test "grading never changes the submission" {
	run diff "$GT/class.sums" "$GT/class.sums-after"
	assert_success
	run diff "$GT/kit.sums" "$GT/kit.sums-after"
	assert_success
	[[ -s $GT/class.sums ]]
}

@test "results.json is valid JSON in Gradescope's shape" {
	local out=$GT/class.out/starter
	valid_json "$out/results.json"
	run jq -r '[.score, (.tests | length), (.tests[0] | [has("name",
		"score", "max_score", "status", "output")] | all)] | @tsv' \
		"$out/results.json"
	read -r got _ < <(score "$out" "$L1")
	assert_output "$got	$L1_TESTS	true"
	run jq -r '[.tests[] | select(.status == "failed")] | length' \
		"$out/results.json"
	assert_output "$(grep -c $'\tfailed\t' "$out/tests.tsv")"
}

@test "junit.xml is valid XML with a testcase a test" {
	valid_xml "$GT/class.out/starter/junit.xml"
	run grep -c '<testcase ' "$GT/class.out/starter/junit.xml"
	assert_output "$L1_TESTS"
	valid_xml "$GT/class.out/jo__solved/junit.xml"
}

@test "the raw TAP is kept" {
	run head -1 "$GT/class.out/starter/tap/$L1.tap"
	assert_output "1..$L1_TESTS"
}

# ---- on a leash: hangs, crashes, daemons ---------------------------------

@test "a program that hangs is killed at its limit and the test says so" {
	assert_equal "$(cat "$GT/kit.status")" "status 0"
	run result "$GT/kit.out" 99-beta '^hangs$'
	assert_output --regexp '^failed: timed out'
	run grep -h 'did not finish within 1 s' "$GT/kit.out/results.json"
	assert_success
}

@test "a program that crashes is reported with its signal's name" {
	run result "$GT/kit.out" 99-beta '^crashes$'
	# Under SANITIZE=1, AddressSanitizer catches the SIGSEGV and aborts.
	assert_output --regexp '^failed: crashed with SIG(SEGV|ABRT)$'
	run grep -cE 'crashed with SIG(SEGV|ABRT)' "$GT/kit.out/junit.xml"
	assert_success
}

@test "a daemon the program leaves running is killed; its test still passes" {
	run result "$GT/kit.out" 99-beta 'closes every fd'
	assert_output "passed: passed"
	run left_running "$GT"
	assert_output ""
	# The check can fail: the same program run here, without the
	# grader (nor bounded, which would kill the daemon if it had not
	# left the process group yet), leaves its daemon behind.
	local bin=$GT/work/alpha/bin/99-beta/beta
	timeout -k 1 "$LAB_TIMEOUT" "$bin" vanish >/dev/null
	run left_running "$GT/work/alpha"
	assert_output --partial "$bin"
	kill -KILL "${output%% *}"
}

@test "nothing of any submission is left running" {
	run left_running "$GT"
	assert_output ""
}

# ---- several lessons: one solved, one not compiling ----------------------

@test "a lesson that does not compile scores 0 with the compiler's message; the others are graded" {
	[[ -n $L2 ]] || skip "needs two lessons"
	# STRICT=1: make grade fails unless every test passed.
	assert_equal "$(cat "$GT/broken.status")" "status 2"
	read -r got1 max1 < <(score "$GT/broken.out" "$L1")
	read -r got2 max2 < <(score "$GT/broken.out" "$L2")
	assert_equal "$got1" 0
	assert_equal "$max1" "$L1_TESTS"
	assert_equal "$got2" "$max2"
	assert_equal "$max2" "$L2_TESTS"
	run cat "$GT/broken.out/report.txt"
	assert_line --regexp "^$L1 +0 / $max1 +did not compile"
	assert_line --regexp "^$L2 +$max2 / $max2 +done"
	assert_line --regexp "^total +$max2 / $((max1 + max2))$"
	assert_line --partial "error:"
	# The compiler's messages are the test's output (jq, where it is
	# installed, reads them from their place; else they are in the file).
	if command -v jq >/dev/null; then
		run jq -r '.tests[0].output' "$GT/broken.out/results.json"
		assert_line --partial "int oops = ;"
	else
		run grep -c -F "int oops = ;" "$GT/broken.out/results.json"
		assert_success
	fi
	# The link to /etc/passwd was not copied.
	[[ ! -e $GT/work/broken/src/$L2/passwd ]]
	run cat "$GT/broken.out/build/$L2.log"
	assert_line --partial "removed (not a regular file): passwd"
}

# ---- the made-up toolkit: points, skips, weird bytes, limits -------------

@test "points tags weigh tests; a skipped test gives its points" {
	assert_equal "$(cat "$GT/kit.status")" "status 0"
	run result "$GT/kit.out" 98-alpha .
	assert_equal "${lines[0]}" "passed: passed"
	assert_equal "${lines[1]}" "failed: failed"
	assert_equal "${lines[2]}" "skipped: skipped: the machine lacks a tool"
	if [[ $("$LAB_BATS" --version) == "Bats 1.13."* ]]; then
		# The grader runs bats 1.13 without BATS_TEST_TIMEOUT.
		assert_equal "${lines[3]}" "skipped: skipped: no test time limit"
		run score "$GT/kit.out" 98-alpha
		assert_output "6 7"
	else
		assert_regex "${lines[3]}" "^failed: timed out"
		run score "$GT/kit.out" 98-alpha
		assert_output "5 7"
	fi
}

@test "weird bytes in a test's output still make valid JSON and XML" {
	valid_json "$GT/kit.out/results.json"
	valid_xml "$GT/kit.out/junit.xml"
	run jq -r '.tests[1].output' "$GT/kit.out/results.json"
	assert_output --partial 'quote " back \ lt < amp &'
}

@test "a fork bomb, a disk filler and a busy loop each cost their own test; a daemon nothing" {
	run result "$GT/kit.out" 99-beta .
	assert_equal "${#lines[@]}" 8
	if [[ $(id -u) != 0 ]] || grep -qE 'as user nobody|as a user of its own' \
		"$GT/kit.log"; then
		assert_equal "${lines[0]}" "passed: passed"
	fi
	assert_equal "${lines[1]}" "failed: crashed with SIGXFSZ"
	assert_equal "${lines[2]}" "failed: crashed with SIGXCPU"
	# 3 and 4: the hang and the crash (above).
	assert_equal "${lines[5]}" "passed: passed"
	assert_equal "${lines[6]}" "passed: passed"
	assert_equal "${lines[7]}" "passed: passed"
	run left_running "$GT/work"
	assert_output ""
}

# ---- two gradings under one name ----------------------------------------

@test "a second grading under the same name waits for the first" {
	# We hold the name's lock, as a first grading would, and wait (no
	# sleep) for the second one to say it waits; then let it go.
	local lock fd rd fifo=$BATS_TEST_TMPDIR/stderr line pid status=0
	mkfifo "$fifo"
	exec {lock}>>"$GT/work/twice.lock"
	flock "$lock"
	GRADE_NAME=twice gmake grade SUBMISSION="$GT/class/starter" \
		OUT="$GT/twice.out" LESSONS="${L1%%-*}" FILTER=no-test-is-named-so \
		>"$GT/twice.log" 2>"$fifo" 3>&- 4>&- {lock}>&- &
	pid=$!
	exec {rd}<"$fifo"
	IFS= read -r -t 20 line <&"$rd" || true
	exec {lock}>&-	# (before the cat, which would hold it too)
	cat <&"$rd" >>"$GT/twice.log" 3>&- 4>&- &
	fd=$!
	exec {rd}<&-
	wait "$pid" || status=$?
	wait "$fd"
	assert_equal "$line" "Another grading of 'twice' is running; waiting for it (GRADE_NAME=other-name grades under another name)"
	assert_equal "$status" 0
	[[ -s $GT/twice.out/report.txt ]]
}

# ---- usage ---------------------------------------------------------------

@test "make grade without a submission, or with a bad lesson, is a usage error" {
	run gmake grade
	assert_failure 2
	assert_output --partial "make grade: say which submission"
	run gmake grade SUBMISSION="$GT/class/starter" LESSONS=77
	assert_failure 2
	assert_output --partial "there is no lesson '77' here"
}

@test "OUT inside the submission is refused" {
	run gmake grade SUBMISSION="$GT/class/starter" OUT="$GT/class/starter/out"
	assert_failure 2
	assert_output --partial "which must stay untouched"
	[[ ! -e $GT/class/starter/out ]]
}
