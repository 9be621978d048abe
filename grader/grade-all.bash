#!/usr/bin/env bash
# grader/grade-all.bash - grade a whole class.  Run it through make:
#
#   make grade-all SUBMISSIONS=DIR [OUT=DIR] [LESSONS="01 05"] [JOBS=N]
#
# Every folder in DIR is one student's submission (DIR/alice,
# DIR/bob, ...); each is graded as `make grade` would (grader/grade.bash),
# JOBS at a time (default: one per core).  That is safe: every grading
# has its own build folder, its tests use no fixed ports, and its student
# code runs on a leash of its own.  Writes into OUT (default build/grade):
#
#   grades.csv     one row a submission: submission, each lesson's score,
#                  total, max
#   NAME/          that submission's reports (results.json, junit.xml,
#                  report.txt, tap/, build/) and grade.log (what grading
#                  it printed)
#
# NAME is the folder's name with anything but letters, digits, '.', '_'
# and '-' made '_'.  A submission that is a link, or whose NAME another
# one has already (x y and x_y), or that would overwrite grades.csv or a
# lock, is not graded: its row says why, and the others are graded.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=grader/leash.bash
source grader/leash.bash
umask 077

die() {
	printf 'make grade-all: %s\n' "$*" >&2
	exit 2
}

class=${SUBMISSIONS:-}
[[ -n $class ]] ||
	die "say where the submissions are:" \
		"make grade-all SUBMISSIONS=path/to/folder"
[[ -d $class ]] || die "SUBMISSIONS=$class is not a folder"
class=$(cd "$class" && pwd) || exit 1
out=${GRADE_OUT:-build/grade}
mkdir -p "$out" && out=$(cd "$out" && pwd) || die "cannot make OUT=$out"
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "JOBS=$jobs is not a number of jobs"

submissions=()
for dir in "$class"/*; do
	[[ -d $dir ]] && submissions+=("$dir")
done
((${#submissions[@]})) || die "$class holds no submission folders"

# name_of DIR: the submission's name, as grader/grade.bash makes it.
name_of() {
	local name
	name=$(basename "$1")
	name=${name//[^A-Za-z0-9._-]/_}
	[[ $name == .* ]] && name=_$name
	printf '%s\n' "$name"
}

# Why a submission is not graded (empty: it is).
declare -A seen why_not
for dir in "${submissions[@]}"; do
	name=$(name_of "$dir")
	if [[ -L $dir ]]; then
		why_not[$dir]="a link: links are not followed"
	elif [[ -n ${seen[$name]:-} ]]; then
		why_not[$dir]="graded as '$name' like ${seen[$name]##*/}: rename one"
	elif [[ $name == grades.csv || $name == *.lock ]]; then
		why_not[$dir]="its name '$name' is one of the grader's own files: rename it"
	else
		seen[$name]=$dir
	fi
done

# Set up bats once, before anything runs side by side.
tests/bats.bash --version >/dev/null || exit 1

# grade_one DIR: grade it into OUT/NAME, print one line when done.
# Student code sees neither the class nor OUT (GRADE_HIDE).
grade_one() {
	local dir=$1 name status=0
	name=$(name_of "$dir")
	mkdir -p "$out/$name"
	SUBMISSION=$dir GRADE_NAME=$name GRADE_OUT=$out/$name GRADE_QUIET=1 \
		GRADE_HIDE="${GRADE_HIDE:-} $class $out" STRICT= \
		grader/grade.bash >"$out/$name/grade.log" 2>&1 ||
		status=$?
	if ((status != 0)) || [[ ! -s $out/$name/scores.tsv ]]; then
		printf '  %-24s grading failed: see %s\n' "$name" \
			"${out#"$root"/}/$name/grade.log"
	else
		awk -F'\t' -v n="$name" '{ s += $2; m += $3 }
			END { printf "  %-24s %5d / %d\n", n, s, m }' \
			"$out/$name/scores.tsv"
	fi
}

echo "Grading ${#submissions[@]} submissions in $SUBMISSIONS, $jobs at a time"
# Stopped (Ctrl-C, SIGTERM, a caller's time limit): stop every grading.
leash_guard
SECONDS=0
running=0
for dir in "${submissions[@]}"; do
	if [[ -n ${why_not[$dir]:-} ]]; then
		printf '  %-24s not graded: %s\n' "$(basename "$dir")" \
			"${why_not[$dir]}"
		continue
	fi
	if ((running >= jobs)); then
		wait -n
		running=$((running - 1))
	fi
	grade_one "$dir" &
	running=$((running + 1))
done
wait

# ---- grades.csv ---------------------------------------------------------

# csv TEXT: one CSV field, quoted when it needs to be (RFC 4180).
csv() {
	if [[ $1 == *[,\"$'\n\r']* ]]; then
		local q=${1//\"/\"\"}
		printf '"%s"' "$q"
	else
		printf '%s' "$1"
	fi
}

# The columns: every lesson any submission was graded on, in order.
columns=()
for dir in "${submissions[@]}"; do
	name=$(name_of "$dir")
	[[ -z ${why_not[$dir]:-} && -f $out/$name/scores.tsv ]] || continue
	while IFS=$'\t' read -r lesson _; do
		[[ " ${columns[*]} " == *" $lesson "* ]] ||
			columns+=("$lesson")
	done <"$out/$name/scores.tsv"
done

{
	printf 'submission'
	for lesson in "${columns[@]}"; do
		printf ',%s' "$lesson"
	done
	printf ',total,max\n'
	for dir in "${submissions[@]}"; do
		name=$(name_of "$dir")
		csv "$(basename "$dir")"
		if [[ -n ${why_not[$dir]:-} || ! -s $out/$name/scores.tsv ]]; then
			for lesson in "${columns[@]}"; do
				printf ','
			done
			printf ',,\n'
			continue
		fi
		total=0 max=0
		for lesson in "${columns[@]}"; do
			read -r score lmax < <(awk -F'\t' -v l="$lesson" \
				'$1 == l { print $2, $3 }' \
				"$out/$name/scores.tsv")
			printf ',%s' "${score:-}"
			total=$((total + ${score:-0}))
			max=$((max + ${lmax:-0}))
		done
		printf ',%s,%s\n' "$total" "$max"
	done
} >"$out/grades.csv"

shown=${out#"$root"/}
echo
echo "Graded ${#submissions[@]} submissions in ${SECONDS} s: $shown/grades.csv"
echo "Each submission's reports: $shown/NAME/" \
	"(results.json, junit.xml, report.txt)"
