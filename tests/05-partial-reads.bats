#!/usr/bin/env bats
# Lesson 05: partial reads.  `make check-05` runs this file against your
# lesson.  The exercise tests run the reader under the short-I/O shim
# (tools/shortio.c), where every recv() returns 1 to 7 bytes: a reader
# that does not loop is caught every time, not by bad luck.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load shortio
	load sanitized
	lab_setup 05-partial-reads reader
}

teardown() {
	lab_teardown
}

# What the demo prints when each message arrived whole.
WHOLE='  got all 42 bytes: "Hello tcp! This message travels in pieces."'
CLOSED='  connection closed after 20 of 42 bytes'
FRAMED='  got the whole message: "Length first,\x00 then exactly that many bytes."'
# A message for the echo server, longer than any shortened recv().
ECHO='Partial reads: recv() may return 1 byte, or 7, or all of them.'

# Checks for shortio_every: did the run go right?
demo_whole() {
	((status == 0)) && [[ $output == *"$WHOLE"* &&
		$output == *"$CLOSED"* && $output == *"$FRAMED"* ]]
}
echo_whole() {
	((status == 0)) &&
		[[ $output == *"got all ${#ECHO} bytes back: \"$ECHO\""* ]]
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr reader --help
	assert_success
	assert_line --index 0 --regexp '^usage: reader '
	assert_equal "$stderr" ""
}

@test "a bad option, port or message is a usage error: one line, exit 2" {
	run --separate-stderr reader --port 1234
	assert_failure 2
	assert_equal "$stderr" "reader: bad option '--port' (see reader --help)"
	run --separate-stderr reader 127.0.0.1 12x
	assert_failure 2
	assert_equal "$stderr" \
		"reader: bad port '12x': a port is a number from 1 to 65535"
	run --separate-stderr reader 127.0.0.1 1234 ""
	assert_failure 2
	assert_equal "$stderr" \
		"reader: empty message: there would be nothing to read"
	run --separate-stderr reader 127.0.0.1 1234 hello extra
	assert_failure 2
	assert_equal "$stderr" "reader: too many arguments (see reader --help)"
}

@test "no server listening: connection refused, with a hint, exit 1" {
	refused_port
	run --separate-stderr reader 127.0.0.1 "$REFUSED_PORT"
	assert_failure 1
	assert_equal "$stderr" "reader: connect 127.0.0.1 port $REFUSED_PORT: Connection refused (is a server running? try make lesson-04)"
}

@test "the demo finishes by itself, exit 0, and narrates its four steps" {
	run reader
	assert_success
	assert_line --index 0 --partial "Lesson 05: partial reads."
	assert_line --regexp '^1\. One recv\(\) for the whole message'
	assert_line --regexp '^2\. recv_all\(\)'
	assert_line --regexp '^3\. A peer that closes after 20 bytes'
	assert_line --regexp '^4\. So the reader must know the length'
}

@test "step 1: one recv() returns only the first 10-byte piece" {
	run reader
	assert_success
	assert_line '  recv(fd, buf, 42, 0) returned 10: "Hello tcp!"'
	assert_line '  32 bytes short: one recv() is not one message'
}

@test "step 1 under the shim (SHORTIO_MAX=1): recv() returns 1 byte" {
	run shortio SHORTIO_MAX=1 "$PROG"
	assert_success
	assert_line '  recv(fd, buf, 42, 0) returned 1: "H"'
	assert_line '  41 bytes short: one recv() is not one message'
}

# bats test_tags=exercise
@test "step 2: recv_all() reads the pieces one by one, 42 bytes in all" {
	run reader
	assert_success
	assert_line "$WHOLE"
	# The peer sends the next piece only once we have read the last.
	assert_output --partial "$(printf '%s\n' \
		'  recv() returned 10 bytes (10 of 42)' \
		'  recv() returned 10 bytes (20 of 42)' \
		'  recv() returned 10 bytes (30 of 42)' \
		'  recv() returned 10 bytes (40 of 42)' \
		'  recv() returned 2 bytes (42 of 42)')"
}

# bats test_tags=exercise
@test "step 3: a peer that closes early is 'closed after 20 of 42 bytes'" {
	run reader
	assert_success
	assert_line "  recv() returned 0: the peer closed the connection"
	assert_line "$CLOSED"
}

# bats test_tags=exercise
@test "step 4: the length-prefixed message arrives whole, NUL and all" {
	run reader
	assert_success
	assert_line "  the length says 44 bytes follow"
	assert_line "$FRAMED"
}

# bats test_tags=exercise
@test "the demo's messages arrive whole under the shim, maxima 1..7, 2 seeds" {
	shortio_every demo_whole "$PROG"
}

# bats test_tags=exercise
@test "an echo comes back whole under the shim, maxima 1..7, 2 seeds" {
	start_server "$PEER" echo
	shortio_every echo_whole "$PROG" 127.0.0.1 "$SERVER_PORT" "$ECHO"
}

# bats test_tags=exercise
@test "EINTR (SHORTIO_EINTR=30) is retried: nothing lost, demo and echo, maxima 1..7" {
	start_server "$PEER" echo
	# shellcheck disable=SC2034 # shortio_every reads it
	SHORTIO_SEEDS=(7)	# one seed a maximum is enough here
	shortio_every demo_whole SHORTIO_EINTR=30 "$PROG"
	shortio_every echo_whole SHORTIO_EINTR=30 "$PROG" 127.0.0.1 \
		"$SERVER_PORT" "$ECHO"
}

# bats test_tags=exercise
@test "a server that closes early: 'closed after 5 of 20 bytes', exit 1" {
	start_server "$PEER" short 5
	run --separate-stderr shortio SHORTIO_MAX=2 "$PROG" 127.0.0.1 \
		"$SERVER_PORT" "twenty bytes exactly"
	assert_failure 1
	assert_equal "$stderr" "reader: recv 127.0.0.1:$SERVER_PORT: connection closed after 5 of 20 bytes"
}

# bats test_tags=exercise
@test "IPv6: an echo over ::1 comes back whole under the shim" {
	use_ipv6
	start_server "$PEER" --host ::1 echo
	run shortio SHORTIO_MAX=3 "$PROG" ::1 "$SERVER_PORT" "$ECHO"
	assert_success
	assert_line "sent ${#ECHO} bytes to [::1]:$SERVER_PORT; reading them back:"
	assert_line "got all ${#ECHO} bytes back: \"$ECHO\""
}

# bats test_tags=exercise
@test "a reset after 10 bytes: recv_all() returns -1, the reader says why (ECONNRESET), exit 1" {
	local max
	# The peer reads the whole message first (so no send() of ours
	# can meet the reset), sends back its first 10 bytes, then resets.
	start_server "$PEER" cut 20
	for max in 0 2; do	# whole, and 1 or 2 bytes a call
		run --separate-stderr shortio SHORTIO_MAX="$max" "$PROG" \
			127.0.0.1 "$SERVER_PORT" "twenty bytes exactly"
		assert_failure 1
		assert_equal "$stderr" "reader: recv 127.0.0.1:$SERVER_PORT: Connection reset by peer"
	done
}

# bats test_tags=exercise
@test "a peer that sends more than asked: recv_all() takes exactly len bytes, no more" {
	# The peer echoes the 62 bytes, then sends 62 more: asking for len
	# (not len - got) after the first piece takes some of them.
	start_server "$PEER" more "${#ECHO}"
	# shellcheck disable=SC2034 # shortio_every reads them
	SHORTIO_MAXIMA=(2 5) SHORTIO_SEEDS=(1)
	shortio_every echo_whole "$PROG" 127.0.0.1 "$SERVER_PORT" "$ECHO"
}

# bats test_tags=exercise
@test "recv_all under AddressSanitizer, UBSan and LeakSanitizer: no overrun, not one byte" {
	require_sanitized
	sanitized LD_PRELOAD="$SHORTIO_LIB" SHORTIO_MAX=3 SHORTIO_EINTR=30
	start_server "$PEER" more "${#ECHO}"
	sanitized LD_PRELOAD="$SHORTIO_LIB" SHORTIO_MAX=5 -- 127.0.0.1 \
		"$SERVER_PORT" "$ECHO"
	start_server "$PEER" cut 20
	sanitized 127.0.0.1 "$SERVER_PORT" "twenty bytes exactly"
}
