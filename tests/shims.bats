#!/usr/bin/env bats
# tests/shims.bats - the toolkit's preload libraries that let exercise
# tests run on any machine: tools/names.c (a private /etc/hosts) and
# tools/loop6.c (an IPv6 loopback carried over IPv4's).  getent(1)
# shows what getaddrinfo answers; the toolkit's peer and lesson 03's
# reference client show the sockets.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	bats_require_minimum_version 1.5.0
	NAMES_LIB=$LAB_OUT/tools/names.so
	LOOP6_LIB=$LAB_OUT/tools/loop6.so
	CLIENT=$(solution 03-client client)
	# "${LOOP6[@]}" CMD...: CMD under the IPv6 shim.  A sanitizer build's
	# runtime wants to come first in LD_PRELOAD; verify_asan_link_order=0
	# lets it come second.
	LOOP6=(env LD_PRELOAD="$LOOP6_LIB"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	[[ -f $NAMES_LIB && -f $LOOP6_LIB ]] || fail "the shims are not built: make"
	command -v getent >/dev/null || skip "needs getent"
}

teardown() {
	lab_teardown
}

# names 'NAMES' getent ARGS...: getent under the name shim.
names() {
	bounded env LD_PRELOAD="$NAMES_LIB" NAMES="$1" "${@:2}"
}


@test "names: a listed name gets its addresses in order, each for stream, datagram and raw" {
	run names 'lab-x=1 lab-both=127.0.0.2,127.0.0.1' getent ahosts lab-both
	assert_success
	# The first line carries the canonical name (getent asks for it).
	assert_equal "${lines[*]}" "$(printf '%s\n' \
		'127.0.0.2       STREAM lab-both' '127.0.0.2       DGRAM  ' \
		'127.0.0.2       RAW    ' '127.0.0.1       STREAM ' \
		'127.0.0.1       DGRAM  ' '127.0.0.1       RAW    ' | paste -sd' ')"
}

@test "names: only the family asked for; none left, or none given: no such name" {
	run names 'lab-mix=::1,127.0.0.1' getent ahostsv4 lab-mix
	assert_success
	assert_line --index 0 '127.0.0.1       STREAM lab-mix'
	assert_equal "${#lines[@]}" 3
	run names 'lab-both=127.0.0.2,127.0.0.1' getent ahostsv6 lab-both
	assert_failure 2
	assert_output ""
	run names 'lab-none=' getent ahosts lab-none
	assert_failure 2
	# Something that is no address: getaddrinfo fails (EAI_FAIL).
	run names 'lab-bad=300.1.2.3' getent ahosts lab-bad
	assert_failure 2
}

@test "names: other names go to the real resolver" {
	run getent ahostsv4 localhost
	local want=$output
	run names 'lab-both=127.0.0.2' getent ahostsv4 localhost
	assert_success
	assert_output "$want"
}

@test "names: a client connects by a listed name, a server listens on one" {
	start_server "$PEER" echo
	run --separate-stderr names "lab-one=127.0.0.1" "$CLIENT" lab-one \
		"$SERVER_PORT" hello
	assert_success
	assert_line --index 0 --regexp "^connected to 127\.0\.0\.1:$SERVER_PORT "
	start_server env LD_PRELOAD="$NAMES_LIB" NAMES=lab-two=127.0.0.2 \
		"$PEER" --host lab-two echo
	assert_equal "$SERVER_HOST" 127.0.0.2
}

@test "loop6: ::1 works with IPv6 sockets over IPv4's loopback, addresses shown as IPv6" {
	start_server "${LOOP6[@]}" "$PEER" --host ::1 echo
	assert_equal "$SERVER_ADDR" "[::1]:$SERVER_PORT"
	# Under it is an IPv4 socket: the kernel lists it in /proc/net/tcp.
	local hex
	printf -v hex '%04X' "$SERVER_PORT"
	run grep -c "^ *[0-9]*: 0100007F:$hex 00000000:0000 0A " /proc/net/tcp
	assert_output 1
	run --separate-stderr bounded "${LOOP6[@]}" "$CLIENT" ::1 "$SERVER_PORT" "over six"
	assert_success
	assert_line --index 0 --regexp \
		"^connected to \[::1\]:$SERVER_PORT \(from \[::1\]:[0-9]+\)$"
	assert_line --index 2 --regexp '^received 8 bytes .*: over six$'
}

@test "loop6: what the kernel refuses, it refuses with the kernel's errors" {
	start_server "${LOOP6[@]}" "$PEER" --host ::1 refuse
	run --separate-stderr bounded "${LOOP6[@]}" "$CLIENT" ::1 "$SERVER_PORT"
	assert_failure 1
	assert_regex "$stderr" "^client: connect \[::1\]:$SERVER_PORT: Connection refused "
	# An address this machine does not have: not reachable, not bindable.
	run --separate-stderr bounded "${LOOP6[@]}" "$CLIENT" 2001:db8::1 "$SERVER_PORT"
	assert_failure 1
	assert_regex "$stderr" "^client: connect \[2001:db8::1\]:$SERVER_PORT: Network is unreachable"
	run --separate-stderr bounded "${LOOP6[@]}" "$PEER" --host 2001:db8::1 echo
	assert_failure 1
	assert_regex "$stderr" "Cannot assign requested address$"
}

@test "loop6: an IPv4 socket is left alone" {
	start_server "${LOOP6[@]}" "$PEER" --host 127.0.0.1 echo
	assert_equal "$SERVER_ADDR" "127.0.0.1:$SERVER_PORT"
	run --separate-stderr bounded "${LOOP6[@]}" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
	assert_success
	assert_line --index 0 --regexp "^connected to 127\.0\.0\.1:$SERVER_PORT "
}
