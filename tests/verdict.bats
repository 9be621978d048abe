#!/usr/bin/env bats
# tests/verdict.bats - the same code gets the same verdict on every
# machine.  The grader (grader/score.bash) grades the untouched starters
# of every lesson, the solutions, and known-wrong solutions (made here
# from the solutions, one bug each), on this machine as it is and on the
# same machine made bare:
#
#   - socat, ncat, ss, tcpdump and unshare hidden from PATH (so no
#     namespaces either: every one the toolkit makes goes through
#     unshare), as the user running this and, when that is root, as an
#     ordinary user too;
#   - and, where this runs as root with unshare and ip, without IPv6:
#     a network namespace whose loopback has no ::1 (the IPv6 tests run
#     under the toolkit's IPv6 shim, tools/loop6.c).
#
# Each gets exactly the verdict, test by test, that it gets here.  Only
# what truly cannot run may differ (IPv6, when the shim is missing too):
# then the report says so at its top, leaves those tests out of both
# the score and the maximum, and the exit status is 1 (STRICT=1 fails).
# Exercise tests only, to be quick: they are the ones that must need
# nothing optional (a skip of another test gives its points).

setup_file() {
	load helper
	lab_setup_file
	export VT=$LAB_ROOT/build/verdict-test.$$
	rm -rf "$VT" && mkdir -p "$VT"
	# Every lesson of the Makefile's list.
	# shellcheck disable=SC2016 # for make
	LESSONS_ALL=$(make -s -C "$LAB_ROOT" -f Makefile -f - print-lessons \
		<<<'print-lessons: ; @echo $(LESSONS)')
	export LESSONS_ALL
	make_bare_path
	make_wrong
	export VT_ROOT=0 VT_NOIPV6=0
	[[ $(id -u) == 0 ]] && command -v setpriv >/dev/null &&
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			test -r "$LAB_ROOT/tests/helper.bash" && VT_ROOT=1
	[[ $(id -u) == 0 ]] && command -v unshare >/dev/null &&
		command -v ip >/dev/null && unshare -n true 2>/dev/null &&
		[[ -e /proc/sys/net/ipv6/conf/lo/disable_ipv6 ]] && VT_NOIPV6=1
	# Two gradings at a time.  The starters of the lessons whose exercise
	# tests needed optional tools before (03, 04), the solutions of every
	# lesson: none of their exercise tests may skip, whatever the lesson.
	{
		grade starters.here "$LAB_OUT/lessons" here 03-client 04-server
		grade wrong.here "$VT/wrong" here 03-client 04-server
		grade wrong4.here "$VT/wrong4" here 03-client
		if ((VT_NOIPV6)); then
			grade wrong4.noipv6 "$VT/wrong4" noipv6 03-client
			grade solutions.noshim "$LAB_OUT/solutions" noshim \
				03-client 05-partial-reads 06-partial-writes
		fi
	} >/dev/null 2>&1 3>&- 4>&- &
	{
		# shellcheck disable=SC2086 # a word a lesson
		grade solutions.bare "$LAB_OUT/solutions" bare $LESSONS_ALL
		grade starters.bare "$LAB_OUT/lessons" bare 03-client 04-server
		grade wrong.bare "$VT/wrong" bare 03-client 04-server
		grade wrong4.bare "$VT/wrong4" bare 03-client
		if ((VT_ROOT)); then
			grade starters.nobody "$LAB_OUT/lessons" nobody \
				03-client 04-server
			grade wrong.nobody "$VT/wrong" nobody 03-client 04-server
		fi
		if ((VT_NOIPV6)); then
			grade solutions.noipv6 "$LAB_OUT/solutions" noipv6 \
				03-client 05-partial-reads 06-partial-writes
			grade wrong4.noshim "$VT/wrong4" noshim 03-client
		fi
	} >/dev/null 2>&1 3>&- 4>&- &
	wait
}

teardown_file() {
	[[ -n ${VERDICT_TEST_KEEP:-} ]] || rm -rf "$VT"	# keep it to look
}

setup() {
	load helper
	bats_require_minimum_version 1.5.0
}

# ---- the bare machine ----------------------------------------------------

# make_bare_path: $VT/bare/bin, every command on PATH but the optional
# ones.  (Two folders down: the Makefile reads build/*/*/*.d as its
# own, and invoke-rc.d is a command.)
# (One bash of its own: bats would trace every step of a loop here.)
make_bare_path() {
	mkdir -p "$VT/bare/bin"
	bash -c 'IFS=: read -ra dirs <<<"$PATH"
		for dir in "${dirs[@]}"; do
			for cmd in "$dir"/*; do
				name=${cmd##*/}
				[[ -f $cmd && -x $cmd && ! -e $1/$name ]] || continue
				case $name in
				socat | ncat | nc | ss | tcpdump | unshare) ;;
				*) ln -s "$cmd" "$1/$name" ;;
				esac
			done
		done' bare "$VT/bare/bin"
}

# ---- known-wrong solutions -----------------------------------------------
# Each is the solution with one bug that only a test which needed an
# optional tool used to catch.  A substitution that no longer applies
# (the solution changed) fails the tests here: update it.

# wrong TREE LESSON PERL-SUBSTITUTION: build the solution of LESSON with
# the substitution applied into TREE/LESSON/PROG.
wrong() {
	local tree=$1 lesson=$2 src prog cc=${CC:-cc}
	local -a san=()
	src=$(echo "$LAB_ROOT/solutions/$lesson"/*.c)
	prog=$(basename "$src" .c)
	mkdir -p "$tree/$lesson"
	perl -0pe "$3" "$src" >"$tree/$lesson/$prog.c"
	if cmp -s "$src" "$tree/$lesson/$prog.c"; then
		echo "$lesson: the substitution '$3' no longer applies" \
			>>"$VT/wrong.errors"
		return 1
	fi
	# Under make SANITIZE=1 everything is built with the sanitizers.
	# shellcheck disable=SC2054 # the commas are the option's
	[[ -z ${LAB_SAN_LOGS:-} ]] ||
		san=(-fsanitize=address,undefined -fno-omit-frame-pointer
			-fno-sanitize-recover=all)
	"$cc" -std=c11 -D_POSIX_C_SOURCE=200809L -I"$LAB_ROOT/common" \
		-I"$LAB_ROOT/demo" -O2 "${san[@]}" "$tree/$lesson/$prog.c" \
		"$LAB_OUT/demo/libdemo.a" "$LAB_OUT/common/libcommon.a" \
		-o "$tree/$lesson/$prog" 2>>"$VT/wrong.errors"
}

make_wrong() {
	: >"$VT/wrong.errors"
	# 03: tries only the first address of a name (was caught only with
	# a private /etc/hosts, in a user namespace, with IPv6).
	wrong "$VT/wrong" 03-client \
		's/\t\tif \(fd != -1\)\n\t\t\tbreak;/\t\tbreak;/'
	# 04: waits for room in a blocking send(), where SIGTERM cannot stop
	# it (was caught only with ss).
	wrong "$VT/wrong" 04-server \
		's/\t\tif \(!wait_ready\(fd, 1\)\)\n\t\t\treturn 0;\n\t\tm = send\(fd, buf, n, MSG_NOSIGNAL \| MSG_DONTWAIT\);/\t\tm = send(fd, buf, n, MSG_NOSIGNAL);/'
	# 03: asks getaddrinfo for IPv4 only: only IPv6 catches it.
	wrong "$VT/wrong4" 03-client \
		's/hints.ai_family = AF_UNSPEC;/hints.ai_family = AF_INET;/'
}

# ---- grading -------------------------------------------------------------

# links_to FROM TO [SKIP]: TO, a folder of links to what FROM holds but
# SKIP (a name in FROM, or in FROM/tools as tools/NAME): the toolkit's
# build as the grader sees it, in a folder where it may write.
links_to() {
	local entry
	mkdir -p "$2"
	for entry in "$1"/*; do
		if [[ -n ${3:-} && ${entry##*/} == "${3%%/*}" && $3 == */* ]]; then
			links_to "$entry" "$2/${entry##*/}" "${3#*/}"
		elif [[ ${entry##*/} != "${3:-}" ]]; then
			ln -s "$entry" "$2/${entry##*/}"
		fi
	done
}

# grade NAME TREE HOW LESSON...: grade TREE's exercise tests of the
# lessons into $VT/NAME (the reports), $VT/NAME.status (exit status) and
# $VT/NAME.log.  HOW: here (this machine as it is), bare (the optional
# tools hidden), nobody (bare, as user nobody), noipv6 (bare, in a
# network namespace without IPv6), noshim (noipv6, and the toolkit
# without its IPv6 shim: IPv6 truly cannot be had).
grade() {
	local name=$1 tree=$2 how=$3 out=$VT/$1 labout=$LAB_OUT status=0
	local path=$VT/bare/bin home=$VT/home.$1
	local -a as=() keep=()
	shift 3
	[[ $how == here ]] && path=$PATH
	mkdir -p "$out" "$home"
	case $how in
	nobody)
		# All it writes, it writes in folders of its own.
		labout=$VT/labout.$name
		links_to "$LAB_OUT" "$labout"
		chown 65534:65534 "$out" "$home" "$labout"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups) ;;
	noipv6 | noshim)
		if [[ $how == noshim ]]; then
			labout=$VT/labout.$name
			links_to "$LAB_OUT" "$labout" tools/loop6.so
		fi
		as=(unshare -n sh -c 'ip link set lo up &&
			echo 1 >/proc/sys/net/ipv6/conf/lo/disable_ipv6 &&
			exec "$@"' sh) ;;
	esac
	# As a user's shell has it: nothing of this bats run (its variables
	# and exported functions would confuse the bats run inside).
	local var
	for var in LANG LC_ALL ASAN_OPTIONS UBSAN_OPTIONS LAB_SAN_LOGS \
		LAB_TIMEOUT BATS_LIB_PATH; do
		[[ -n ${!var+set} ]] && keep+=("$var=${!var}")
	done
	"${as[@]}" env -i "${keep[@]}" PATH="$path" HOME="$home" \
		TMPDIR="$home" LAB_OUT="$labout" LAB_BIN="$tree" \
		LAB_BATS="$BATS_ROOT/bin/bats" SCORE_JOBS=1 \
		"$LAB_ROOT/grader/score.bash" --quiet --tags exercise \
		--out "$out" --name "$name" "$@" >"$out.log" 2>&1 || status=$?
	echo "$status" >"$out.status"
}

# ---- reading the reports -------------------------------------------------

# verdicts NAME: each test's lesson, status, score, max and name.
verdicts() {
	awk -F'\t' '{ print $1, $3, $4, $5, $8 }' "$VT/$1/tests.tsv"
}

# graded NAME: as verdicts, but only the tests that were graded.
graded() {
	awk -F'\t' '$3 != "ungraded" { print $1, $3, $4, $5, $8 }' \
		"$VT/$1/tests.tsv"
}

# scores NAME: lesson, score and max, a line a lesson.
scores() {
	cut -f1-3 "$VT/$1/scores.tsv"
}

# ran NAME: the grading ran and wrote its reports.
ran() {
	[[ -s $VT/$1/tests.tsv ]] ||
		fail "grading $1 wrote no reports: $(cat "$VT/$1.log")"
	run cat "$VT/$1.status"
	[[ $output == [01] ]] ||
		fail "grading $1 exited $output: $(cat "$VT/$1.log")"
}

# same NAME1 NAME2: the same verdict on every test, the same scores.
same() {
	ran "$1"
	ran "$2"
	run diff <(verdicts "$1") <(verdicts "$2")
	assert_success
	run diff <(scores "$1") <(scores "$2")
	assert_success
}

# ---- the tests -------------------------------------------------------------

@test "the known-wrong solutions are built" {
	run cat "$VT/wrong.errors"
	assert_output ""
}

@test "bare (socat, ncat, ss, tcpdump, unshare hidden): the starters score as here" {
	same starters.here starters.bare
}

@test "bare, as an ordinary user: the starters score as here" {
	((VT_ROOT)) ||
		skip "needs root, and a checkout user nobody can read, to be another user"
	same starters.here starters.nobody
}

@test "bare: known-wrong solutions get the verdicts they get here, each caught" {
	same wrong.here wrong.bare
	same wrong4.here wrong4.bare
	# Each wrong program fails a test of its lesson.
	local lesson
	for lesson in 03-client 04-server; do
		run grep -c $'^'"$lesson"$'\t[0-9]*\tfailed\t' \
			"$VT/wrong.bare/tests.tsv"
		((output > 0)) || fail "the wrong $lesson passed every test"
	done
	# (wrong4: IPv4 only, caught where the machine has IPv6.)
	has_ipv6 || return 0
	run grep -c $'\tfailed\t' "$VT/wrong4.bare/tests.tsv"
	((output > 0)) || fail "the IPv4-only client passed every test"
}

@test "bare, as an ordinary user: known-wrong solutions get the verdicts they get here" {
	((VT_ROOT)) ||
		skip "needs root, and a checkout user nobody can read, to be another user"
	same wrong.here wrong.nobody
}

@test "bare: no exercise test of any lesson skips; the solutions pass them all" {
	ran solutions.bare
	ran starters.bare
	run awk -F'\t' '$3 == "skipped" || $3 == "ungraded"' \
		"$VT/solutions.bare/tests.tsv" "$VT/starters.bare/tests.tsv"
	assert_output ""
	# (Each failure's line, to name the test and say what it got.)
	run awk -F'\t' '$3 == "failed"' "$VT/solutions.bare/tests.tsv"
	assert_output ""
	# Every lesson was graded, and none of them is 0 of 0.
	local lesson
	for lesson in $LESSONS_ALL; do
		run awk -F'\t' -v l="$lesson" '$1 == l && $3 > 0' \
			"$VT/solutions.bare/scores.tsv"
		refute_output ""
	done
}

@test "no exercise test of any lesson asks for an optional tool or skips" {
	# The source says it before any machine does: in a test tagged
	# exercise, no require, require_ipv6, require_private_net,
	# require_unprivileged nor skip (cannot_run is for what truly cannot
	# run, and says so).  Tags as bats reads them.
	local lesson
	for lesson in $LESSONS_ALL; do
		run awk -v file="$lesson.bats" '
			/^[[:blank:]]*#[[:blank:]]*bats[[:blank:]]+test_tags=/ {
				tags = $0 }
			/^[[:blank:]]*#[[:blank:]]*bats[[:blank:]]+file_tags=/ {
				ftags = $0 }
			/^[[:blank:]]*@test[[:blank:]]/ {
				ex = (tags ftags) ~ /[=,[:blank:]]exercise([,[:blank:]]|$)/
				name = $0; tags = ""; next }
			/^}/ { ex = 0 }
			ex && /(^|[^[:alnum:]_])(require(_ipv6|_private_net|_unprivileged)?|skip)([[:blank:]]|$)/ {
				print file ": " name ": " $0 }' \
			"$LAB_ROOT/tests/$lesson.bats"
		assert_output ""
	done
}

@test "no IPv6: the IPv6 tests still run (tools/loop6.c), with the verdicts they get here" {
	((VT_NOIPV6)) ||
		skip "needs root, unshare and ip (a network namespace without IPv6)"
	same wrong4.here wrong4.noipv6
	# The IPv4-only client is caught there too.
	run grep -c $'\tfailed\t' "$VT/wrong4.noipv6/tests.tsv"
	((output > 0)) || fail "the IPv4-only client passed every test"
	ran solutions.noipv6
	run awk -F'\t' '$3 != "passed"' "$VT/solutions.noipv6/tests.tsv"
	assert_output ""
}

@test "no IPv6 to be had: the report names what was not graded, first; score and max leave it out" {
	((VT_NOIPV6)) ||
		skip "needs root, unshare and ip (a network namespace without IPv6)"
	ran solutions.noshim
	ran solutions.noipv6
	# The IPv6 tests, and nothing else, were not graded, each saying why.
	run awk -F'\t' '$3 == "ungraded" { print $1 ": " $8 " | " $7 }' \
		"$VT/solutions.noshim/tests.tsv"
	refute_output ""
	local line
	for line in "${lines[@]}"; do
		[[ $line == *": IPv6"*" | not graded on this machine: no IPv6: "* ]] ||
			fail "not graded, and not for IPv6: $line"
	done
	local ungraded=${#lines[@]}
	# At the top of the report, each with its lesson and name.
	run cat "$VT/solutions.noshim/report.txt"
	assert_line --index 0 "NOT GRADED ON THIS MACHINE: $ungraded test(s) could not run here."
	local -a names
	mapfile -t names < <(awk -F'\t' '$3 == "ungraded" { print $1 ": " $8 }' \
		"$VT/solutions.noshim/tests.tsv")
	for line in "${names[@]}"; do
		assert_line "    $line"
	done
	assert_line --regexp '^03-client +[0-9]+ / [0-9]+ +passed all that ran \([0-9]+ not graded\)$'
	# Every other test: the verdict it gets with IPv6.
	run diff <(graded solutions.noshim) <(graded solutions.noipv6 |
		grep -vF -f <(awk -F'\t' '$3 == "ungraded" { print $8 }' \
			"$VT/solutions.noshim/tests.tsv"))
	assert_success
	# Score and maximum leave them out (a point each here).
	local with without
	with=$(awk -F'\t' '{ s += $2; m += $3 } END { print s, m }' \
		"$VT/solutions.noipv6/scores.tsv")
	without=$(awk -F'\t' '{ s += $2; m += $3 } END { print s, m }' \
		"$VT/solutions.noshim/scores.tsv")
	assert_equal "$without" "$((${with% *} - ungraded)) $((${with#* } - ungraded))"
	# In the JSON too: 0 of 0, and not shown as passed.
	run grep -c '"max_score": 0, "status": "failed", "output": "not graded on this machine: no IPv6' \
		"$VT/solutions.noshim/results.json"
	assert_output "$ungraded"
}

@test "no IPv6 to be had: passing all that ran is no pass (exit 1: STRICT=1 fails)" {
	((VT_NOIPV6)) ||
		skip "needs root, unshare and ip (a network namespace without IPv6)"
	ran solutions.noshim
	run cat "$VT/solutions.noshim.status"
	assert_output 1
	run grep -c $'\tfailed\t' "$VT/solutions.noshim/tests.tsv"
	assert_output 0
	# The IPv4-only client: its only catch could not run, and the report
	# says so instead of calling it done.
	ran wrong4.noshim
	run cat "$VT/wrong4.noshim.status"
	assert_output 1
	run cat "$VT/wrong4.noshim/report.txt"
	assert_line --index 0 --partial "NOT GRADED ON THIS MACHINE"
	refute_line --regexp '^03-client .* done$'
}
