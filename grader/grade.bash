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
#    Copy it to build/grade/NAME/src as an unprivileged user
#    (grader/copy.bash): folders and regular files only, never
#    following a link, reporting what it did not copy; the submission
#    itself is never touched.
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
[[ ! -L ${submission%/} ]] ||
	usage_error "SUBMISSION=$submission is a link: links are not" \
		"followed (give the folder it leads to, if it is yours)"
[[ -d $submission ]] ||
	usage_error "SUBMISSION=$submission is not a folder"
# What grading writes is the instructor's alone (student code cannot
# reach it either: see LEASH_HIDE below).
umask 077
submission=$(realpath -- "$submission") || exit 1
[[ -n ${GRADE_LESSONS:-} ]] ||
	die "GRADE_LESSONS is empty: run this through make grade"
read -ra all_lessons <<<"$GRADE_LESSONS"

name=${GRADE_NAME:-$(basename "$submission")}
name=${name//[^A-Za-z0-9._-]/_}
[[ $name == .* ]] && name=_$name
work=${GRADE_WORK:-build/grade}/$name
mkdir -p "$work" && work=$(cd "$work" && pwd) || die "cannot make $work"
# Folders the run's users pass through to their own, and nothing more.
chmod 0711 "${work%/*}" "$work" 2>/dev/null
# Stopped (Ctrl-C, SIGTERM, a caller's time limit): stop every run.
leash_guard
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

# find_lesson LESSON PROG: set `from` to where the submission holds
# LESSON.  A link is never followed: it is noted in `refused` instead.
find_lesson() {
	local base dir found=() nn=${1%%-*}
	for base in "$submission" "$submission/lessons"; do
		if [[ -L $base ]]; then
			refused+="$base is a link: not followed. "
			continue
		fi
		if [[ -L $base/$1 ]]; then
			refused+="$base/$1 is a link: not followed. "
		elif [[ -d $base/$1 ]]; then
			from=$base/$1
			return 0
		fi
	done
	# A folder of the same number under another slug (01-port, say).
	for dir in "$submission/$nn"-*/ "$submission/lessons/$nn"-*/; do
		[[ -d $dir && ! -L ${dir%/} && ! -L ${dir%/*/*} ]] &&
			found+=("${dir%/}")
	done
	if ((${#found[@]} == 1)); then
		from=${found[0]}
		return 0
	fi
	if [[ -L $submission/$2.c ]]; then
		refused+="$submission/$2.c is a link: not followed. "
	elif [[ -f $submission/$2.c ]]; then
		from=$submission
		return 0
	fi
	return 1
}

# ---- copy and build -----------------------------------------------------

rm -rf "${work:?}/src" "${work:?}/bin" "${work:?}/builds"
mkdir -p "$work/src" "$work/bin" "$work/builds" || die "cannot make $work"
chmod 0711 "$work/src" "$work/bin"
leash_probe "$root/common" "$root/grader/copy.bash"

# What student code must not see, at compile time and at run time: the
# reference solutions (sources and every build of them), the other
# gradings (their copies, builds and reports: GRADE_WORK's folder, OUT),
# the submission itself, and what grade-all adds (the class, its OUT).
# A folder that holds the toolkit itself is not hidden.
hide=()
for dir in "$root/solutions" "$root/build/solutions" "$root"/build/*/solutions \
	"${work%/*}" "$out" "$submission" ${GRADE_HIDE:-}; do
	[[ -d $dir && $root/ != "$dir"/* && " ${hide[*]} " != *" $dir "* ]] &&
		hide+=("$dir")
done
export LEASH_HIDE="${hide[*]}"

# short PATH: PATH as the user sees it from the toolkit's folder.
short() {
	printf '%s\n' "${1#"$root"/}"
}

echo "Grading $SUBMISSION as '$name': ${lessons[*]}"

# copy_lesson FROM LESSON PROG: copy the lesson's folders and regular
# files (a bare PROG.c when FROM is the submission itself) into
# src/LESSON, as an unprivileged user (grader/copy.bash).
copy_lesson() {
	local from=$1 to=$work/src/$2
	mkdir -p "$to" || return 1
	if [[ $from == "$submission" ]]; then
		LEASH_OWN=$to leash_run copy 60 grader/copy.bash "$from" "$to" \
			"$3.c"
	else
		LEASH_OWN=$to leash_run copy 60 grader/copy.bash "$from" "$to"
	fi
}

# build_lesson LESSON PROG: compile src/LESSON/PROG.c into bin/LESSON/PROG,
# as student code: only its own source and binaries visible of all the
# gradings, nothing of the reference solutions.
build_lesson() {
	local lesson=$1 prog=$2 src=$work/src/$1 bin=$work/bin/$1
	local log=$work/builds/$1.log cc=${GRADE_CC:-cc}
	local -a cppflags cflags ldflags ldlibs common sanflags
	read -ra cppflags <<<"${GRADE_CPPFLAGS:-}"
	read -ra sanflags <<<"${GRADE_SANFLAGS:-}"
	read -ra cflags <<<"${GRADE_CFLAGS:-}"
	read -ra ldflags <<<"${GRADE_LDFLAGS:-}"
	read -ra ldlibs <<<"${GRADE_LDLIBS:-}"
	read -ra common <<<"${GRADE_COMMON:-}"
	mkdir -p "$bin" || return 1
	if [[ ! -f $src/$prog.c ]]; then
		echo "the submission's $lesson has no $prog.c" >>"$log"
		return 1
	fi
	{
		echo "$cc ${cppflags[*]} ${cflags[*]} $lesson/$prog.c"
		LEASH_OWN="$src $bin" LEASH_KEEP="$src $bin" leash_run student \
			120 "$cc" "${cppflags[@]}" "${cflags[@]}" "${ldflags[@]}" \
			"$src/$prog.c" "${common[@]}" "${ldlibs[@]}" -o "$bin/$prog"
	} >>"$log" 2>&1
	local status=$?
	# The same program with the sanitizers, beside it, as make builds
	# it (tests/sanitized.bash runs it); a note where it cannot be.
	((status == 0 && ${#sanflags[@]} > 0)) || return "$status"
	LEASH_OWN="$src $bin" LEASH_KEEP="$src $bin" leash_run student 120 \
		"$cc" "${cppflags[@]}" "${cflags[@]}" "${sanflags[@]}" \
		"${ldflags[@]}" "$src/$prog.c" "${common[@]}" "${ldlibs[@]}" \
		-o "$bin/$prog-san" >"$log.san" 2>&1 ||
		echo "$cc could not build $lesson with ${sanflags[*]} here" \
			"(no sanitizer runtime?)" >"$bin/$prog-san.missing"
	return 0
}

for lesson in "${lessons[@]}"; do
	prog=$(prog_of "$lesson") || exit 1
	log=$work/builds/$lesson.log
	refused=
	if ! find_lesson "$lesson" "$prog"; then
		echo "${refused}the submission has no folder $lesson (looked" \
			"in $submission/ and $submission/lessons/) nor a file" \
			"$prog.c" >"$work/builds/$lesson.missing"
		echo "  $lesson: missing${refused:+ (${refused% })}"
		continue
	fi
	if ! copy_lesson "$from" "$lesson" "$prog" >"$log" 2>&1; then
		touch "$work/builds/$lesson.failed"
		echo "  $lesson: not copied ($(tail -n 1 "$log"))"
		continue
	fi
	[[ -z $refused ]] || echo "${refused% }" >>"$log"
	grep -h '^not copied' "$log" | sed 's/^/  '"$lesson"': /'
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
	export GRADE_KEEP=$logs	# visible to student code, where it is
fi

args=(--out "$out" --builds "$work/builds" --name "$name")
[[ -n ${FILTER:-} ]] && args+=(--filter "$FILTER")
[[ -n ${TAGS:-} ]] && args+=(--tags "$TAGS")
[[ -n ${GRADE_QUIET:-} ]] && args+=(--quiet)
echo
# (In the background, so that a signal's trap runs at once.)
LAB_BIN=$work/bin grader/score.bash "${args[@]}" "${lessons[@]}" {lock}>&- &
wait "$!"
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
