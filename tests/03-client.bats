#!/usr/bin/env bats
# Lesson 03: client.  `make check-03` runs this file against your lesson.
#
# The server on the other end is lesson 04's reference server (so a bug
# in your lesson 04 cannot fail these tests), the toolkit's peer, or
# socat where it is installed.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load sanitized
	lab_setup 03-client client
	SERVER=$(solution 04-server server)
}

teardown() {
	lab_teardown
}

# start_socat ADDRESS: a socat server on 127.0.0.1, a port the kernel
# picks, for one connection; its "-d -d" log line says the port.
start_socat() {
	require socat
	start_server bash -c 'socat -d -d TCP-LISTEN:0,bind=127.0.0.1 "$1" 2>&1 |
		sed -un "s/.* listening on AF=2 /listening on /p"' socat "$1"
}

@test "talks to lesson 04's server: sends the notes' message, prints the echo" {
	start_server "$SERVER" --port 0
	run --separate-stderr client 127.0.0.1 "$SERVER_PORT"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp \
		"^connected to 127\.0\.0\.1:$SERVER_PORT \(from 127\.0\.0\.1:[0-9]+\)$"
	assert_line --index 1 "sent 10 bytes: Hello tcp!"
	assert_line --index 2 --regexp \
		'^received 10 bytes in [0-9]+ recv\(\) calls?: Hello tcp!$'
}

@test "sends a message of your own, spaces and all" {
	start_server "$SERVER" --port 0
	run client 127.0.0.1 "$SERVER_PORT" "two words, and UTF-8: é"
	assert_success
	assert_line --regexp \
		'^received 24 bytes in [0-9]+ recv\(\) calls?: two words, and UTF-8: é$'
}

@test "a 100 kB message comes back whole: recv() is called until it is" {
	local msg
	msg=$(head -c 100000 /dev/zero | tr '\0' x)
	start_server "$SERVER" --port 0
	run client 127.0.0.1 "$SERVER_PORT" "$msg"
	assert_success
	# Compare by hand: a regular expression of 100 kB is slow.
	[[ ${lines[1]} == "sent 100000 bytes: $msg" ]] || fail "bad sent line"
	assert_regex "${lines[2]%%: *}" \
		'^received 100000 bytes in [0-9]+ recv\(\) calls?$'
	[[ ${lines[2]#*: } == "$msg" ]] || fail "the reply differs"
}

@test "the reply is read whole even when each recv() brings 3 bytes" {
	local shim=$LAB_OUT/tools/shortio.so
	[[ -f $shim ]] || skip "the short-I/O shim is not built ($shim)"
	start_server "$SERVER" --port 0
	run env LD_PRELOAD="$shim" SHORTIO_MAX=3 \
		ASAN_OPTIONS=verify_asan_link_order=0 \
		"$PROG" 127.0.0.1 "$SERVER_PORT" "Hello tcp!"
	assert_success
	# 10 bytes, at most 3 a call: 4 calls at least.
	assert_line --regexp \
		'^received 10 bytes in ([4-9]|[1-9][0-9]+) recv\(\) calls: Hello tcp!$'
}

@test "prints the reply's bytes as they came, NUL bytes too" {
	# A server that answers 4 bytes with 4 bytes of its own.
	printf '#!/bin/sh\nhead -c 4 >/dev/null\nprintf "a\\000b\\377"\n' \
		>"$BATS_TEST_TMPDIR/reply"
	chmod +x "$BATS_TEST_TMPDIR/reply"
	start_socat "EXEC:$BATS_TEST_TMPDIR/reply"
	bounded "$PROG" 127.0.0.1 "$SERVER_PORT" abcd \
		>"$BATS_TEST_TMPDIR/out"
	run bash -c 'tail -c 5 "$1" | od -An -tx1' od "$BATS_TEST_TMPDIR/out"
	assert_output " 61 00 62 ff 0a"
}

@test "talks to socat's echo server too" {
	start_socat PIPE
	run client 127.0.0.1 "$SERVER_PORT" "hello, socat"
	assert_success
	assert_line --regexp \
		'^received 12 bytes in [0-9]+ recv\(\) calls?: hello, socat$'
}

@test "defaults: 127.0.0.1, port 1234, Hello tcp! (in a private network)" {
	require_private_net
	# Lesson 04's server on its default port, then the client with no
	# host, port or message.
	local script='mkfifo "$3"
		"$1" --host 127.0.0.1 >"$3" & exec 3<"$3"; read -r line <&3
		"$2" --timeout 2; s=$?; kill $!; wait; exit $s'
	run --separate-stderr private_net "$script" "$SERVER" "$PROG" \
		"$BATS_TEST_TMPDIR/fifo"
	assert_success
	assert_line --index 0 --regexp '^connected to 127\.0\.0\.1:1234 '
	assert_line --index 1 "sent 10 bytes: Hello tcp!"
}

@test "nobody listening: Connection refused, a hint, exit 1" {
	refused_port 127.0.0.1
	run --separate-stderr client 127.0.0.1 "$REFUSED_PORT"
	assert_failure 1
	assert_equal "$stderr" "client: connect 127.0.0.1:$REFUSED_PORT: Connection refused (is a server running? try make lesson-04)"
}

@test "a server that closes early: exit 1, saying how many bytes came" {
	start_server "$PEER" short 3
	run --separate-stderr client 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" \
		"client: recv: the server closed the connection after 3 of 10 bytes"
}

@test "a server that closes at once: exit 1, no hang" {
	start_server "$PEER" close
	run --separate-stderr client 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_regex "$stderr" '^client: (recv|send): '
}

@test "--timeout: a server that never answers costs that long, then exit 1" {
	start_server "$PEER" hold
	run --separate-stderr client --timeout 0.1 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" \
		"client: recv: no reply within 0.1 s (0 of 10 bytes came; see --timeout)"
}

@test "--timeout bounds connect() too: a full accept queue" {
	local i fd fds=()
	# The peer never accepts, with a backlog of 16: Linux completes 17
	# handshakes for it, then drops SYNs.  16 fit for sure ...
	start_server "$PEER" hold
	for ((i = 0; i < 16; i++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
		fds+=("$fd")
	done
	# ... and then clients queue up until one can no longer connect.
	# Not i: bats 1.8.2's run resets a caller's i, and the loop would
	# never end.
	local try
	for ((try = 0; try < 4; try++)); do
		run --separate-stderr client --timeout 0.1 127.0.0.1 \
			"$SERVER_PORT"
		[[ $stderr != client:\ connect* ]] || break
	done
	assert_failure 1
	assert_equal "$stderr" "client: connect 127.0.0.1:$SERVER_PORT: Connection timed out (no answer within 0.1 s; see --timeout)"
	for fd in "${fds[@]}"; do
		exec {fd}<&-
	done
}

@test "a bad port is a usage error, exit 2" {
	local port
	for port in abc 0 65536 -1 ""; do
		run --separate-stderr client 127.0.0.1 "$port"
		assert_failure 2
		assert_equal "$output" ""
		assert_equal "$stderr" \
			"client: bad port '$port': a port is a number from 1 to 65535"
	done
}

@test "a bad --timeout is a usage error, exit 2" {
	local t
	for t in abc 0 -1 " 5" inf 5s 99999; do
		run --separate-stderr client --timeout "$t" 127.0.0.1
		assert_failure 2
		assert_regex "$stderr" "^client: bad timeout '$t': "
	done
	run --separate-stderr client 127.0.0.1 --timeout
	assert_failure 2
}

@test "an unknown option, an empty message or a fourth argument: exit 2" {
	run --separate-stderr client --frobnicate
	assert_failure 2
	assert_equal "$stderr" "client: bad option '--frobnicate' (see client --help)"
	run --separate-stderr client 127.0.0.1 1234 ""
	assert_failure 2
	assert_regex "$stderr" '^client: empty message'
	run --separate-stderr client 127.0.0.1 1234 hi there
	assert_failure 2
	assert_regex "$stderr" '^client: too many arguments'
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr client --help
	assert_success
	assert_line --index 0 --partial "usage: client"
	assert_equal "$stderr" ""
}

@test "the demo plays both sides, ends by itself and exits 0" {
	run --separate-stderr client
	assert_success
	assert_equal "$stderr" ""
	assert_line --regexp '^  listening on 127\.0\.0\.1:[0-9]+$'
	local port=${lines[3]##*:}
	assert_line --regexp "^  connected to 127\.0\.0\.1:$port \(from "
	assert_line "  sent 10 bytes: Hello tcp!"
	assert_line --regexp \
		'^  received 10 bytes in [0-9]+ recv\(\) calls?: Hello tcp!$'
}

# bats test_tags=exercise
@test "a name: localhost resolves through getaddrinfo and connects" {
	# The name from tools/names.c, not from /etc/hosts (a minimal
	# container has no line for localhost): the same verdict anywhere.
	start_server "$SERVER" --port 0
	run --separate-stderr with_names localhost=127.0.0.1 \
		"$PROG" localhost "$SERVER_PORT" "by name"
	assert_success
	assert_line --regexp \
		"^connected to 127\.0\.0\.1:$SERVER_PORT \(from 127\.0\.0\.1:[0-9]+\)$"
	assert_line --regexp '^received 7 bytes in [0-9]+ recv\(\) calls?: by name$'
}

# bats test_tags=exercise
@test "IPv6: ::1 connects, and the addresses print as [::1]:PORT" {
	use_ipv6
	start_server "$SERVER" --host ::1 --port 0
	assert_equal "$SERVER_ADDR" "[::1]:$SERVER_PORT"
	run --separate-stderr client ::1 "$SERVER_PORT" "over IPv6"
	assert_success
	assert_line --index 0 --regexp \
		"^connected to \[::1\]:$SERVER_PORT \(from \[::1\]:[0-9]+\)$"
	assert_line --regexp '^received 9 bytes in [0-9]+ recv\(\) calls?: over IPv6$'
}

# bats test_tags=exercise
@test "IPv6 with nobody listening: refused, with the hint, exit 1" {
	use_ipv6
	refused_port ::1
	run --separate-stderr client ::1 "$REFUSED_PORT"
	assert_failure 1
	assert_equal "$stderr" "client: connect [::1]:$REFUSED_PORT: Connection refused (is a server running? try make lesson-04)"
}

# bats test_tags=exercise
@test "an unknown host: getaddrinfo's own message, exit 1" {
	# A name with spaces: glibc rejects it without asking DNS, so the
	# test does not depend on the network.
	run --separate-stderr client "no such host" 1234
	assert_failure 1
	assert_equal "$output" ""
	assert_regex "$stderr" '^client: no such host: (Name or service not known|No address associated with hostname|Name does not resolve|Temporary failure in name resolution|Non-recoverable failure in name resolution)$'
}

# bats test_tags=exercise
@test "tries every address of a name until one connects" {
	# lab-both has two addresses, 127.0.0.2 then 127.0.0.1 (tools/names.c
	# answers getaddrinfo for it).  The server listens on one of them,
	# each in turn, and the other refuses (the peer holds the port there
	# without listening): a client that tries only the first address, or
	# only the last, fails one of the two rounds.
	local host other port
	for host in 127.0.0.1 127.0.0.2; do
		other=127.0.0.2
		[[ $host == 127.0.0.2 ]] && other=127.0.0.1
		start_server "$SERVER" --host "$host" --port 0
		port=$SERVER_PORT
		start_server "$PEER" --host "$other" --port "$port" refuse
		run --separate-stderr with_names lab-both=127.0.0.2,127.0.0.1 \
			"$PROG" lab-both "$port"
		assert_success
		assert_line --index 0 --regexp \
			"^connected to ${host//./\\.}:$port "
		assert_line --regexp '^received 10 bytes '
	done
	# More evidence where the machine allows it: the same name from the
	# C library's own resolver, in a private /etc/hosts (a bind mount in
	# a mount namespace of its own, which an ordinary user may make in a
	# user namespace).  The same two addresses, whatever order it gives
	# them in: it must catch no more than the rounds above (an IPv4-only
	# client is the IPv6 tests' to catch), or the verdict would depend
	# on the machine.
	command -v unshare >/dev/null && unshare -rm true 2>/dev/null ||
		return 0
	printf '127.0.0.2 lab-both\n127.0.0.1 lab-both\n' >"$BATS_TEST_TMPDIR/hosts"
	for host in 127.0.0.1 127.0.0.2; do
		other=127.0.0.2
		[[ $host == 127.0.0.2 ]] && other=127.0.0.1
		start_server "$SERVER" --host "$host" --port 0
		port=$SERVER_PORT
		start_server "$PEER" --host "$other" --port "$port" refuse
		run --separate-stderr bounded unshare -rm sh -c \
			'mount --bind "$1" /etc/hosts && exec "$2" lab-both "$3"' \
			sh "$BATS_TEST_TMPDIR/hosts" "$PROG" "$port"
		assert_success
		assert_line --index 0 --regexp \
			"^connected to ${host//./\\.}:$port "
		assert_line --regexp '^received 10 bytes '
	done
}

# bats test_tags=exercise
@test "three addresses, all refused: a warning for each of the first two, the error for the last" {
	# getaddrinfo() answers lab-three with three addresses, in this
	# order (tools/names.c); the same port refuses on all three (bound,
	# never listening).
	refused_port 127.0.0.1
	start_server "$PEER" --host 127.0.0.2 --port "$REFUSED_PORT" refuse
	start_server "$PEER" --host 127.0.0.3 --port "$REFUSED_PORT" refuse
	run --separate-stderr with_names lab-three=127.0.0.1,127.0.0.2,127.0.0.3 \
		"$PROG" lab-three "$REFUSED_PORT"
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "$(printf '%s\n' \
		"client: connect 127.0.0.1:$REFUSED_PORT: Connection refused; trying the next address" \
		"client: connect 127.0.0.2:$REFUSED_PORT: Connection refused; trying the next address" \
		"client: connect 127.0.0.3:$REFUSED_PORT: Connection refused (is a server running? try make lesson-04)")"
}

# bats test_tags=exercise
@test "three addresses: stops at the first that connects, warning about each one before it only" {
	local names=lab-three=127.0.0.1,127.0.0.2,127.0.0.3 a
	# The server on the first address: no warning at all, and the
	# client stays with it (it does not try the other two).
	start_server "$SERVER" --host 127.0.0.1 --port 0
	for a in 127.0.0.2 127.0.0.3; do
		start_server "$PEER" --host "$a" --port "$SERVER_PORT" refuse
	done
	run --separate-stderr with_names "$names" "$PROG" lab-three "$SERVER_PORT"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp "^connected to 127\.0\.0\.1:$SERVER_PORT "
	assert_line --index 2 --regexp '^received 10 bytes '
	# The server on the last: one warning for each of the other two.
	start_server "$SERVER" --host 127.0.0.3 --port 0
	for a in 127.0.0.1 127.0.0.2; do
		start_server "$PEER" --host "$a" --port "$SERVER_PORT" refuse
	done
	run --separate-stderr with_names "$names" "$PROG" lab-three "$SERVER_PORT"
	assert_success
	assert_equal "$stderr" "$(printf '%s\n' \
		"client: connect 127.0.0.1:$SERVER_PORT: Connection refused; trying the next address" \
		"client: connect 127.0.0.2:$SERVER_PORT: Connection refused; trying the next address")"
	assert_line --index 0 --regexp "^connected to 127\.0\.0\.3:$SERVER_PORT "
}

# bats test_tags=exercise
@test "connect_to under AddressSanitizer, UBSan and LeakSanitizer: no leak (freeaddrinfo), nothing used after free" {
	require_sanitized
	start_server "$SERVER" --port 0
	sanitized 127.0.0.1 "$SERVER_PORT" "leak check"
	sanitized localhost "$SERVER_PORT"
	refused_port 127.0.0.1
	sanitized 127.0.0.1 "$REFUSED_PORT"
	sanitized localhost "$REFUSED_PORT"
	sanitized "no such host" 1234
}
