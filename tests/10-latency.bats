#!/usr/bin/env bats
# Lesson 10: latency.  `make check-10` runs this file against your
# lesson.  The server is the toolkit's peer (build/tools/peer requests),
# which checks every request and answers with its length and checksum.
# The exercise tests run the client under the short-I/O shim
# (tools/shortio.c), where every send() and writev() takes 1 to 7 bytes;
# count the segments TCP sent (TCP_INFO); and time two ways in the same
# test, two send()s against send_request(), by their median round trip
# over many requests: the stall is some 40 ms a request, a fixed one a
# small fraction of a millisecond, so a busy machine cannot blur them.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load shortio
	lab_setup 10-latency request
}

teardown() {
	lab_teardown
}

start_peer() {
	start_server "$PEER" --host "${1:-127.0.0.1}" requests
}

# Checks for shortio_every: one request, whole, and the server says so.
one_right() {
	((status == 0)) &&
		[[ $output == *"  every reply right: the server got every byte"* ]]
}

# median_us: the median round trip the last run printed, in µs.
median_us() {
	[[ $output =~ median\ ([0-9]+)\.([0-9]{3})\ ms ]] ||
		fail "no median in: $output"
	MEDIAN=$((10#${BASH_REMATCH[1]}${BASH_REMATCH[2]}))
}

# segments: the data segments the last run sent (TCP_INFO).
segments() {
	[[ $output =~ data\ segments\ sent:\ ([0-9]+), ]] ||
		fail "no segment count (TCP_INFO) in: $output"
	SEGMENTS=${BASH_REMATCH[1]}
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr request --help
	assert_success
	assert_line --index 0 --regexp '^usage: request '
	assert_equal "$stderr" ""
}

@test "a bad option, way, count or port is a usage error: one line, exit 2" {
	run --separate-stderr request --way fast
	assert_failure 2
	assert_equal "$stderr" \
		"request: bad way 'fast': two-sends, writev, nodelay or cork"
	run --separate-stderr request --count 0
	assert_failure 2
	assert_equal "$stderr" \
		"request: bad count '0': a number from 1 to 10000"
	run --separate-stderr request --count 10001
	assert_failure 2
	run --separate-stderr request 127.0.0.1 0
	assert_failure 2
	assert_equal "$stderr" \
		"request: bad port '0': a port is a number from 1 to 65535"
	run --separate-stderr request --bogus
	assert_failure 2
	assert_equal "$stderr" "request: bad argument '--bogus' (see request --help)"
	run --separate-stderr request 127.0.0.1 1234 extra
	assert_failure 2
}

@test "no server listening: connection refused, with a hint, exit 1" {
	refused_port
	run --separate-stderr request 127.0.0.1 "$REFUSED_PORT"
	assert_failure 1
	assert_equal "$stderr" "request: connect 127.0.0.1 port $REFUSED_PORT: Connection refused (is a server running? try build/tools/peer --port $REFUSED_PORT requests)"
}

@test "the demo finishes by itself, exit 0, and narrates the four ways" {
	run_once request
	assert_success
	assert_line --index 0 --partial "Lesson 10: latency."
	assert_line "1. two send()s, header then body:"
	assert_line "2. one writev(): send_request():"
	assert_line --regexp '^3\. two send\(\)s, TCP_NODELAY on'
	assert_line --regexp '^4\. two send\(\)s under TCP_CORK'
	run grep -c '^  every reply right: the server got every byte$' \
		<<<"$output"
	assert_output 4
}

@test "demo: two send()s stall, TCP_NODELAY and TCP_CORK do not" {
	run_once request
	assert_success
	# Steps 3 and 4 each end with how much faster than step 1 they were.
	run grep -cE '^  [0-9]+ times faster than two send\(\)s$' <<<"$output"
	((output >= 2)) || fail "TCP_NODELAY or TCP_CORK was not faster"
}

@test "the peer reports a request cut short, and answers a whole one" {
	start_peer
	# A header that says 10 bytes, then 3 of them, then the end.
	printf '\0\0\0\x0aabc' >"/dev/tcp/127.0.0.1/$SERVER_PORT"
	run request --count 3 127.0.0.1 "$SERVER_PORT"
	assert_success
	stop_server
	run cat "$SERVER_OUT"
	assert_line --index 1 "the connection closed in the middle of request 1: 7 of 14 bytes"
	assert_line --index 2 "answered 3 requests"
}

@test "two send()s, TCP_NODELAY and TCP_CORK: every byte arrives under the shim, maxima 1..7" {
	local way
	start_peer
	# shellcheck disable=SC2034 # shortio_every reads it
	SHORTIO_SEEDS=(3)
	for way in two-sends nodelay cork; do
		shortio_every one_right "$PROG" --way "$way" --count 1 \
			127.0.0.1 "$SERVER_PORT"
	done
}

@test "TCP_INFO: two send()s and TCP_NODELAY send 2 segments a request, TCP_CORK 1" {
	start_peer
	run request --way two-sends --count 10 127.0.0.1 "$SERVER_PORT"
	assert_success
	segments
	((SEGMENTS >= 20)) || fail "two send()s: $SEGMENTS segments for 10 requests"
	run request --way nodelay --count 10 127.0.0.1 "$SERVER_PORT"
	assert_success
	segments
	((SEGMENTS >= 20)) || fail "TCP_NODELAY: $SEGMENTS segments for 10 requests"
	run request --way cork --count 10 127.0.0.1 "$SERVER_PORT"
	assert_success
	segments
	((SEGMENTS <= 12)) || fail "TCP_CORK: $SEGMENTS segments for 10 requests"
}

@test "IPv6: requests over ::1 are answered" {
	require_ipv6
	start_peer ::1
	run request --count 3 ::1 "$SERVER_PORT"
	assert_success
	assert_line "3 requests to [::1]:$SERVER_PORT (--way writev):"
}

# bats test_tags=exercise
@test "demo step 2: send_request() is many times faster than two send()s, one segment a request" {
	run_once request
	assert_success
	assert_output --partial "$(printf '%s\n' \
		"2. one writev(): send_request():" \
		"  every reply right: the server got every byte")"
	[[ $output =~ 2\.\ one\ writev[^$'\n']*$'\n'([^$'\n']*$'\n'){3}"  data segments sent: 20, 1.0 a request"$'\n'"  "[0-9]+" times faster than two send()s" ]] ||
		fail "step 2 was not one segment a request, and faster than step 1"
}

# bats test_tags=exercise
@test "every byte of a request arrives under the shim, maxima 1..7, 2 seeds" {
	start_peer
	shortio_every one_right "$PROG" --count 1 127.0.0.1 "$SERVER_PORT"
}

# bats test_tags=exercise
@test "EINTR (SHORTIO_EINTR=30) is retried: every byte arrives, maxima 1..7" {
	start_peer
	# shellcheck disable=SC2034 # shortio_every reads it
	SHORTIO_SEEDS=(7)
	shortio_every one_right SHORTIO_EINTR=30 "$PROG" --count 1 127.0.0.1 \
		"$SERVER_PORT"
}

# bats test_tags=exercise
@test "send_request() sends each request in one segment (TCP_INFO): 30 requests, at most 33 segments" {
	start_peer
	run request --count 30 127.0.0.1 "$SERVER_PORT"
	assert_success
	segments
	((SEGMENTS <= 33)) ||
		fail "$SEGMENTS data segments for 30 requests: header and body went apart"
}

# bats test_tags=exercise
@test "send_request()'s median round trip is a small fraction of two send()s' (30 requests each)" {
	local two
	start_peer
	run request --way two-sends --count 30 127.0.0.1 "$SERVER_PORT"
	assert_success
	median_us
	two=$MEDIAN
	# The stall must be there to be beaten: the delayed ACK, ~40 ms.
	((two >= 10000)) ||
		fail "two send()s took a median $two us: no delayed-ACK stall on this machine?"
	run request --count 30 127.0.0.1 "$SERVER_PORT"
	assert_success
	median_us
	((MEDIAN * 3 < two)) ||
		fail "send_request(): median $MEDIAN us, two send()s: $two us; the stall is still there"
}
