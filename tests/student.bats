#!/usr/bin/env bats
# tests/student.bats - the student's loop, on a clean clone of the toolkit:
# every command the README's "How a student works" section tells a
# student to type; make watch driven by editing a lesson's file; hints,
# reset and progress; the quiet build.
#
# The clone is the work tree as a commit would hold it (tracked files and
# new ones git does not ignore, as they are now), made into a git checkout
# of its own in build/, and built from nothing.  Its make runs in an
# environment as a user's shell has it (none of this run's variables),
# with this run's bats.  The lessons are the Makefile's: L1 and L2 are the
# first two, so nothing here depends on what a lesson teaches.

setup_file() {
	load helper
	lab_setup_file
	# make check runs every lesson's tests: minutes on a busy machine,
	# more than the backstop tests/bats.bash sets for other files.  Each
	# program run here has its own bound (student, watch_expect).
	[[ -z ${BATS_TEST_TIMEOUT:-} ]] || export BATS_TEST_TIMEOUT=1200
	export CLONE=$LAB_ROOT/build/student-test.$$
	rm -rf "$CLONE"
	clone_tree "$CLONE"
	# shellcheck disable=SC2016 # for make
	read -ra all <<<"$(make -s -C "$LAB_ROOT" --no-print-directory \
		-f Makefile -f - print-lessons \
		<<<'print-lessons: ; @echo $(LESSONS)')"
	export L1=${all[0]} L2=${all[1]:-}
	export N1=${L1%%-*} N2=${L2%%-*}
	local files=("$LAB_ROOT/lessons/$L1"/*.c)
	export P1=${files[0]##*/}
}

teardown_file() {
	[[ -n ${STUDENT_TEST_KEEP:-} ]] || rm -rf "$CLONE"
}

setup() {
	load helper
	bats_require_minimum_version 1.5.0
	WATCH_PID=
	MARK=student-test-$$-$RANDOM
	student_env=(HOME="$HOME" PATH="$BATS_ROOT/bin:$PATH"
		TMPDIR="${TMPDIR:-/tmp}" LAB_BATS="$BATS_ROOT/bin/bats"
		BATS_LIB_PATH="$BATS_LIB_PATH" STUDENT_TEST_MARK="$MARK")
}

teardown() {
	[[ -n ${BATS_TEST_COMPLETED:-} || ! -s $BATS_TEST_TMPDIR/command ]] ||
		echo "while running: $(cat "$BATS_TEST_TMPDIR/command")"
	[[ -z $WATCH_PID ]] || kill -KILL -- "-$WATCH_PID" 2>/dev/null
	lab_kill_marked "STUDENT_TEST_MARK=$MARK"
	[[ -z $WATCH_PID ]] || wait "$WATCH_PID" 2>/dev/null
	true
}

# clone_tree DIR: the work tree as a commit would hold it, in DIR, as a
# git checkout of its own.
clone_tree() {
	mkdir -p "$1"
	if git -C "$LAB_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1
	then
		git -C "$LAB_ROOT" ls-files -z --cached --others --exclude-standard |
			tar -C "$LAB_ROOT" --null -T - --ignore-failed-read -cf - \
				2>/dev/null | tar -C "$1" -xf -
		git -C "$1" init -q &&
			git -C "$1" add -A &&
			git -C "$1" -c user.name=student -c user.email=student@lab \
				commit -qm "the toolkit" || return 1
	else
		tar -C "$LAB_ROOT" --exclude=./build -cf - . | tar -C "$1" -xf -
	fi
}

# student CMD...: run CMD in the clone (or DIR) as a student's shell
# would, bounded (make check runs every lesson's tests: minutes on a
# busy machine).  Everything it starts carries STUDENT_TEST_MARK.
student() {
	(cd "${DIR:-$CLONE}" &&
		exec env -i "${student_env[@]}" ${WATCH_POLL:+WATCH_POLL=1} \
			timeout -k 1 "${STUDENT_TIMEOUT:-600}" "$@")
}
student_env=()
smake() { student make --no-print-directory "$@"; }

# ---- every command of the README's student section ---------------------------

# readme_commands: each `make ...` the README's "How a student works"
# tells a student to type (in backticks, or a code block's line), in the
# README's order, once each; NN made lesson 1's number.
readme_commands() {
	awk '/^## How a student works/ { on = 1; next } /^## / { on = 0 }
		!on { next }
		/^```/ { code = !code; next }
		code { if ($0 ~ /^make /) { sub(/[[:space:]]+#.*/, ""); print }
			next }
		{
			s = $0
			while (match(s, /`make [^`]*`/)) {
				print substr(s, RSTART + 1, RLENGTH - 2)
				s = substr(s, RSTART + RLENGTH)
			}
		}' "$LAB_ROOT/README.md" |
		sed "s/NN-slug/$L1/g; s/NN/$N1/g; s/<commit>/HEAD/g" |
		awk '!seen[$0]++'
}

# readme_run COMMAND: run one README command in the clone and check it
# did what the README says.
readme_run() {
	local -a words
	read -ra words <<<"${1#make }"
	case $1 in
	"make lesson-$N1" | "make solution-$N1")
		run smake "${words[@]}"
		assert_success
		# At most 5 lines before the demo's first ("Lesson NN...").
		local k=0
		while ((k < ${#lines[@]})) && [[ ${lines[k]} != Lesson* ]]; do
			k=$((k + 1))
		done
		((k < ${#lines[@]})) || fail "no demo: $output"
		((k <= 5)) || fail "$k lines before the demo: $output" ;;
	"make lesson-$N1 ARGS="*)
		run smake "${words[@]}"
		assert_success ;;
	"make check-$N1")
		run smake "${words[@]}"
		assert_failure	# the starter
		assert_line --regexp '^not ok [0-9]+ ' ;;
	"make check")
		STUDENT_TIMEOUT=900 run smake check
		assert_failure
		assert_line --regexp "^$L1 +[0-9]+ / [0-9]+ "
		assert_line "Next: lesson $L1.  Read lessons/$L1/README.md, then" ;;
	"make progress")
		run smake progress
		assert_line --regexp "^total +[0-9]+ / [0-9]+$"
		assert_line --partial "Next: lesson " ;;
	"make help")
		run smake help
		assert_success
		local t
		for t in watch hint- reset- progress check-; do
			assert_output --partial "make $t"
		done ;;
	"make watch" | "make watch-$N1")
		watch_start "${words[@]}"
		watch_expect "^score: " 300
		watch_expect "^Save to check again; Ctrl-C to stop\.$"
		watch_ctrl_c ;;
	"make hint-$N1" | "make hint-$N1 N="*)
		run smake "${words[@]}"
		assert_success
		assert_line --index 0 --regexp "^Hint [0-9]+ of [0-9]+ for lesson $L1:$" ;;
	"make reset-$N1" | "make reset-$N1 FROM="*)
		echo "/* mine */" >>"$CLONE/lessons/$L1/$P1"
		run smake "${words[@]}"
		assert_success
		assert_line --index 0 --partial "Your version is saved as build/reset/$L1/"
		run git -C "$CLONE" status --porcelain -- "lessons/$L1"
		assert_output "" ;;
	*) fail "the README tells students to type '$1', and no test runs it" ;;
	esac
}

@test "every command the README's student section gives works on a clean clone" {
	local cmd
	local -a cmds
	mapfile -t cmds < <(readme_commands)
	((${#cmds[@]} >= 8)) || fail "found only: ${cmds[*]}"
	# The first one builds from nothing.
	rm -rf "$CLONE/build"
	for cmd in "${cmds[@]}"; do
		echo "$cmd" >"$BATS_TEST_TMPDIR/command"
		readme_run "$cmd"
	done
}

# ---- progress -----------------------------------------------------------------

@test "make progress: the last results without running the tests; a changed lesson runs again" {
	local prog=lessons/$L1/$P1
	smake "reset-$N1" >/dev/null
	# Results for every lesson (the README's test left them, by make
	# check; if not, this runs every lesson's tests).
	STUDENT_TIMEOUT=900 run smake progress
	assert_line --regexp "^$L1 +[0-9]+ / [0-9]+ +[0-9]+ failed"
	assert_line "Next: lesson $L1.  Read lessons/$L1/README.md, then"
	assert_line "Done: a lesson is done when every one of its tests passes."
	local table=$output
	rm -rf "$CLONE/build/progress/run"
	run smake progress
	assert_line --index 0 "(nothing changed since the last check: its results)"
	assert_equal "$(grep -E '^[0-9]+-|^total' <<<"$output")" \
		"$(grep -E '^[0-9]+-|^total' <<<"$table")"
	[[ ! -e $CLONE/build/progress/run ]] || fail "make progress ran tests"
	cp "$LAB_ROOT/solutions/$L1/$P1" "$CLONE/$prog"
	run smake progress
	assert_line --index 0 "checking $L1 (changed since the last check, or never checked)..."
	assert_line --regexp "^$L1 +([0-9]+) / \1 +done"
	[[ -z $L2 ]] || assert_line "Next: lesson $L2.  Read lessons/$L2/README.md, then"
	smake "reset-$N1" >/dev/null
}

# ---- make watch, driven -------------------------------------------------

# watch_start [DIR] MAKE-ARG...: start make in DIR (the clone) as a
# terminal would, Ctrl-C reaching it (SIGINT at its default, its own
# process group), its output read line by line from a FIFO.
watch_start() {
	local fifo=$BATS_TEST_TMPDIR/watch.fifo
	WATCH_LOG=$BATS_TEST_TMPDIR/watch.log
	: >"$WATCH_LOG"
	rm -f "$fifo" && mkfifo "$fifo"
	# (No timeout(1) here: it would be the process group Ctrl-C reaches.
	# watch_expect bounds every wait; teardown kills what is left.)
	(cd "$CLONE" && exec env -i "${student_env[@]}" \
		${WATCH_POLL:+WATCH_POLL=1} env --default-signal=INT,QUIT \
		setsid make --no-print-directory "$@") \
		</dev/null >"$fifo" 2>&1 3>&- 4>&- &
	WATCH_PID=$!	# make's: setsid needs no fork here
	exec {WATCH_FD}<"$fifo"
}

# watch_expect REGEX [SECONDS]: read the watch's lines until one matches
# REGEX, within SECONDS (60); fail, showing what it said, if none does.
watch_expect() {
	local line end=$((SECONDS + ${2:-60}))
	while ((SECONDS < end)) &&
		IFS= read -r -t $((end - SECONDS + 1)) line <&"$WATCH_FD"; do
		printf '%s\n' "$line" >>"$WATCH_LOG"
		[[ ! $line =~ $1 ]] || return 0
	done
	fail "$(printf '%s\n' "make watch never said /$1/ within ${2:-60} s:" \
		"$(cat "$WATCH_LOG")")"
}

# watch_save FILE FROM: save FROM as FILE, as an editor does, and wait
# for the watch to start checking it; sets WATCH_LATENCY (ms).
watch_save() {
	local began=${EPOCHREALTIME/./}
	cat "$2" >"$CLONE/$1"
	watch_expect "saved $1: checking lesson " 10
	WATCH_LATENCY=$(((${EPOCHREALTIME/./} - began) / 1000))
	echo "re-check began $WATCH_LATENCY ms after the save" >>"$WATCH_LOG"
}

# watch_ctrl_c: Ctrl-C, then wait for every process that holds the
# watch's output to end (its end of file), and for make.  Nothing the
# watch started may be left running.
watch_ctrl_c() {
	local line status=0 got
	kill -INT -- "-$WATCH_PID"
	while :; do
		got=0
		IFS= read -r -t 20 line <&"$WATCH_FD" || got=$?
		((got > 128)) && fail "$(printf '%s\n' \
			"make watch did not stop within 20 s of Ctrl-C:" \
			"$(cat "$WATCH_LOG")")"
		[[ -z $line ]] || printf '%s\n' "$line" >>"$WATCH_LOG"
		((got == 0)) || break	# the end: nobody holds its output
	done
	wait "$WATCH_PID" || status=$?
	WATCH_PID=
	exec {WATCH_FD}<&-
	((status != 0)) || fail "make watch ended with status 0"
	run cat "$WATCH_LOG"
	assert_line "watch: stopped."
	# make says it was interrupted (and fails, as after any Ctrl-C).
	assert_line --regexp "^make: \*\*\* .*watch.*Interrupt"
	run grep -lsxzF "STUDENT_TEST_MARK=$MARK" /proc/[0-9]*/environ
	assert_output ""
}

# watch_session HOW: lesson 1 from its starter to done, under make watch-N1.
watch_session() {
	local prog=lessons/$L1/$P1 bad=$BATS_TEST_TMPDIR/bad.c
	smake reset-"$N1" >/dev/null
	rm -rf "$CLONE/build/hints"
	watch_start "watch-$N1"
	watch_expect "^[0-9:]+ start: checking lesson $L1$"
	# The first failing test, with bats' account of it, then the score.
	watch_expect "^✗ "
	watch_expect "^    "
	watch_expect "^score: [0-9]+ / [0-9]+: [0-9]+ failed"
	watch_expect "^stuck\? make hint-$N1 shows hint 1 of [0-9]+$"
	watch_expect "^watching lessons/$L1 \($1"
	# A compile error: the compiler's own words, then no tests.
	{ cat "$CLONE/$prog"; echo "int oops = ;"; } >"$bad"
	watch_save "$prog" "$bad"
	watch_expect "^$prog:[0-9]+:[0-9]+: error: " 30
	watch_expect "^score: 0( / [0-9]+)?: does not compile"
	# The solution: done, and the next lesson.
	watch_save "$prog" "$LAB_ROOT/solutions/$L1/$P1"
	watch_expect "^score: ([0-9]+) / \1: done"
	if [[ -n $L2 ]]; then
		watch_expect "^lesson $N1 done: next is lesson $N2 "
	else
		watch_expect "^lesson $N1 done: every lesson is done$"
	fi
	# Ctrl-C in the middle of a check: nothing left running.
	watch_save "$prog" "$LAB_ROOT/lessons/$L1/$P1"
	watch_ctrl_c
	run cat "$WATCH_LOG"
	refute_line --regexp "^score: .*make check-"	# said below it, once
}

@test "make watch-NN, polling the files' times: from the starter to done, Ctrl-C ends all" {
	WATCH_POLL=1 watch_session "a look at the files' times"
}

@test "make watch-NN with inotifywait: the same session" {
	require inotifywait
	watch_session inotifywait
}

@test "make watch: a save in another lesson checks that lesson" {
	[[ -n $L2 ]] || skip "needs two lessons"
	local -a files=("$CLONE/lessons/$L2"/*.c)
	local prog2=lessons/$L2/${files[0]##*/}
	WATCH_POLL=1 watch_start watch
	watch_expect "^Save to check again; Ctrl-C to stop\.$" 120
	{ cat "$CLONE/$prog2"; echo "int oops = ;"; } >"$BATS_TEST_TMPDIR/bad.c"
	watch_save "$prog2" "$BATS_TEST_TMPDIR/bad.c"
	watch_expect "^$prog2:[0-9]+:[0-9]+: error: " 30
	watch_expect "^score: 0"
	watch_ctrl_c
	smake reset-"$N2" >/dev/null
}

# ---- hints ----------------------------------------------------------------

# hints_of FILE: how many hints FILE holds (fortune format: %% lines).
hints_of() {
	awk '/^%%$/ { if (body) n++; body = 0; next }
		/[^[:space:]]/ { body = 1 } END { print n + body }' "$1"
}

@test "lessons 01 to 06 have 3 hints or more; every lesson's hints.txt is well formed" {
	local l file n
	for l in "$LAB_ROOT"/lessons/*/; do
		l=$(basename "$l") file=$LAB_ROOT/lessons/$l/hints.txt
		case $l in
		0[1-6]-*) [[ -f $file ]] || fail "lessons/$l has no hints.txt" ;;
		*) [[ -f $file ]] || continue ;;
		esac
		n=$(hints_of "$file")
		((n >= 3)) || fail "lessons/$l/hints.txt has $n hints, not 3"
		# A separator holds exactly %%: nothing else on the line.
		run grep -n -E '^[[:space:]]*%%[[:space:]]*$' "$file"
		refute_line --regexp '^[0-9]+:([[:space:]]+%%|%%[[:space:]]+)'
	done
}

@test "make hint-NN: one hint at a time, remembered, then no more" {
	local n i
	n=$(hints_of "$CLONE/lessons/$L1/hints.txt")
	rm -rf "$CLONE/build/hints"
	for ((i = 1; i <= n; i++)); do
		run smake "hint-$N1"
		assert_success
		assert_line --index 0 "Hint $i of $n for lesson $L1:"
		# Its text, as the file has it.
		assert_output --partial "  $(awk -v k="$i" \
			'/^%%$/ { k--; next } k == 1 && NF { print; exit }' \
			"$CLONE/lessons/$L1/hints.txt")"
	done
	assert_line "(that was the last hint for lesson $L1)"
	run smake "hint-$N1"
	assert_success
	assert_line --index 0 "No more hints for lesson $L1: you have seen all $n."
	run smake "hint-$N1" N=2
	assert_success
	assert_line --index 0 "Hint 2 of $n for lesson $L1:"
	run smake "hint-$N1" N=0
	assert_failure 2
	run smake hint-00
	assert_failure 2
	assert_output --partial "there is no lesson 00 here"
}

@test "make hint-NN reads any lesson's hints.txt, %% lines apart" {
	mkdir -p "$BATS_TEST_TMPDIR/kit"
	DIR=$BATS_TEST_TMPDIR/kit
	cp -R "$CLONE/lessons" "$CLONE/tools" "$DIR/"
	printf '%s\n' "" "first," "  two lines" "%%" "second" "" "%%" "%%" \
		"third" >"$DIR/lessons/$L1/hints.txt"
	run env DIR="$DIR" LESSONS="$L1" LAB_OUT="$DIR/build" bash -c 'cd "$DIR" &&
		for i in 1 2 3 4; do tools/student.bash hint "$LESSONS"; done'
	assert_success
	assert_line "Hint 1 of 3 for lesson $L1:"
	assert_line "  first,"
	assert_line "    two lines"
	assert_line "Hint 2 of 3 for lesson $L1:"
	assert_line "  second"
	assert_line "Hint 3 of 3 for lesson $L1:"
	assert_line "  third"
	assert_line "No more hints for lesson $L1: you have seen all 3."
}

# ---- reset ----------------------------------------------------------------

@test "make reset-NN: saves the student's version, then the starter from git" {
	local prog=lessons/$L1/$P1 saved
	smake "lesson-$N1" ARGS=--help >/dev/null
	cp "$LAB_ROOT/solutions/$L1/$P1" "$CLONE/$prog"
	run smake "reset-$N1"
	assert_success
	assert_line --index 0 --regexp "^Your version is saved as build/reset/$L1/[0-9-]+/$P1$"
	assert_line --index 1 "$prog is the untouched starter again, from git (HEAD)."
	saved=${lines[0]#Your version is saved as }
	cmp "$CLONE/$saved" "$LAB_ROOT/solutions/$L1/$P1"
	run git -C "$CLONE" status --porcelain -- "$prog"
	assert_output ""
	run smake "reset-$N1"
	assert_success
	assert_output "$prog is already the untouched starter: nothing to do."
}

@test "make reset-NN outside git: from the copy taken at the first build" {
	local prog=lessons/$L1/$P1
	DIR=$BATS_TEST_TMPDIR/kit
	mkdir -p "$DIR"
	tar -C "$CLONE" --exclude=./build --exclude=./.git -cf - . |
		tar -C "$DIR" -xf -
	run smake "build/lessons/$L1/${P1%.c}"
	assert_success
	cp "$LAB_ROOT/solutions/$L1/$P1" "$DIR/$prog"
	run smake "reset-$N1"
	assert_success
	assert_line --index 1 --partial "from the copy kept in build/starters/$L1/"
	cmp "$DIR/$prog" "$LAB_ROOT/lessons/$L1/$P1"
	rm -rf "$DIR/build/starters"
	cp "$LAB_ROOT/solutions/$L1/$P1" "$DIR/$prog"
	run smake "reset-$N1"
	assert_failure
	assert_output --partial "no untouched copy of $prog"
	cmp "$DIR/$prog" "$LAB_ROOT/solutions/$L1/$P1"
}

# ---- the quiet build --------------------------------------------------------

@test "the build says one short line a file, shows warnings, and V=1 the commands" {
	local prog=lessons/$L1/$P1
	smake "build/lessons/$L1/${P1%.c}" >/dev/null
	{ cat "$CLONE/$prog"; echo "static int unused(void) { return 0; }"; } \
		>"$BATS_TEST_TMPDIR/warn.c"
	cp "$BATS_TEST_TMPDIR/warn.c" "$CLONE/$prog"
	run --separate-stderr smake "build/lessons/$L1/${P1%.c}"
	assert_success
	assert_equal "${lines[0]}" "CC $prog"
	assert_equal "${lines[1]}" "LD build/lessons/$L1/${P1%.c}"
	assert_equal "${#lines[@]}" 2
	assert_regex "$stderr" "$prog:[0-9]+:[0-9]+: warning: .*unused"
	touch "$CLONE/$prog"
	run smake V=1 "build/lessons/$L1/${P1%.c}"
	assert_success
	assert_line --partial " -std=c11 "
	assert_line --partial "-c $prog -o build/lessons/$L1/${P1%.c}.o"
	smake "reset-$N1" >/dev/null
}
