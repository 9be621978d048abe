#!/usr/bin/env bash
# grader/export.bash - package the grader for the services instructors
# grade on.  Run it through make:
#
#   make autograder [LESSONS="01 02"] [OUT=FILE.zip]
#                   [VISIBILITY=visible|hidden|after_due_date|after_published]
#                   [STDOUT_VISIBILITY=hidden|visible]
#       a Gradescope autograder zip (default build/autograder.zip):
#       setup.sh, run_autograder, autograder.conf and the toolkit in
#       tcp-labs/.  VISIBILITY is when students see the tests (Gradescope's
#       setting for every test; the score itself follows the assignment's
#       own setting); STDOUT_VISIBILITY, whether they see the grader's log.
#
#   make classroom [LESSONS="01 02"] [OUT=DIR] [TOOLKIT=org/repo]
#       a GitHub Classroom workflow, DIR/.github/workflows/classroom.yml
#       (default DIR build/classroom): one autograding step a lesson,
#       graded with the instructor's copy of the toolkit (TOOLKIT, checked
#       out beside the student's repository), reports as an artifact.
#
# Both first grade the reference solutions with `make grade`, to know
# each lesson's points (and to prove the grader works here); a lesson
# where they lose points stops the export.  Exit status: 0 written,
# 1 failure, 2 usage error.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
what=${1:-}

die() {
	printf 'make %s: %s\n' "$what" "$*" >&2
	exit "${status:-1}"
}
usage_error() {
	status=2 die "$@"
}

# one_of VALUE NAME WORD...: VALUE must be one of the WORDs.
one_of() {
	local value=$1 name=$2 word
	shift 2
	for word; do
		[[ $value == "$word" ]] && return 0
	done
	usage_error "$name=$value: say one of: $*"
}

# ---- the points: grade the reference solutions -------------------------

# lesson_points: fill lessons[] and points[] (lesson -> its points) from
# a grading of solutions/, and total.
lesson_points() {
	local check=$work/solutions lesson score max rest
	echo "Grading the reference solutions, for each lesson's points:"
	env -u FILTER -u TAGS GRADE_QUIET=1 \
		make --no-print-directory grade SUBMISSION=solutions \
		OUT="$check" LESSONS="${GRADE_PICK:-}" \
		GRADE_NAME="export-$$" >"$work/grade.log" 2>&1 &&
		[[ -s $check/scores.tsv ]] || {
		cat "$work/grade.log" >&2
		die "grading the reference solutions failed (above)"
	}
	lessons=() total=0
	while IFS=$'\t' read -r lesson score max rest; do
		[[ $score == "$max" ]] ||
			die "the reference solution of $lesson scores" \
				"$score / $max here: fix the machine first" \
				"($check/report.txt)"
		printf '  %-20s %3s points\n' "$lesson" "$max"
		lessons+=("$lesson")
		points[$lesson]=$max
		total=$((total + max))
	done <"$check/scores.tsv"
	((${#lessons[@]} > 0)) || die "no lesson was graded"
}

# ---- make autograder -------------------------------------------------------

# toolkit_files: the toolkit's own files, NUL-separated: what git
# tracks, and new files it does not ignore (an instructor's edits
# included); everything but build/ where this is no checkout.
toolkit_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				[[ -f $f ]] && printf '%s\0' "$f"
			done
	else
		find . -path ./build -prune -o -type f -printf '%P\0'
	fi
}

autograder() {
	local zip stage=$work/zip
	zip=$(realpath -m -- "${GRADE_OUT:-build/autograder.zip}")
	[[ $zip == *.zip ]] || usage_error "OUT=$zip: name the zip file" \
		"(OUT=path/to/autograder.zip)"
	local visibility=${VISIBILITY:-visible}
	local stdout_visibility=${STDOUT_VISIBILITY:-hidden}
	one_of "$visibility" VISIBILITY visible hidden after_due_date \
		after_published
	one_of "$stdout_visibility" STDOUT_VISIBILITY hidden visible
	command -v zip >/dev/null ||
		die "zip is not installed: apt-get install zip (or dnf, brew)"

	lesson_points
	mkdir -p "$stage/tcp-labs" "$(dirname "$zip")" || exit 1
	toolkit_files | tar --null -T - -cf - | tar -xf - -C "$stage/tcp-labs" ||
		die "cannot copy the toolkit"
	cp grader/gradescope/setup.sh grader/gradescope/run_autograder \
		"$stage/" || exit 1
	{
		echo "# autograder.conf - written by make autograder: what"
		echo "# run_autograder grades, and who sees what."
		echo "LESSONS='${lessons[*]}'"
		echo "POINTS=$total"
		echo "VISIBILITY=$visibility"
		echo "STDOUT_VISIBILITY=$stdout_visibility"
	} >"$stage/autograder.conf"
	rm -f "$zip"
	(cd "$stage" && zip -q -r -X "$zip" setup.sh run_autograder \
		autograder.conf tcp-labs) || die "zip failed"
	echo
	echo "Wrote ${zip#"$root"/}: lessons ${lessons[*]}."
	echo "On Gradescope: a Programming Assignment, with its total points" \
		"set to $total; upload this zip as its autograder"
	echo "(Ubuntu 22.04 or 24.04 base image).  Students upload their" \
		"lesson folders or their .c files."
	echo "Tests visible to students: $visibility; the grader's log:" \
		"$stdout_visibility."
}

# ---- make classroom ----------------------------------------------------------

classroom() {
	local dir file lesson nn toolkit=${TOOLKIT:-YOUR-ORG/tcp-labs}
	[[ $toolkit =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
		usage_error "TOOLKIT=$toolkit: say owner/repository"
	dir=$(realpath -m -- "${GRADE_OUT:-build/classroom}")
	file=$dir/.github/workflows/classroom.yml
	lesson_points
	mkdir -p "$(dirname "$file")" || exit 1
	{
		cat <<-EOF
		# classroom.yml - GitHub Classroom autograding for tcp-labs,
		# written by \`make classroom\` for lessons ${lessons[*]}
		# ($total points).  Put it in the assignment's template repository
		# as .github/workflows/classroom.yml.  It grades the student's
		# repository (checked out in submission/) with the instructor's own
		# copy of the toolkit ($toolkit, in tcp-labs/): never with the tests
		# in the student's copy.  A private toolkit repository needs a token
		# that can read it, as the secret TCP_LABS_TOKEN.
		name: Autograding Tests
		on:
		  - push
		  - repository_dispatch
		permissions:
		  checks: write
		  actions: read
		  contents: read
		jobs:
		  run-autograding-tests:
		    runs-on: ubuntu-24.04
		    if: github.actor != 'github-classroom[bot]'
		    steps:
		      - name: Check out the student's repository
		        uses: actions/checkout@v4
		        with:
		          path: submission
		      - name: Check out the grader
		        uses: actions/checkout@v4
		        with:
		          repository: $toolkit
		          path: tcp-labs
		          token: \${{ secrets.TCP_LABS_TOKEN || github.token }}
		      - name: Install what grading needs
		        run: sudo apt-get update && sudo apt-get install -y build-essential bats bats-support bats-assert socat ncat
		      - name: Build the grader
		        run: make -C tcp-labs --no-print-directory all
		EOF
		for lesson in "${lessons[@]}"; do
			nn=${lesson%%-*}
			cat <<-EOF
			      - name: lesson $lesson
			        id: lesson-$nn
			        uses: classroom-resources/autograding-command-grader@v1
			        with:
			          test-name: lesson $lesson
			          command: sudo make -C tcp-labs --no-print-directory grade SUBMISSION=\${{ github.workspace }}/submission OUT=\${{ runner.temp }}/reports/$lesson LESSONS=$nn GRADE_NAME=lesson-$nn STRICT=1
			          timeout: 10
			          max-score: ${points[$lesson]}
			EOF
		done
		cat <<-EOF
		      - name: Autograding reporter
		        uses: classroom-resources/autograding-grading-reporter@v1
		        env:
		EOF
		for lesson in "${lessons[@]}"; do
			nn=${lesson%%-*}
			printf '          LESSON-%s_RESULTS: "${{ steps.lesson-%s.outputs.result }}"\n' \
				"$nn" "$nn"
		done
		printf '        with:\n          runners: %s\n' \
			"$(printf 'lesson-%s,' "${lessons[@]%%-*}" | sed 's/,$//')"
		cat <<-EOF
		      - name: Keep the reports (results.json, junit.xml, report.txt)
		        if: always()
		        uses: actions/upload-artifact@v4
		        with:
		          name: grading-reports
		          path: \${{ runner.temp }}/reports
		EOF
	} >"$file"
	echo
	echo "Wrote ${file#"$root"/}: lessons ${lessons[*]}, $total points."
	echo "Put it in the assignment's template repository as" \
		".github/workflows/classroom.yml; the toolkit is read from" \
		"$toolkit."
	echo "Each lesson's step is all or nothing (STRICT=1): the points of" \
		"every test are in the reports artifact."
}

# ---- main ------------------------------------------------------------------

[[ $what == autograder || $what == classroom ]] ||
	usage_error "usage: grader/export.bash autograder|classroom"
[[ -n ${GRADE_LESSONS:-} ]] ||
	die "GRADE_LESSONS is empty: run this through make $what"
declare -A points
mkdir -p build && work=$(mktemp -d "$root/build/export.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
"$what"
