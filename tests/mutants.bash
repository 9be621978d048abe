#!/usr/bin/env bash
# tests/mutants.bash [LESSON...] - the mutation suite (`make test-mutants`):
# proof that each lesson's tests catch the mistakes students make and
# pass the correct programs they write.
#
# tests/mutants/NN-slug/ holds, for lesson NN-slug:
#   wrong-WHAT.patch  a known-wrong solution: it must fail the lesson's
#                     tests in every one of MUTANT_RUNS runs (5)
#   right-WHAT.patch  a correct alternative, written differently: it
#                     must pass them all
# Each file: line 1 says what it does wrong (or why it is right), line
# 2 is empty, then a unified diff against solutions/NN-slug/<prog>.c
# (--- a/<prog>.c, +++ b/<prog>.c).
#
# Each mutant is a copy of solutions/NN-slug with its patch applied,
# under build/mutants/ (lessons/ and solutions/ are never touched),
# built as make builds the student's program (<prog> and the sanitized
# <prog>-san), and tested as `make check-NN` tests the student's, with
# LAB_BIN pointing at it.  A wrong one's first run runs the whole file;
# runs 2 to MUTANT_RUNS run the tests that failed in the first: each run
# must fail at least one.  Mutants run side by side, MUTANT_JOBS at a
# time (twice the number of CPUs + 1: most of a run waits, on a peer or
# on a wrong program's time limit), the slowest first.  The lessons are the
# folders of tests/mutants/ (or the LESSONs given); the end is a table:
# lesson, mutant, verdict, and the tests that caught it in every run.
#
# make hands on its compiler settings: MUT_CC, MUT_CPPFLAGS, MUT_CFLAGS,
# MUT_LDFLAGS, MUT_LDLIBS, MUT_LIBS (the libraries' archives) and
# MUT_SANFLAGS.  Exit status: 0 if every mutant did as it should.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
bats=tests/bats.bash
runs=${MUTANT_RUNS:-5}
jobs=${MUTANT_JOBS:-$((2 * $(nproc) + 1))}
work=build/mutants
read -ra cppflags <<<"${MUT_CPPFLAGS:--D_POSIX_C_SOURCE=200809L -Icommon -Idemo}"
read -ra cflags <<<"${MUT_CFLAGS:--std=c11 -O2 -g}"
read -ra ldflags <<<"${MUT_LDFLAGS:-}"
read -ra ldlibs <<<"${MUT_LDLIBS:-}"
read -ra libs <<<"${MUT_LIBS:-build/demo/libdemo.a build/common/libcommon.a}"
read -ra sanflags <<<"${MUT_SANFLAGS:--fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer}"
cc=${MUT_CC:-cc}

lessons=("$@")
if ((${#lessons[@]} == 0)); then
	for dir in tests/mutants/*/; do
		[[ -d $dir ]] && lessons+=("$(basename "$dir")")
	done
fi
((${#lessons[@]} > 0)) || {
	echo "tests/mutants.bash: no lesson has mutants (tests/mutants/NN-slug/)" >&2
	exit 1
}

"$bats" --version >/dev/null || exit 1
rm -rf "$work" && mkdir -p "$work" || exit 1

# The tasks, "LESSON PATCH", the slowest first (as the last run took:
# build/mutants.times; a new one counts as slow).
tasks=()
problems=0
for lesson in "${lessons[@]}"; do
	if [[ ! -f tests/$lesson.bats ]] ||
		! compgen -G "solutions/$lesson/*.c" >/dev/null; then
		echo "tests/mutants.bash: $lesson: no tests/$lesson.bats or solutions/$lesson/*.c" >&2
		problems=$((problems + 1))
		continue
	fi
	for patch in tests/mutants/"$lesson"/{wrong,right}-*.patch; do
		[[ -f $patch ]] && tasks+=("$lesson $patch")
	done
done
declare -A took=()
if [[ -r build/mutants.times ]]; then
	while read -r name ms; do
		took[$name]=$ms
	done <build/mutants.times
fi
mapfile -t tasks < <(for task in "${tasks[@]}"; do
	name=${task#* tests/mutants/}
	printf '%s %s\n' "${took[${name%.patch}]:-999999}" "$task"
done | sort -s -k1,1nr | cut -d' ' -f2-)

# TAP -> the names of the tests that failed, one a line.
failed_tests() {
	sed -n 's/^not ok [0-9]* \(.*\)$/\1/p' "$1" |
		sed 's/ # timeout.*$//; s/ in [0-9]*ms$//'
}

# A bats --filter that matches exactly these names (one a line).
filter_of() {
	local line alt=()
	while IFS= read -r line; do
		# shellcheck disable=SC2016 # a sed script, not a shell word
		alt+=("$(printf '%s' "$line" | sed 's/[][\.*^$(){}+?|/]/\\&/g')")
	done <"$1"
	local IFS='|'
	printf '^(%s)$' "${alt[*]}"
}

# mutant LESSON PATCH: build it, test it, write its verdict into
# $dir/verdict ("ok|FAIL<tab>what<tab>caught by").
mutant() {
	local lesson=$1 patch=$2 name prog c kind dir bin began=$EPOCHREALTIME
	name=$(basename "$patch" .patch)
	kind=${name%%-*}
	dir=$work/$lesson/$name
	bin=$dir/bin/$lesson
	mkdir -p "$dir/src" "$bin"
	for c in solutions/"$lesson"/*.c; do prog=$(basename "$c" .c); done
	cp solutions/"$lesson"/* "$dir/src/" 2>/dev/null
	verdict() {
		printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >"$dir/verdict"
		echo "$lesson/$name $(((${EPOCHREALTIME/./} - ${began/./}) / 1000))" \
			>>"$work/times"
	}
	if [[ $(sed -n 2p "$patch") != "" || -z $(sed -n 1p "$patch") ]]; then
		verdict FAIL "line 1 must describe it, line 2 be empty"
		return
	fi
	if ! patch -p1 -s -d "$dir/src" --no-backup-if-mismatch \
		<"$patch" >"$dir/patch.log" 2>&1; then
		verdict FAIL "the patch does not apply: $(head -n 3 "$dir/patch.log" | tr '\n' ' ')"
		return
	fi
	if ! { "$cc" "${cppflags[@]}" "${cflags[@]}" -c "$dir/src/$prog.c" \
		-o "$dir/$prog.o" &&
		"$cc" "${ldflags[@]}" "$dir/$prog.o" "${libs[@]}" "${ldlibs[@]}" \
			-o "$bin/$prog"; } >"$dir/build.log" 2>&1; then
		verdict FAIL "does not compile: $(grep -m 1 error "$dir/build.log")"
		return
	fi
	if ((${#sanflags[@]} > 0)) && ! "$cc" "${cppflags[@]}" "${cflags[@]}" \
		"${sanflags[@]}" "${ldflags[@]}" "$dir/src/$prog.c" "${libs[@]}" \
		"${ldlibs[@]}" -o "$bin/$prog-san" >>"$dir/build.log" 2>&1; then
		echo "could not build with ${sanflags[*]}" >"$bin/$prog-san.missing"
	fi

	local run n fastest='' others
	# bats_run RUN FILTER...: run the lesson's tests (those FILTER
	# names), the failed ones' names into $dir/failedRUN; n: how many.
	bats_run() {
		local run=$1
		shift
		LAB=lessons LAB_BIN=$root/$dir/bin "$bats" --tap --timing "$@" \
			"tests/$lesson.bats" >"$dir/run$run.tap" 2>&1
		grep -q '^1\.\.' "$dir/run$run.tap" || {
			verdict FAIL "bats could not run tests/$lesson.bats (run $run): $(head -n 2 "$dir/run$run.tap" | tr '\n' ' ')"
			return 1
		}
		failed_tests "$dir/run$run.tap" >"$dir/failed$run"
		n=$(wc -l <"$dir/failed$run")
	}
	bats_run 1 || return
	if [[ $kind == right ]]; then
		if ((n > 0)); then
			verdict FAIL "a correct program fails" \
				"$(paste -sd ';' "$dir/failed1" | sed 's/;/; /g')"
		else
			verdict ok "passes all $(grep -c '^ok ' "$dir/run1.tap") tests"
		fi
		return
	fi
	if ((n == 0)); then
		verdict FAIL "passed every test in run 1 of $runs"
		return
	fi
	# Runs 2 and on: the quickest test that caught it; should that one
	# pass in a run, the run goes on with every test that failed in
	# the first, and must still fail one.
	fastest=$(sed -n 's/^not ok [0-9]* \(.*\) in \([0-9]*\)ms$/\2 \1/p' \
		"$dir/run1.tap" | sort -n | head -n 1 | cut -d' ' -f2-)
	[[ -n $fastest ]] || fastest=$(head -n 1 "$dir/failed1")
	printf '%s\n' "$fastest" >"$dir/fastest"
	cp "$dir/failed1" "$dir/every"	# caught it in every full run
	for ((run = 2; run <= runs; run++)); do
		n=0
		if [[ -n $fastest ]]; then
			bats_run "$run" --filter "$(filter_of "$dir/fastest")" || return
			((n > 0)) || fastest=
		fi
		if ((n == 0)); then
			bats_run "$run" --filter "$(filter_of "$dir/failed1")" || return
			grep -xFf "$dir/failed$run" "$dir/every" >"$dir/every.new"
			mv "$dir/every.new" "$dir/every"
		fi
		if ((n == 0)); then
			verdict FAIL "passed every test in run $run of $runs"
			return
		fi
	done
	if [[ -n $fastest ]]; then
		others=$(grep -vxF -e "$fastest" "$dir/failed1" | paste -sd ';' | sed 's/;/; /g')
		verdict ok "caught $runs/$runs" "$fastest${others:+ (run 1 also: $others)}"
	elif [[ -s $dir/every ]]; then
		verdict ok "caught $runs/$runs" "$(paste -sd ';' "$dir/every" | sed 's/;/; /g')"
	else
		verdict ok "caught $runs/$runs" "by a different test each run: $(paste -sd ';' "$dir/failed1" | sed 's/;/; /g')"
	fi
}

running=0
for task in "${tasks[@]}"; do
	# shellcheck disable=SC2086 # two words
	mutant $task &
	if ((++running >= jobs)); then
		wait -n
		running=$((running - 1))
	fi
done
wait
[[ -f $work/times ]] && cp "$work/times" build/mutants.times

table=()
for task in "${tasks[@]}"; do
	lesson=${task%% *}
	name=$(basename "${task#* }" .patch)
	file=$work/$lesson/$name/verdict
	mark=FAIL what="no verdict" by=
	[[ -f $file ]] && IFS=$'\t' read -r mark what by <"$file"
	[[ $mark == ok ]] || problems=$((problems + 1))
	table+=("$(printf '%-18s %-30s %-4s %s%s' "$lesson" "$name" "$mark" \
		"$what" "${by:+: $by}")")
done
printf '%-18s %-30s %-4s %s\n' lesson mutant "" "verdict: caught by (in every run)"
printf '%s\n' "${table[@]}" | sort -s -k1,2
wrong=$(printf '%s\n' "${tasks[@]}" | grep -c '/wrong-')
right=$(printf '%s\n' "${tasks[@]}" | grep -c '/right-')
echo
echo "${#lessons[@]} lessons, $wrong wrong mutants ($runs runs each), $right right ones"
if ((problems > 0)); then
	echo "make test-mutants: FAILED ($problems problem(s) above; details in $work/LESSON/MUTANT/)" >&2
	exit 1
fi
echo "make test-mutants: every wrong mutant caught in every run, every right one passes"
