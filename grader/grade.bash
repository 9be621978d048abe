#!/usr/bin/env bash
# grader/grade.bash - grade one student's submission.  Run it through make,
# which builds the toolkit first and hands its settings on:
#
#   make grade SUBMISSION=DIR [OUT=DIR] [LESSONS="01 05"] [FILTER=RE]
#              [TAGS=LIST] [STRICT=1]
#
# 1. Find each lesson in DIR: a folder NN-slug in DIR or in DIR/lessons
#    (so a copy of the whole repository works), or, for a lesson whose
#    program is prog, a bare prog.c in DIR (a single uploaded file).
#    Copy it to build/grade/NAME/src, regular files only: the submission
#    itself is never touched, and no link in it leads anywhere else.
# 2. Compile each lesson on its own, on a leash (grader/leash.bash), with
#    the toolkit's flags and the toolkit's common/ (whatever the submission
#    has there), into build/grade/NAME/bin.  A lesson that does not
#    compile scores 0, with the compiler's messages in its report; the
#    others are still graded.
# 3. Run the lessons' tests against those programs (grader/score.bash) and
#    write the reports into OUT (default build/grade/NAME).
#
# NAME is DIR's folder name (GRADE_NAME overrides it); GRADE_WORK
# replaces build/grade as the folder of the copies and builds.  Exit status: 0
# once graded (whatever the score; with STRICT=1, only if every test
# passed), 1 if grading itself failed, 2 for a usage error.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=grader/leash.bash
source grader/leash.bash

die() {
	printf 'make grade: %s\n' "$*" >&2
	exit "${status:-1}"
}
usage_error() {
	status=2 die "$@"
}

submission=${SUBMISSION:-}
[[ -n $submission ]] ||
	usage_error "say which submission:" \
		"make grade SUBMISSION=path/to/folder"
[[ -d $submission ]] ||
	usage_error "SUBMISSION=$submission is not a folder"
submission=$(realpath -- "$submission") || exit 1
[[ -n ${GRADE_LESSONS:-} ]] ||
	die "GRADE_LESSONS is empty: run this through make grade"
read -ra all_lessons <<<"$GRADE_LESSONS"

name=${GRADE_NAME:-$(basename "$submission")}
name=${name//[^A-Za-z0-9._-]/_}
[[ $name == .* ]] && name=_$name
work=${GRADE_WORK:-build/grade}/$name
mkdir -p "$work" && work=$(cd "$work" && pwd) || die "cannot make $work"
# Two gradings under one NAME (two folders called bob, graded at once)
# would build into and report from the same folder: the second waits.
# The lock goes when this script ends, however it ends.
exec {lock}>>"$work.lock" || die "cannot make $work.lock"
if command -v flock >/dev/null && ! flock -n "$lock"; then
	echo "Another grading of '$name' is running; waiting for it" \
		"(GRADE_NAME=other-name grades under another name)" >&2
	flock "$lock"
fi
out=$(realpath -m -- "${GRADE_OUT:-$work}")
case $out/ in
"$submission"/*)
	usage_error "OUT=$out is inside the submission, which must stay" \
		"untouched: choose another OUT" \
		"(your own tree? make check grades it)" ;;
esac
mkdir -p "$out" || die "cannot make OUT=$out"

# ---- which lessons ------------------------------------------------------

# pick WORD: the lesson (NN-slug) that WORD names: "01", "1" or "01-ports".
pick() {
	local lesson
	for lesson in "${all_lessons[@]}"; do
		if [[ $1 == "$lesson" ]] || { [[ $1 =~ ^[0-9]+$ ]] &&
			((10#$1 == 10#${lesson%%-*})); }; then
			echo "$lesson"
			return 0
		fi
	done
	usage_error "there is no lesson '$1' here;" \
		"the lessons are: ${all_lessons[*]}"
}

lessons=()
if [[ -n ${GRADE_PICK:-} ]]; then
	for word in $GRADE_PICK; do
		lessons+=("$(pick "$word")") || exit 2
	done
else
	lessons=("${all_lessons[@]}")
fi

# prog_of LESSON: the program's name, from the toolkit's own starter.
prog_of() {
	local c
	for c in lessons/"$1"/*.c; do
		basename "$c" .c
		return 0
	done
	die "lessons/$1 has no .c file"
}

# find_lesson LESSON PROG: print where the submission holds LESSON.
find_lesson() {
	local base dir found=() nn=${1%%-*}
	for base in "$submission" "$submission/lessons"; do
		[[ -d $base/$1 ]] && {
			echo "$base/$1"
			return 0
		}
	done
	# A folder of the same number under another slug (01-port, say).
	for dir in "$submission/$nn"-*/ "$submission/lessons/$nn"-*/; do
		[[ -d $dir ]] && found+=("${dir%/}")
	done
	if ((${#found[@]} == 1)); then
		echo "${found[0]}"
		return 0
	fi
	[[ -f $submission/$2.c ]] && {
		echo "$submission"
		return 0
	}
	return 1
}

# ---- copy and build -----------------------------------------------------

rm -rf "${work:?}/src" "${work:?}/bin" "${work:?}/builds"
mkdir -p "$work/src" "$work/bin" "$work/builds" || die "cannot make $work"
leash_probe "$root/common" "$work/src" "$work/bin"

# short PATH: PATH as the user sees it from the toolkit's folder.
short() {
	printf '%s\n' "${1#"$root"/}"
}

echo "Grading $SUBMISSION as '$name': ${lessons[*]}"

# copy_lesson FROM LESSON PROG: copy the lesson's regular files (a bare
# PROG.c when FROM is the submission itself) into src/LESSON.
copy_lesson() {
	local from=$1 to=$work/src/$2
	mkdir -p "$to"
	if [[ $from == "$submission" ]]; then
		cp -- "$from/$3.c" "$to/"
	else
		cp -R -- "$from/." "$to/"
	fi || return 1
	# Links could make the compiler read (and quote) files outside the
	# submission; fifos and devices could make it hang.
	find "$to" ! -type f ! -type d -print -delete |
		sed "s|^$to/|removed (not a regular file): |"
	chmod -R a+rX "$to"
}

# build_lesson LESSON PROG: compile src/LESSON/PROG.c into bin/LESSON/PROG.
build_lesson() {
	local lesson=$1 prog=$2 bin=$work/bin/$1 log=$work/builds/$1.log
	local cc=${GRADE_CC:-cc}
	local -a cppflags cflags ldflags ldlibs common sanflags
	read -ra cppflags <<<"${GRADE_CPPFLAGS:-}"
	read -ra sanflags <<<"${GRADE_SANFLAGS:-}"
	read -ra cflags <<<"${GRADE_CFLAGS:-}"
	read -ra ldflags <<<"${GRADE_LDFLAGS:-}"
	read -ra ldlibs <<<"${GRADE_LDLIBS:-}"
	read -ra common <<<"${GRADE_COMMON:-}"
	mkdir -p "$bin" && leash_owns "$bin"
	if [[ ! -f $work/src/$lesson/$prog.c ]]; then
		echo "the submission's $lesson has no $prog.c" >"$log"
		return 1
	fi
	{
		echo "$cc ${cppflags[*]} ${cflags[*]} -c $lesson/$prog.c"
		leash_run 120 "$cc" "${cppflags[@]}" "${cflags[@]}" \
			-c "$work/src/$lesson/$prog.c" -o "$bin/$prog.o" &&
			leash_run 120 "$cc" "${ldflags[@]}" "$bin/$prog.o" \
				"${common[@]}" "${ldlibs[@]}" -o "$bin/$prog"
	} >>"$log" 2>&1 {lock}>&-	# the lock is not the student's
	local status=$?
	# The same program with the sanitizers, beside it, as make builds
	# it (tests/sanitized.bash runs it); a note where it cannot be.
	((status == 0 && ${#sanflags[@]} > 0)) || return "$status"
	leash_run 120 "$cc" "${cppflags[@]}" "${cflags[@]}" "${sanflags[@]}" \
		"${ldflags[@]}" "$work/src/$lesson/$prog.c" "${common[@]}" \
		"${ldlibs[@]}" -o "$bin/$prog-san" >"$log.san" 2>&1 {lock}>&- ||
		echo "$cc could not build $lesson with ${sanflags[*]} here" \
			"(no sanitizer runtime?)" >"$bin/$prog-san.missing"
	return 0
}

for lesson in "${lessons[@]}"; do
	prog=$(prog_of "$lesson") || exit 1
	log=$work/builds/$lesson.log
	if ! from=$(find_lesson "$lesson" "$prog"); then
		echo "the submission has no folder $lesson (looked in" \
			"$submission/ and $submission/lessons/) nor a file" \
			"$prog.c" >"$work/builds/$lesson.missing"
		echo "  $lesson: missing"
		continue
	fi
	copy_lesson "$from" "$lesson" "$prog" >"$log" 2>&1 ||
		die "cannot copy $from"
	if build_lesson "$lesson" "$prog"; then
		warnings=$(grep -c 'warning:' "$log")
		case $warnings in
		0) warnings= ;;
		1) warnings=" (1 warning)" ;;
		*) warnings=" ($warnings warnings)" ;;
		esac
		from=${from#"$submission"}
		echo "  $lesson: compiled ${from#/}${from:+/}$prog.c$warnings"
	else
		touch "$work/builds/$lesson.failed"
		echo "  $lesson: did not compile" \
			"($(short "$work")/builds/$lesson.log)"
	fi
done

# ---- test and report ----------------------------------------------------

# Under make SANITIZE=1 the sanitizers write their reports under
# LAB_SAN_LOGS, where tests/gates/sanitizers.bash looks for the toolkit's own
# bugs.  A student's bugs are the student's: their reports go to the
# submission's folder instead (and to OUT/sanitizer).
if [[ -n ${LAB_SAN_LOGS:-} ]]; then
	logs=$work/sanitizer
	rm -rf "$logs" && mkdir -p "$logs" && chmod 1777 "$logs" ||
		die "cannot make $logs"
	export ASAN_OPTIONS=${ASAN_OPTIONS//"$LAB_SAN_LOGS"/"$logs"}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS//"$LAB_SAN_LOGS"/"$logs"}
fi

args=(--out "$out" --builds "$work/builds" --name "$name")
[[ -n ${FILTER:-} ]] && args+=(--filter "$FILTER")
[[ -n ${TAGS:-} ]] && args+=(--tags "$TAGS")
[[ -n ${GRADE_QUIET:-} ]] && args+=(--quiet)
echo
LAB_BIN=$work/bin grader/score.bash "${args[@]}" "${lessons[@]}" {lock}>&-
status=$?
((status < 2)) || exit 1
rm -rf "$out/build" "$out/sanitizer" && cp -R "$work/builds" "$out/build"
[[ -d $work/sanitizer ]] && cp -R "$work/sanitizer" "$out/sanitizer"
echo
echo "Reports in $(short "$out")/: results.json (Gradescope)," \
	"junit.xml, report.txt, tap/, build/"
[[ -d $out/sanitizer && -n $(ls -A "$out/sanitizer") ]] &&
	echo "Sanitizer reports (SANITIZE=1) in $(short "$out")/sanitizer/"
[[ ${STRICT:-} == 1 ]] && exit "$status"
exit 0
