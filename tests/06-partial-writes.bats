#!/usr/bin/env bats
# Lesson 06: partial writes.  `make check-06` runs this file against your
# lesson.  The exercise tests run the writer under the short-I/O shim
# (tools/shortio.c), where every send() takes 1 to 7 bytes, against a
# receiver that checks every byte (build/tools/peer check): a writer
# that ignores send()'s count is caught every time.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load shortio
	load sanitized
	lab_setup 06-partial-writes writer
}

teardown() {
	lab_teardown
}

BYTES=5000	# per transfer under the shim: fast even at 1 byte a call

# start_receiver [HOST]: a receiver that checks every byte, on a port
# the kernel picks.
start_receiver() {
	start_server "$PEER" --host "${1:-127.0.0.1}" check
}

# A check for shortio_every: the writer says it sent BYTES bytes, and
# the receiver's verdict is that all came, with the same checksum.
all_arrived() {
	local sum
	((status == 0)) || return 1
	[[ $output =~ sent\ $BYTES\ bytes\ to\ [^\ ]+\ \(checksum\ ([0-9a-f]{8})\) ]] ||
		return 1
	sum=${BASH_REMATCH[1]}
	[[ $output == *"the receiver: got all $BYTES bytes, every one as sent (checksum $sum)"* ]]
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr writer --help
	assert_success
	assert_line --index 0 --regexp '^usage: writer '
	assert_equal "$stderr" ""
}

@test "a bad option, port or byte count is a usage error: one line, exit 2" {
	run --separate-stderr writer --port 1234
	assert_failure 2
	assert_equal "$stderr" "writer: bad option '--port' (see writer --help)"
	run --separate-stderr writer 127.0.0.1 0
	assert_failure 2
	assert_equal "$stderr" \
		"writer: bad port '0': a port is a number from 1 to 65535"
	run --separate-stderr writer 127.0.0.1 1234 -5
	assert_failure 2
	assert_equal "$stderr" \
		"writer: bad byte count '-5': a number from 0 to 4294967295"
	run --separate-stderr writer 127.0.0.1 1234 4294967296
	assert_failure 2
	run --separate-stderr writer 127.0.0.1 1234 10 extra
	assert_failure 2
	assert_equal "$stderr" "writer: too many arguments (see writer --help)"
}

@test "no receiver listening: connection refused, with a hint, exit 1" {
	refused_port
	run --separate-stderr writer 127.0.0.1 "$REFUSED_PORT"
	assert_failure 1
	assert_equal "$stderr" "writer: connect 127.0.0.1 port $REFUSED_PORT: Connection refused (is a receiver running? try build/tools/peer --port $REFUSED_PORT check)"
}

@test "the demo finishes by itself, exit 0, and narrates its three steps" {
	run writer
	assert_success
	assert_line --index 0 --partial "Lesson 06: partial writes."
	assert_line --regexp '^1\. One send\(\) of 262148 bytes, non-blocking'
	assert_line --regexp '^2\. The receiver starts reading'
	assert_line --regexp '^3\. A receiver that reads 65536 bytes, then closes'
}

@test "step 1: a non-blocking send() to a full receiver is short, then EAGAIN" {
	run writer
	assert_success
	assert_line --regexp '^  send\(\) took [0-9]+ of 262148 bytes: the rest did not fit$'
	[[ $output =~ took\ ([0-9]+)\ of ]]
	((BASH_REMATCH[1] > 0 && BASH_REMATCH[1] < 262148)) ||
		fail "send() took ${BASH_REMATCH[1]} bytes: not a short count"
	assert_line "  send() again until it fails: Resource temporarily unavailable (EAGAIN)"
	assert_line --regexp "^  [0-9]+ bytes are in: [0-9]+ unread in the receiver's queue"
}

@test "step 3: a send() without MSG_NOSIGNAL raises SIGPIPE" {
	run writer
	assert_success
	assert_line "  and a send() without MSG_NOSIGNAL: SIGPIPE, which kills a program"
}

@test "a receiver that closes at once: a clear EPIPE/ECONNRESET error, exit 1, never SIGPIPE" {
	start_server "$PEER" close
	run --separate-stderr writer 127.0.0.1 "$SERVER_PORT" 20000000
	assert_failure 1	# 141 would be death by SIGPIPE
	assert_regex "$stderr" "^writer: send 127\.0\.0\.1:$SERVER_PORT: (Connection reset by peer|Broken pipe) \(the receiver closed the connection before reading everything\)$"
}

@test "the checking receiver reports a stream that stops short, a wrong byte" {
	start_receiver
	# A length of 10, then 3 bytes of the 10 (bytes 0, 1, 2), then EOF.
	printf '\0\0\0\x0a\0\1\2' >"/dev/tcp/127.0.0.1/$SERVER_PORT"
	# A length of 4, then bytes 0, 1 and a wrong one.
	printf '\0\0\0\x04\0\1\7\3' >"/dev/tcp/127.0.0.1/$SERVER_PORT"
	# Each verdict comes after its stream: the second proves the first.
	run "$(solution 06-partial-writes writer)" 127.0.0.1 "$SERVER_PORT" 10
	assert_success
	stop_server
	run cat "$SERVER_OUT"
	assert_line --index 1 "connection closed after 3 of 10 bytes"
	assert_line --index 2 "byte 2 of 4 is not what was sent"
	assert_line --index 3 --regexp '^got all 10 bytes, every one as sent \(checksum [0-9a-f]{8}\)$'
}

# bats test_tags=exercise
@test "step 2: send_all() sends the rest and the receiver checks every byte" {
	run writer
	assert_success
	assert_line --regexp '^  send_all\(\) sent the other [0-9]+ bytes$'
	assert_line --regexp '^  receiver: got all 262144 bytes, every one as sent \(checksum [0-9a-f]{8}\)$'
}

# bats test_tags=exercise
@test "step 3: send_all() reports the reset of a receiver that closed" {
	run writer
	assert_success
	assert_line "  receiver: read 65536 bytes, and now closes without reading the rest"
	assert_line --regexp '^  send_all\(\): (Connection reset by peer|Broken pipe): the receiver is gone'
}

# bats test_tags=exercise
@test "every byte arrives under the shim, maxima 1..7, 2 seeds" {
	start_receiver
	shortio_every all_arrived "$PROG" 127.0.0.1 "$SERVER_PORT" "$BYTES"
}

# bats test_tags=exercise
@test "EINTR (SHORTIO_EINTR=30) is retried: every byte arrives, maxima 1..7" {
	start_receiver
	# shellcheck disable=SC2034 # shortio_every reads it
	SHORTIO_SEEDS=(7)	# one seed a maximum is enough here
	shortio_every all_arrived SHORTIO_EINTR=30 "$PROG" 127.0.0.1 \
		"$SERVER_PORT" "$BYTES"
}

# bats test_tags=exercise
@test "EAGAIN (SHORTIO_EAGAIN=50) waits in poll() for room: every byte arrives, no busy retry" {
	start_receiver
	# The writer's socket is non-blocking (demo/stream_send.c); the shim
	# fails half its send() calls with EAGAIN, as a full buffer does,
	# and counts each send() made again at once, with no poll() between.
	run --separate-stderr shortio SHORTIO_EAGAIN=50 SHORTIO_MAX=7 \
		SHORTIO_VERBOSE=1 "$PROG" 127.0.0.1 "$SERVER_PORT" "$BYTES"
	all_arrived || fail "exit $status: $output $stderr"
	assert_no_busy_retry "$stderr" "sock_wait(fd, POLLOUT, 10000)"
}

# bats test_tags=exercise
@test "IPv6: every byte arrives over ::1 under the shim" {
	use_ipv6
	start_receiver ::1
	run shortio SHORTIO_MAX=3 "$PROG" ::1 "$SERVER_PORT" "$BYTES"
	all_arrived || fail "exit $status: $output"
	assert_line --regexp "^sent $BYTES bytes to \[::1\]:$SERVER_PORT "
}

# bats test_tags=exercise
@test "a receiver that sends its FIN, then a reset: EPIPE, a clear error, exit 1, never SIGPIPE" {
	# The peer's fin-reset mode: the FIN comes first, then (once our
	# first bytes are in) the RST, so the send() after it fails with
	# EPIPE every time, which raises SIGPIPE without MSG_NOSIGNAL.
	start_server "$PEER" fin-reset
	run --separate-stderr writer 127.0.0.1 "$SERVER_PORT" 20000000
	assert_failure 1	# 141 would be death by SIGPIPE
	assert_equal "$stderr" "writer: send 127.0.0.1:$SERVER_PORT: Broken pipe (the receiver closed the connection before reading everything)"
}

# bats test_tags=exercise
@test "send_all under AddressSanitizer, UBSan and LeakSanitizer: nothing read past the buffer" {
	require_sanitized
	sanitized
	start_receiver
	sanitized LD_PRELOAD="$SHORTIO_LIB" SHORTIO_MAX=7 SHORTIO_EINTR=20 -- \
		127.0.0.1 "$SERVER_PORT" "$BYTES"
	start_server "$PEER" fin-reset
	sanitized 127.0.0.1 "$SERVER_PORT" 20000000
}
