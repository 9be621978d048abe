# tests/sanitized.bash - run the program under test built with
# AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer: the
# binary <prog>-san that make (and grader/grade.bash) builds beside
# <prog>.  Load it after helper, from setup:
#
#   setup() { load helper; load sanitized; lab_setup 01-ports ports; }
#
#   @test "... under the sanitizers" {
#       require_sanitized
#       sanitized 70000            # runs $PROG-san 70000, bounded
#       sanitized SHORTIO_MAX=3 LD_PRELOAD=... -- 127.0.0.1 "$port"
#   }
#
# sanitized fails the test, in words a student can act on, when a
# sanitizer reports anything: a read or write past the end of a buffer,
# memory used after free(), memory never freed (a missing free() or
# freeaddrinfo()), undefined behaviour.  It does not judge the program's
# output or exit status: the other tests do.  After it, SAN_STATUS,
# SAN_OUT and SAN_ERR (files) hold what the run gave.

# require_sanitized: skip (with the reason) where the sanitized build
# cannot exist or cannot run; fail where it should exist and does not.
require_sanitized() {
	SAN_PROG=$PROG-san
	if [[ -f $SAN_PROG.missing ]]; then
		skip "$(<"$SAN_PROG.missing")"
	fi
	[[ -x $SAN_PROG ]] ||
		fail "$SAN_PROG is not built: run 'make' and fix what the compiler says"
	# AddressSanitizer reserves terabytes of address space (not memory).
	local hard
	hard=$(ulimit -H -v)
	[[ $hard == unlimited ]] ||
		skip "the address space is limited here (ulimit -H -v $hard KiB): AddressSanitizer cannot run"
}

# sanitized [NAME=VALUE...] [--] ARG...: run $PROG-san ARG... bounded,
# with the NAME=VALUE settings in its environment; fail on any report.
sanitized() {
	local -a env=()
	while (($# > 0)) && [[ $1 == *=* && $1 != -* ]]; do
		env+=("$1")
		shift
	done
	[[ ${1:-} != -- ]] || shift
	SAN_OUT=$BATS_TEST_TMPDIR/sanitized.out
	SAN_ERR=$BATS_TEST_TMPDIR/sanitized.err
	SAN_STATUS=0	# for the caller
	export SAN_STATUS
	# The options replace any the environment has (make SANITIZE=1 sends
	# reports to files): here they go to stderr, which we read.
	# exitcode 86: a report, told apart from the program's own 1 or 2.
	bounded "${SAN_RUN[@]}" "${env[@]}" bash -c \
		'ulimit -S -v unlimited 2>/dev/null; exec "$@"' sanitized \
		"$SAN_PROG" "$@" >"$SAN_OUT" 2>"$SAN_ERR" || SAN_STATUS=$?
	san_check "$SAN_ERR" "${PROG##*/} $*"
}

# The environment of a sanitized run (start_server "${SAN_RUN[@]}" ...
# for a server; then san_check "$SERVER_ERR" WHAT once it stopped).
SAN_RUN=(env
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=86:verify_asan_link_order=0:detect_stack_use_after_return=1
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86
	LSAN_OPTIONS=exitcode=86)

# san_check FILE WHAT: fail, explaining, if FILE (a sanitized program's
# stderr) holds a sanitizer's report.
san_check() {
	grep -qE '^==[0-9]+==ERROR: |runtime error: |^SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' \
		"$1" || return 0
	fail "$(san_explain "$1" "$2")"
}

# san_explain FILE WHAT: a report in words, then the report itself.
san_explain() {
	local file=$1 what=$2 src=${PROG##*/}.c kind size='' where='' frame line
	kind=$(sed -n 's/^==[0-9]*==ERROR: [A-Za-z]*Sanitizer: \([A-Za-z-]*\).*/\1/p' \
		"$file" | head -n 1)
	# The first frame in the lesson's own source: the student's line.
	frame=$(grep -m 1 -E "^ +#[0-9]+ 0x[0-9a-f]+ in [^ ]+ .*/$src:[0-9]+" "$file")
	if [[ $frame =~ \ in\ ([^ ]+)\ .*/($src:[0-9]+) ]]; then
		where="${BASH_REMATCH[1]}() at ${BASH_REMATCH[2]}"
	fi
	line=$(grep -m 1 -E '^(READ|WRITE) of size [0-9]+' "$file")
	[[ $line =~ ^(READ|WRITE)\ of\ size\ ([0-9]+) ]] &&
		size="${BASH_REMATCH[1],,} of ${BASH_REMATCH[2]} byte(s)"
	echo "the sanitizers found a bug in your program ($what):"
	case $kind in
	heap-buffer-overflow | stack-buffer-overflow | global-buffer-overflow | dynamic-stack-buffer-overflow)
		echo "  your ${where:-code} went past the end (or start) of a buffer: a $size outside it ($kind)."
		echo "  Check every length you give recv(), memcpy(), strcpy(), a loop over an array." ;;
	heap-use-after-free)
		echo "  your ${where:-code} used memory after it was freed ($size; $kind)."
		echo "  Use what a pointer points to before free() or freeaddrinfo(), never after." ;;
	stack-use-after-return | stack-use-after-scope)
		echo "  your ${where:-code} used a local variable after its function or block ended ($kind)." ;;
	double-free | attempting)
		echo "  your ${where:-code} freed memory twice, or freed what malloc() did not give ($kind)." ;;
	SEGV)
		echo "  your ${where:-code} used a bad pointer (SEGV)." ;;
	detected)
		echo "  memory allocated in your ${where:-code} is never freed: a leak."
		echo "  $(grep -m 1 '^SUMMARY: ' "$file" | sed 's/^SUMMARY: [A-Za-z]*Sanitizer: //')"
		echo "  Free what you allocate (and freeaddrinfo() what getaddrinfo() gave) on every path." ;;
	*)
		line=$(grep -m 1 'runtime error: ' "$file")
		if [[ -n $line ]]; then
			echo "  undefined behaviour at ${line%%: runtime error: *}:"
			echo "  ${line#*runtime error: }"
		else
			echo "  ${kind:-a report} in your ${where:-code}"
		fi ;;
	esac
	echo "The sanitizer's report:"
	sed -n '/==ERROR: \|runtime error: \|SUMMARY: /,$p' "$file" | head -n 40
}
