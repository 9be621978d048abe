#!/usr/bin/env bash
# tools/student.bash COMMAND [LESSON] - the student's loop, behind make:
#
#   check              every lesson's tests and the score table (make check)
#   progress           the same table from the last results, running again
#                      only the lessons whose program changed (make progress)
#   watch [LESSON]     re-build and re-check the lesson whose file is saved,
#                      every time, until Ctrl-C (make watch, make watch-NN)
#   hint LESSON [N]    the lesson's next hint, or hint N (make hint-NN)
#   reset LESSON [REF] the untouched starter back; the student's version
#                      is saved under build/reset/ first (make reset-NN)
#
# LESSON is a lesson's folder name (01-ports).  The Makefile passes the
# lesson list in LESSONS and itself in MAKE.  Everything it writes goes
# under LAB_OUT (build/):
#   progress/NN-slug.tsv    the last result of a lesson, and the hash of
#                           what it was checked on (the program, its tests,
#                           the libraries): when that hash is unchanged,
#                           the result still holds
#   hints/NN-slug.seen      how many of the lesson's hints were shown
#   reset/NN-slug/WHEN/     the student's program as it was before a reset
#   check/, watch/          the grader's reports of the last runs
# A lesson's hints are in lessons/NN-slug/hints.txt, plain text, one hint
# after another, separated by lines holding exactly %%.
#
# Exit status: 0 ok (check: every lesson done), 1 otherwise (check: some
# test failed), 2 usage error.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
LAB_OUT=${LAB_OUT:-$root/build}
MAKE=${MAKE:-make}
read -ra lessons <<<"${LESSONS:-}"
me=tools/student.bash

die() {
	printf '%s: %s\n' "$me" "$*" >&2
	exit 1
}
usage() {
	echo "usage: $me check | progress | watch [LESSON] | hint LESSON [N] |" \
		"reset LESSON [REF]" >&2
	exit 2
}

# ---- lessons and their files -------------------------------------------

# number LESSON: 01-ports -> 01
number() { printf '%s\n' "${1%%-*}"; }

# program LESSON: the lesson's program source, lessons/NN-slug/<prog>.c
# (the single .c file of its folder, as the Makefile finds it).
program() {
	local files=("lessons/$1"/*.c)
	[[ -f ${files[0]} ]] || return 1
	printf '%s\n' "${files[0]}"
}

# binary LESSON: where the Makefile builds the student's program, as
# the Makefile names it (build/..., relative to the top folder).
binary() {
	local src
	src=$(program "$1") || return 1
	src=${src##*/}
	printf '%s\n' "${LAB_OUT#"$root"/}/lessons/$1/${src%.c}"
}

# known LESSON: is it one of LESSONS?
known() {
	local l
	for l in "${lessons[@]}"; do
		[[ $l == "$1" ]] && return 0
	done
	return 1
}

# ---- results and their cache (progress) ---------------------------------

# fingerprint LESSON: a hash of what the lesson's result depends on: the
# student's program, the lesson's tests and the code it links.
fingerprint() {
	local -a files=(lessons/"$1"/*.[ch] "tests/$1.bats" tests/helper.bash
		common/*.[ch] demo/*.[ch])
	cat -- "${files[@]}" 2>/dev/null | sha256sum | cut -d' ' -f1
}

# cached LESSON: the lesson's last row (lesson, score, max, passed,
# failed, skipped, result: grader/score.bash's scores.tsv) if the lesson
# has not changed since; fails if it has.
cached() {
	local file=$LAB_OUT/progress/$1.tsv hash row
	[[ -r $file ]] || return 1
	IFS= read -r hash <"$file"
	[[ $hash == "$(fingerprint "$1")" ]] || return 1
	row=$(sed -n 2p "$file")
	[[ -n $row ]] && printf '%s\n' "$row"
}

# last_row LESSON: the lesson's last row, changed since or not.
last_row() {
	sed -n 2p "$LAB_OUT/progress/$1.tsv" 2>/dev/null
}

# remember SCORES_TSV HASH_FILE: keep each lesson's row of a grader run
# with the hash its program had when the run began (HASH_FILE: lesson,
# hash a line).
remember() {
	local lesson hash row
	mkdir -p "$LAB_OUT/progress" || return 1
	while read -r lesson hash; do
		row=$(awk -F'\t' -v l="$lesson" '$1 == l' "$1")
		[[ -n $row ]] || continue
		printf '%s\n%s\n' "$hash" "$row" >"$LAB_OUT/progress/$lesson.tsv"
	done <"$2"
}

# fingerprints LESSON...: lesson, hash a line.
fingerprints() {
	local l
	for l in "$@"; do
		printf '%s %s\n' "$l" "$(fingerprint "$l")"
	done
}

# is_done LESSON: did its last check, on its program as it is, pass?
is_done() {
	local row
	row=$(cached "$1") || return 1
	[[ $(cut -f7 <<<"$row") == done* ]]
}

# next_after LESSON: the first lesson after LESSON (then from the first)
# not known to be done; fails when every lesson is.
next_after() {
	local l after=0 i
	for i in 1 2; do
		for l in "${lessons[@]}"; do
			if [[ $l == "$1" ]]; then
				after=1
				continue
			fi
			if ((after || i == 2)) && ! is_done "$l"; then
				printf '%s\n' "$l"
				return 0
			fi
		done
	done
	return 1
}

# grade LESSON...: run the grader on the student's tree, quietly, its
# reports in build/$out; keeps the rows for progress.
grade() {
	local out=$1 hashes
	shift
	mkdir -p "$LAB_OUT/$out" || return 1
	hashes=$LAB_OUT/$out/hashes
	fingerprints "$@" >"$hashes"
	LAB=lessons default_signals grader/score.bash --quiet --hints \
		--out "$LAB_OUT/$out" "$@" >/dev/null
	local status=$?
	remember "$LAB_OUT/$out/scores.tsv" "$hashes"
	return "$status"
}

# table LESSON...: the score table, from the rows kept, as make check's.
table() {
	local l row score max result total=0 all=0
	printf '%-20s %-11s  %s\n' lesson '  score' result
	for l in "$@"; do
		row=$(last_row "$l")
		IFS=$'\t' read -r _ score max _ _ _ result <<<"$row"
		printf '%-20s %4s / %-4s  %s\n' "$l" "${score:-?}" "${max:-?}" \
			"${result:-not checked yet}"
		total=$((total + ${score:-0})) all=$((all + ${max:-0}))
	done
	printf '%-20s %4s / %s\n' total "$total" "$all"
}

# say_next: which lesson to do next, and what "done" means.
say_next() {
	local next nn
	echo
	if next=$(next_after ""); then
		nn=$(number "$next")
		echo "Next: lesson $next.  Read lessons/$next/README.md, then"
		echo "work with make watch-$nn running (make hint-$nn when stuck)."
	else
		echo "Every lesson is done."
	fi
	echo "Done: a lesson is done when every one of its tests passes."
}

# check: make check.  The Makefile has built the starters anew.
cmd_check() {
	local hashes=$LAB_OUT/check/hashes status
	mkdir -p "$LAB_OUT/check" || exit 1
	fingerprints "${lessons[@]}" >"$hashes"
	LAB=lessons grader/score.bash --hints --out "$LAB_OUT/check" \
		"${lessons[@]}"
	status=$?
	remember "$LAB_OUT/check/scores.tsv" "$hashes"
	say_next
	return "$status"
}

# progress: make progress.  Only the lessons that changed since their
# last check (or were never checked) run their tests again.
cmd_progress() {
	local l
	local -a stale=() bins=()
	for l in "${lessons[@]}"; do
		cached "$l" >/dev/null || stale+=("$l")
	done
	if ((${#stale[@]} == 0)); then
		echo "(nothing changed since the last check: its results)"
	else
		echo "checking ${stale[*]} (changed since the last check," \
			"or never checked)..."
		# Each program and its sanitized twin (the tests run both).
		for l in "${stale[@]}"; do
			bins+=("$(binary "$l")")
			bins+=("${bins[-1]}-san")
		done
		rm -f "${bins[@]}"
		"$MAKE" --no-print-directory -s -k "${bins[@]}" >/dev/null 2>&1
		grade progress "${stale[@]}"
	fi
	echo
	table "${lessons[@]}"
	say_next
}

# ---- hints ---------------------------------------------------------------

# hints LESSON: the hints' count; hint_text LESSON N: hint N (from 1),
# without the blank lines around it.
hint_count() {
	awk '/^%%$/ { if (body) n++; body = 0; next }
		/[^[:space:]]/ { body = 1 }
		END { if (body) n++; print n + 0 }' "lessons/$1/hints.txt" \
		2>/dev/null || echo 0
}
hint_text() {
	awk -v want="$2" '
		/^%%$/ { if (body) n++; body = 0; blank = 0; next }
		/[^[:space:]]/ {
			if (!body) { body = 1; blank = 0 }
			if (n + 1 == want) {
				for (; blank > 0; blank--) print ""
				print
			}
			next
		}
		body { blank++ }' "lessons/$1/hints.txt"
}

# seen LESSON: how many hints were shown.
seen() {
	local n
	n=$(cat "$LAB_OUT/hints/$1.seen" 2>/dev/null) || n=0
	[[ $n =~ ^[0-9]+$ ]] || n=0
	printf '%s\n' "$n"
}

# hint_line LESSON: what the watch says of the lesson's hints.
hint_line() {
	local count seen nn
	count=$(hint_count "$1") seen=$(seen "$1") nn=$(number "$1")
	if ((count == 0)); then
		echo "(lesson $1 has no hints)"
	elif ((seen < count)); then
		echo "stuck? make hint-$nn shows hint $((seen + 1)) of $count"
	else
		echo "hints: you have seen all $count (make hint-$nn N=1..$count" \
			"shows one again)"
	fi
}

cmd_hint() {
	local lesson=$1 want=${2:-} count seen nn
	nn=$(number "$lesson")
	[[ -r lessons/$lesson/hints.txt ]] ||
		die "lesson $lesson has no hints (no lessons/$lesson/hints.txt)"
	count=$(hint_count "$lesson") seen=$(seen "$lesson")
	((count > 0)) || die "lessons/$lesson/hints.txt holds no hint"
	if [[ -n $want ]]; then
		if ! [[ $want =~ ^[0-9]+$ ]] ||
			((10#$want < 1 || 10#$want > count)); then
			echo "$me: N is a hint's number, 1 to $count" >&2
			exit 2
		fi
		want=$((10#$want))
	elif ((seen >= count)); then
		echo "No more hints for lesson $lesson: you have seen all $count."
		echo "make hint-$nn N=1 (to N=$count) shows one of them again."
		return 0
	else
		want=$((seen + 1))
	fi
	echo "Hint $want of $count for lesson $lesson:"
	echo
	hint_text "$lesson" "$want" | sed 's/^/  /; s/^  $//'
	echo
	if ((want > seen)); then
		mkdir -p "$LAB_OUT/hints" &&
			echo "$want" >"$LAB_OUT/hints/$lesson.seen"
		seen=$want
	fi
	if ((seen < count)); then
		echo "(make hint-$nn again for hint $((seen + 1)) of $count)"
	else
		echo "(that was the last hint for lesson $lesson)"
	fi
}

# ---- reset ---------------------------------------------------------------

# is_checkout FILE: is FILE tracked by git here?
is_checkout() {
	command -v git >/dev/null &&
		git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
		git -C "$root" ls-files --error-unmatch -- "$1" >/dev/null 2>&1
}

cmd_reset() {
	local lesson=$1 ref=${2:-} src starter from when saved n=1
	src=$(program "$lesson") || die "no program in lessons/$lesson"
	starter=$(mktemp) || exit 1
	reset_tmp=$starter
	trap 'rm -f "$reset_tmp"' EXIT
	if is_checkout "$src"; then
		ref=${ref:-HEAD}
		git -C "$root" show "$ref:$src" >"$starter" 2>/dev/null ||
			die "git has no $src at $ref"
		from="git ($ref)"
	elif [[ -n $ref ]]; then
		die "FROM=$ref: this folder is not a git checkout"
	elif [[ -r $root/build/starters/$lesson/${src##*/} ]]; then
		cp "$root/build/starters/$lesson/${src##*/}" "$starter" || exit 1
		from="the copy kept in build/starters/$lesson/"
		from+=" (taken when the lesson was first built)"
	else
		die "no untouched copy of $src: not a git checkout, and" \
			"build/starters/$lesson/ is gone (make clean)"
	fi
	if cmp -s "$starter" "$src"; then
		echo "$src is already the untouched starter: nothing to do."
		return 0
	fi
	when=$(date +%Y%m%d-%H%M%S)
	saved=$LAB_OUT/reset/$lesson/$when
	while [[ -e $saved ]]; do	# two resets in one second
		n=$((n + 1)) saved=$LAB_OUT/reset/$lesson/$when-$n
	done
	{ mkdir -p "$saved" && cp -p "$src" "$saved/"; } ||
		die "cannot save $src"
	cat "$starter" >"$src" || die "cannot write $src"
	echo "Your version is saved as ${saved#"$root"/}/${src##*/}"
	echo "$src is the untouched starter again, from $from."
}

# ---- watch ---------------------------------------------------------------

# Everything the watch starts carries this mark in its environment, so
# that Ctrl-C ends all of it, even what left its process group (the
# grader runs each lesson's tests in a session of their own).
watch_mark=student-watch-$$-$RANDOM$RANDOM
export TCP_LABS_WATCH=$watch_mark
events_pid=

sweep() {
	local round pids
	for ((round = 0; round < 50; round++)); do
		pids=$(grep -lsxzF "TCP_LABS_WATCH=$watch_mark" \
			/proc/[0-9]*/environ | cut -d/ -f3 | grep -vx "$$")
		[[ -n $pids ]] || return 0
		# shellcheck disable=SC2086 # one word a pid
		kill -KILL $pids 2>/dev/null
	done
}

# watch_stop STATUS: Ctrl-C (or the end): stop the watching loop and
# everything it started.
watch_stop() {
	trap - INT TERM HUP
	[[ -z $watch_loop ]] || kill -TERM "$watch_loop" 2>/dev/null
	sweep
	echo
	echo "watch: stopped."
	exit "$1"
}

# default_signals CMD...: run CMD with SIGINT and SIGQUIT at their
# default action, which the watching loop, a background job, ignores:
# make, the grader and the programs under test take Ctrl-C as usual.
if env --default-signal=INT true 2>/dev/null; then
	default_signals() { env --default-signal=INT,QUIT "$@"; }
else
	default_signals() { "$@"; }
fi

# watched LESSON...: the files a student edits in those lessons.
watched() {
	local l f
	for l in "$@"; do
		for f in lessons/"$l"/*.[ch]; do
			[[ -f $f ]] && printf '%s\n' "$f"
		done
	done
}

# snapshot FILE...: name, size, inode and mtime (ns) of each: any save,
# even two in one second, changes its line.
snapshot() {
	(($#)) || return 0
	stat -c '%n %s %i %.9Y' -- "$@" 2>/dev/null
}

# clear_screen: only on a terminal (a log keeps every check).
clear_screen() {
	if [[ -t 1 ]]; then
		printf '\033[H\033[2J\033[3J'
	else
		echo "----"
	fi
}

# first_failure TAP N: test N's name and what bats said of it, up to
# 40 lines, indented.
first_failure() {
	awk -v k="$2" '
		$0 ~ "^not ok " k " " { on = 1; next }
		on && /^(not )?ok / { exit }
		on && /^#/ {
			sub(/^# ?/, "")
			if ($0 ~ /^(--)?[[:space:]]*$/) { held++; next }
			if (n > 0) for (; held > 0; held--) print ""
			held = 0
			print "    " $0
			if (++n == 40) exit
		}
	' "$1"
}

# check_lesson LESSON WHY: build it, run its tests, say where it stands.
check_lesson() {
	local lesson=$1 why=$2 bin nn log status row score max failed result
	local k name count next hash
	nn=$(number "$lesson")
	bin=$(binary "$lesson") || {
		echo "watch: no program in lessons/$lesson"
		return 0
	}
	clear_screen
	echo "$(date +%H:%M:%S) $why: checking lesson $lesson"
	log=$LAB_OUT/watch/build.log
	mkdir -p "$LAB_OUT/watch"
	hash=$(fingerprint "$lesson")
	rm -f "$bin" "$bin-san"
	default_signals "$MAKE" --no-print-directory "$bin" >/dev/null 2>"$log"
	status=$?
	# Its sanitized twin, which the tests run too, once it compiles.
	((status != 0)) || default_signals "$MAKE" --no-print-directory \
		"$bin-san" >/dev/null 2>&1
	# What the compiler said, as it said it (make's own lines aside).
	grep -v -E '^g?make(\[[0-9]+\])?: ' "$log" >"$log.cc"
	if ((status != 0)) || [[ ! -x $bin ]]; then
		echo
		cat "$log.cc"
		echo
		max=$(cut -f3 <<<"$(last_row "$lesson")")
		echo "score: 0${max:+ / $max}: does not compile (fix the first" \
			"error above, then save)"
		hint_line "$lesson"
		return 0
	fi
	if [[ -s $log.cc ]]; then
		echo
		echo "The compiler warns (fix these too):"
		cat "$log.cc"
	fi
	grade watch "$lesson"
	row=$(awk -F'\t' -v l="$lesson" '$1 == l' "$LAB_OUT/watch/scores.tsv" \
		2>/dev/null)
	IFS=$'\t' read -r _ score max _ failed _ result <<<"$row"
	if [[ -z $row ]]; then
		echo "score: ? (the tests did not run: see" \
			"${LAB_OUT#"$root"/}/watch/tap/$lesson.stderr)"
		return 0
	fi
	if ((failed > 0)); then
		IFS=$'\t' read -r _ k _ _ _ _ why name < <(awk -F'\t' \
			-v l="$lesson" '$1 == l && $3 == "failed"' \
			"$LAB_OUT/watch/tests.tsv" | head -1)
		echo
		if [[ $why == failed ]]; then
			echo "✗ $name"
		else	# crashed with SIGSEGV, timed out, did not run
			echo "✗ $name ($why)"
		fi
		first_failure "$LAB_OUT/watch/tap/$lesson.tap" "$k"
		if [[ $why == "did not run" ]]; then	# bats stopped: why?
			tail -n 5 "$LAB_OUT/watch/tap/$lesson.stderr" 2>/dev/null |
				sed 's/^/    /'
		fi
		count=$((failed - 1))
		((count == 0)) ||
			echo "  (and $count more failing: make check-$nn lists them)"
		echo
		echo "score: $score / $max: ${result%%:*}"
		hint_line "$lesson"
	else
		echo
		echo "score: $score / $max: $result"
		if next=$(next_after "$lesson"); then
			echo "lesson $nn done: next is lesson $(number "$next")" \
				"(lessons/$next/README.md; make watch-$(number "$next"))"
		else
			echo "lesson $nn done: every lesson is done"
		fi
	fi
	[[ $hash == "$(fingerprint "$lesson")" ]] ||
		echo "(a file changed during the check: checking again)"
}

# find_bats: which bats the grader will run, found once (as
# grader/score.bash finds it) and handed to each check in LAB_BATS, so
# that a check does not look again.
find_bats() {
	local probe=$LAB_OUT/watch/where.bats line
	[[ -z ${LAB_BATS:-} ]] || return 0
	# shellcheck disable=SC2016 # expanded by bats
	printf '%s\n' '@test where {' \
		'echo "# where $BATS_ROOT|$BATS_LIB_PATH" >&3' '}' >"$probe"
	line=$(tests/bats.bash --tap "$probe" | grep '^# where ') || return 0
	line=${line#\# where }
	export LAB_BATS=${line%%|*}/bin/bats BATS_LIB_PATH=${line#*|}
}

# lesson_of_file FILE: lessons/NN-slug/x.c -> NN-slug
lesson_of_file() {
	local l=${1#lessons/}
	printf '%s\n' "${l%%/*}"
}

# watch [LESSON]: Ctrl-C reaches this process while it waits for the
# loop below, which runs as a background job: bash ignores SIGINT in
# those, so no check of the loop's can take Ctrl-C for its own (bash
# runs its SIGINT trap only when the child it waits for died of it).
cmd_watch() {
	trap 'watch_stop 130' INT
	trap 'watch_stop 143' TERM HUP
	watch_loop "$@" &
	watch_loop=$!
	wait "$watch_loop"
	watch_stop $?
}
watch_loop=

watch_loop() {
	local only=${1:-} first how file line events events_pid=
	local -a scope=() files=() dirs=()
	if [[ -n $only ]]; then
		scope=("$only")
	else
		scope=("${lessons[@]}")
	fi
	mapfile -t files < <(watched "${scope[@]}")
	((${#files[@]} > 0)) || die "no lesson files to watch"
	for l in "${scope[@]}"; do
		dirs+=("lessons/$l")
	done
	if [[ -z ${WATCH_POLL:-} ]] && command -v inotifywait >/dev/null; then
		how="inotifywait"
		# Editors save in place (close_write) or write a new file and
		# rename it over the old (moved_to).
		exec {events}< <(exec inotifywait -m -q -e close_write \
			-e moved_to --format '%w%f' "${dirs[@]}" 2>/dev/null)
		events_pid=$!
	else
		how="a look at the files' times every half second"
	fi
	first=${only:-$(next_after "" || echo "${lessons[0]}")}
	mkdir -p "$LAB_OUT/watch" && find_bats
	local before after changed
	before=$(snapshot "${files[@]}")	# a save from now on counts
	check_lesson "$first" "start"
	echo "watching ${dirs[*]} ($how)."
	echo "Save to check again; Ctrl-C to stop."
	while :; do
		changed=
		if [[ -n $events_pid ]]; then
			IFS= read -r -u "$events" line ||
				die "inotifywait stopped"
			[[ $line == *.[ch] ]] || continue
			changed=${line#./}
			# A save is often two or three events: take them all.
			while IFS= read -r -t 0.1 -u "$events" line; do :; done
		else
			sleep 0.5
			mapfile -t files < <(watched "${scope[@]}")
			after=$(snapshot "${files[@]}")
			[[ $after != "$before" ]] || continue
			changed=$(diff <(echo "$before") <(echo "$after") |
				sed -n 's/^> \([^ ]*\) .*/\1/p' | head -1)
			before=$after
			[[ -n $changed ]] || continue
		fi
		file=$changed
		check_lesson "$(lesson_of_file "$file")" "saved $file"
		echo "Save to check again; Ctrl-C to stop."
	done
}

# ---- main ----------------------------------------------------------------

(($#)) || usage
command=$1
shift
((${#lessons[@]} > 0)) || die "LESSONS is empty (run me through make)"
case $command in
check | progress)
	(($# == 0)) || usage
	"cmd_$command" ;;
watch)
	(($# <= 1)) || usage
	[[ -z ${1:-} ]] || known "$1" || die "no lesson $1 here"
	cmd_watch "${1:-}" ;;
hint | reset)
	(($# >= 1 && $# <= 2)) || usage
	known "$1" || die "no lesson $1 here"
	"cmd_$command" "$@" ;;
*) usage ;;
esac
