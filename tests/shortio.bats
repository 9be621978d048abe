#!/usr/bin/env bats
# The short-I/O shim, tools/shortio.c (lessons 05 and 06 rely on it).
#
# tests/shortio-probe.c makes one call of each kind, or a whole transfer,
# and prints what every call returned.  `make test` builds it, and the
# shim itself, with gcc and clang, at -O0 and at -O2 -D_FORTIFY_SOURCE=2
# and =3 (where glibc calls __recv_chk and friends instead of recv); each probe
# then runs under each shim, and under the one make built.

# The socket calls the probe makes (each asks for 64 bytes), and the calls
# the shim must leave alone (MSG_WAITALL, UDP, a pipe, a file).
SOCKET_CALLS=(recv read recvfrom recvmsg readv send write sendto sendmsg
	writev)
LEFT_ALONE=(recv-waitall udp-send udp-recv pipe-write pipe-read file-write
	file-read)

setup_file() {
	load helper
	lab_setup_file
	# make test builds them (the Makefile's SHORTIO_TESTS).
	export VARIANTS=$LAB_OUT/tests/shortio
}

setup() {
	load helper
	bats_require_minimum_version 1.5.0
	if ! declare -F assert_success >/dev/null; then
		bats_load_library bats-support
		bats_load_library bats-assert
	fi
	SHIM=$LAB_OUT/tools/shortio.so
	[[ -f $SHIM ]] || fail "$SHIM is not built: run 'make'"
	# The probes most tests use: gcc's where there is gcc (its fortified
	# build calls __recv_chk and friends; clang 14's does not), else
	# clang's.
	local cc=gcc
	command -v gcc >/dev/null || cc=clang
	PROBE=$VARIANTS/probe-$cc-O0
	FORTIFIED=$VARIANTS/probe-$cc-fortify
	[[ -x $PROBE && -x $FORTIFIED ]] ||
		fail "$PROBE and $FORTIFIED are not built: run 'make test'"
}

teardown() {
	lab_teardown
}

# under SHIM PROBE MODE [VAR=VALUE...]: run the probe under a shim, with
# the SHORTIO_* settings given.  A sanitizer build of the shim needs its
# runtime first in LD_PRELOAD, or this option.
under() {
	local shim=$1 probe=$2 mode=$3
	shift 3
	local args=(calls "$BATS_TEST_TMPDIR/scratch" 64)
	[[ $mode == transfer ]] && args=(transfer 3000)
	[[ $mode == "nonblock "* ]] && args=(nonblock "${mode#nonblock }" 3000)
	run --separate-stderr bounded env LD_PRELOAD="$shim" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$@" "$probe" "${args[@]}"
}

# count_of NAME: what the probe printed for the call NAME.
count_of() {
	local line
	for line in "${lines[@]}"; do
		if [[ $line == "$1 "* ]]; then
			printf '%s\n' "${line#"$1 "}"
			return
		fi
	done
	printf 'missing\n'
}

# assert_counts LOW HIGH NAME...: every call NAME returned LOW..HIGH bytes.
# (One awk for all: a loop of bash commands is slow under bats.)
assert_counts() {
	local low=$1 high=$2 bad
	shift 2
	bad=$(awk -v low="$low" -v high="$high" -v names="$*" '
		{ got[$1] = $2 }
		END {
			n = split(names, want, " ")
			for (i = 1; i <= n; i++) {
				v = got[want[i]]
				if (v !~ /^[0-9]+$/ || v + 0 < low || v + 0 > high)
					printf "%s returned \"%s\"; ", want[i], v
			}
		}' <<<"$output")
	[[ -z $bad ]] || fail "$(printf '%s\n' "expected $low..$high bytes: $bad" \
		"the probe said:" "$output" "$stderr")"
}

# the probes and the shims that were built (clang may be missing).
probes() { compgen -G "$VARIANTS/probe-*[0-9a-z]" | grep -v '\.log$'; }
shims() { compgen -G "$VARIANTS/shortio-*.so"; }

@test "the shim and the probe build warning-free with gcc and clang, -O0 and fortified" {
	local log cc missing=
	for log in "$VARIANTS"/*.log; do
		[[ -s $log ]] && fail "$(basename "$log"): $(cat "$log")"
	done
	for cc in gcc clang; do
		if ! command -v "$cc" >/dev/null; then
			missing=$cc
			continue
		fi
		assert [ -f "$VARIANTS/shortio-$cc-O0.so" ]
		assert [ -f "$VARIANTS/shortio-$cc-fortify.so" ]
		assert [ -x "$VARIANTS/probe-$cc-O0" ]
		assert [ -x "$VARIANTS/probe-$cc-fortify" ]
	done
	[[ -z $missing ]] || skip "$missing is not installed: one compiler only"
}

@test "gcc's fortified probe calls __recv_chk, __read_chk, __recvfrom_chk" {
	# Otherwise the fortified runs below would not test those wrappers.
	require gcc nm
	run nm -u "$FORTIFIED"
	assert_success
	assert_output --partial __recv_chk
	assert_output --partial __read_chk
	assert_output --partial __recvfrom_chk
}

@test "with _FORTIFY_SOURCE=3 too, gcc's probe calls the _chk functions and the shim cuts them" {
	# =3 is Ubuntu's default since 24.04; glibc takes the same wrappers.
	require gcc nm
	local probe=$VARIANTS/probe-gcc-fortify3
	[[ -x $probe ]] || fail "$probe is not built: run 'make test'"
	run nm -u "$probe"
	assert_success
	assert_output --partial __recv_chk
	assert_output --partial __read_chk
	assert_output --partial __recvfrom_chk
	under "$SHIM" "$probe" calls SHORTIO_MAX=1
	assert_success
	assert_counts 1 1 "${SOCKET_CALLS[@]}"
}

@test "without the shim every call moves all 64 bytes (the probe works)" {
	local probe
	for probe in $(probes); do
		run --separate-stderr bounded "$probe" calls \
			"$BATS_TEST_TMPDIR/scratch" 64
		assert_success
		assert_counts 64 64 "${SOCKET_CALLS[@]}" "${LEFT_ALONE[@]}"
	done
}

@test "make's shim cuts every socket call to 1..3 bytes, in every probe build" {
	local probe
	for probe in $(probes); do
		under "$SHIM" "$probe" calls SHORTIO_MAX=3
		assert_success
		assert_counts 1 3 "${SOCKET_CALLS[@]}"
	done
}

@test "the shim built by gcc and clang, -O0 and fortified, cuts every call" {
	local shim probe
	for shim in $(shims); do
		for probe in "$PROBE" "$FORTIFIED"; do
			under "$shim" "$probe" calls SHORTIO_MAX=2
			assert_success
			assert_counts 1 2 "${SOCKET_CALLS[@]}"
			assert_counts 64 64 "${LEFT_ALONE[@]}"
		done
	done
}

@test "files, pipes and UDP sockets are left alone" {
	under "$SHIM" "$FORTIFIED" calls SHORTIO_MAX=1
	assert_success
	assert_counts 64 64 "${LEFT_ALONE[@]}"
	assert_counts 1 1 "${SOCKET_CALLS[@]}"
}

@test "MSG_WAITALL and zero-length calls pass through" {
	under "$SHIM" "$PROBE" calls SHORTIO_MAX=1 SHORTIO_EINTR=100
	assert_success
	assert_line "recv-waitall-peek 1024"
	assert_line "recv-waitall 64"
	assert_line "recv-zero 0"
	assert_line "send-zero 0"
}

@test "SHORTIO_EINTR=100 fails every socket call with EINTR, nothing else" {
	under "$SHIM" "$FORTIFIED" calls SHORTIO_EINTR=100
	assert_success
	assert_equal "$(grep ' EINTR$' <<<"$output" | cut -d' ' -f1 | xargs)" \
		"${SOCKET_CALLS[*]}"
	assert_counts 64 64 "${LEFT_ALONE[@]}"
}

@test "SHORTIO_EINTR=40 loses no data: calls fail before they reach the kernel" {
	under "$SHIM" "$PROBE" transfer SHORTIO_MAX=5 SHORTIO_EINTR=40
	assert_success
	assert_line --regexp '^sent 3000 bytes in [0-9]+ calls$'
	assert_line "intact yes"
	assert_line --regexp '^eintr [1-9][0-9]*$'
}

@test "SHORTIO_EAGAIN=100 leaves blocking sockets alone" {
	under "$SHIM" "$FORTIFIED" calls SHORTIO_EAGAIN=100
	assert_success
	assert_counts 64 64 "${SOCKET_CALLS[@]}" "${LEFT_ALONE[@]}"
}

@test "SHORTIO_EAGAIN=40 on non-blocking sockets loses no data; waiting in poll() or select() is no busy retry" {
	local way probe
	for probe in "$PROBE" "$FORTIFIED"; do
		for way in poll select; do
			under "$SHIM" "$probe" "nonblock $way" SHORTIO_MAX=5 \
				SHORTIO_EAGAIN=40 SHORTIO_VERBOSE=1
			assert_success
			assert_line "sent 3000, received 3000"
			assert_line "intact yes"
			assert_line --regexp '^eagain [1-9][0-9]*$'
			assert_regex "$stderr" ", ${lines[2]#eagain } with EAGAIN \(SHORTIO_EAGAIN=40\); 0 retried at once after EAGAIN "
		done
	done
}

@test "a call again at once after EAGAIN, without poll(), is counted as a busy retry" {
	under "$SHIM" "$PROBE" "nonblock spin" SHORTIO_MAX=5 SHORTIO_EAGAIN=40 \
		SHORTIO_VERBOSE=1
	assert_success
	assert_line "intact yes"
	assert_line --regexp '^eagain [1-9][0-9]*$'
	# Every EAGAIN was followed by a retry at once.
	assert_regex "$stderr" ", ${lines[2]#eagain } with EAGAIN \(SHORTIO_EAGAIN=40\); ${lines[2]#eagain } retried at once after EAGAIN \(no poll, select or epoll_wait between\)$"
}

@test "the sizes are 1..SHORTIO_MAX, the same for one seed, others for another" {
	local first sizes n
	under "$SHIM" "$PROBE" transfer SHORTIO_MAX=7 SHORTIO_SEED=11
	assert_success
	assert_line "intact yes"
	first=$output
	sizes=$(count_of "recv sizes:")
	for n in $sizes; do
		((n >= 1 && n <= 7)) || fail "a size of $n: $sizes"
	done
	(($(tr ' ' '\n' <<<"$sizes" | sort -u | wc -l) >= 4)) ||
		fail "the sizes hardly vary: $sizes"

	under "$SHIM" "$PROBE" transfer SHORTIO_MAX=7 SHORTIO_SEED=11
	assert_equal "$output" "$first"
	under "$SHIM" "$PROBE" transfer SHORTIO_MAX=7 SHORTIO_SEED=12
	assert_line "intact yes"
	[[ $(count_of "recv sizes:") != "$sizes" ]] ||
		fail "seeds 11 and 12 gave the same sizes: $sizes"
}

@test "SHORTIO_VERBOSE=1 reports at exit what the shim did" {
	under "$SHIM" "$PROBE" calls SHORTIO_MAX=1 SHORTIO_VERBOSE=1
	assert_success
	assert_regex "$stderr" '^shortio: pid [0-9]+: 10 socket calls, 10 shortened \(SHORTIO_MAX=1 SHORTIO_SEED=1\), 0 failed with EINTR$'
}

@test "without SHORTIO_MAX or SHORTIO_EINTR nothing changes" {
	under "$SHIM" "$PROBE" calls SHORTIO_VERBOSE=1
	assert_success
	assert_counts 64 64 "${SOCKET_CALLS[@]}"
	assert_regex "$stderr" ': 0 socket calls, 0 shortened'
}

@test "a malformed setting is reported and ignored" {
	under "$SHIM" "$PROBE" calls SHORTIO_MAX=lots SHORTIO_EINTR=150
	assert_success
	assert_counts 64 64 "${SOCKET_CALLS[@]}"
	assert_regex "$stderr" "shortio: SHORTIO_MAX='lots' is not a number from 0 to [0-9]+; ignored"
	assert_regex "$stderr" "shortio: SHORTIO_EINTR='150' is not a number from 0 to 100; ignored"
}
