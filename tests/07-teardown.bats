#!/usr/bin/env bats
# Lesson 07: teardown.  `make check-07` runs this file against your
# lesson.  The peers are the toolkit's (build/tools/peer, demo/confirm.c),
# each doing one thing on purpose: confirming, sending bytes nobody asked
# for first, resetting, closing without a word, confirming a wrong
# count, or saying "wait" and never confirming.  So a closer that claims
# a delivery nobody confirmed, or loses the confirmation, is caught
# every time, not by bad luck.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load shortio
	lab_setup 07-teardown closer
}

teardown() {
	lab_teardown
}

# start_peer MODE [ARG]: one of the peer's lesson 07 modes, on a port
# the kernel picks.
start_peer() {
	start_server "$PEER" "$@"
}

# The closer's lines when the peer confirmed all 10 bytes of the
# notes' message (a check for shortio_every, and for run's output).
confirmed() {
	((status == 0)) &&
		[[ $output == *"sent 10 bytes to 127.0.0.1:$SERVER_PORT"* &&
			$output == *'delivered: the peer confirmed "ok 10"'* ]]
}

# peer_said LINE: the peer's log (once it has stopped) has LINE.
peer_said() {
	stop_server
	run cat "$SERVER_OUT"
	assert_line "$1"
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr closer --help
	assert_success
	assert_line --index 0 --regexp '^usage: closer '
	assert_equal "$stderr" ""
}

@test "a bad option or port, or too many arguments: one line, exit 2" {
	run --separate-stderr closer --port 1234
	assert_failure 2
	assert_equal "$stderr" "closer: bad option '--port' (see closer --help)"
	run --separate-stderr closer 127.0.0.1 0
	assert_failure 2
	assert_equal "$stderr" \
		"closer: bad port '0': a port is a number from 1 to 65535"
	run --separate-stderr closer 127.0.0.1 1234 hello extra
	assert_failure 2
	assert_equal "$stderr" "closer: too many arguments (see closer --help)"
}

@test "no peer listening: connection refused, with a hint, exit 1" {
	refused_port
	run --separate-stderr closer 127.0.0.1 "$REFUSED_PORT"
	assert_failure 1
	assert_equal "$stderr" "closer: connect 127.0.0.1 port $REFUSED_PORT: Connection refused (is a peer running? try build/tools/peer --port $REFUSED_PORT confirm)"
}

@test "the demo finishes by itself, exit 0, and narrates its four steps" {
	run_once closer
	assert_success
	assert_line --index 0 "Lesson 07: closing a connection without losing data."
	assert_line --regexp '^1\. send\(\) is not delivery\.'
	assert_line --regexp '^2\. The half-close: '
	assert_line --regexp '^3\. close\(\) with unread data sends a RST'
	assert_line --regexp '^4\. The orderly close, finish\(\): '
}

@test "step 1: every byte ACKed by the peer's kernel, none read by the peer" {
	run_once closer
	assert_success
	assert_line "  send() returned 20000: the bytes are in our kernel's send buffer"
	assert_line "  our send queue holds 0 bytes (SIOCOUTQ): the peer's kernel ACKed them all"
	assert_line "  yet the peer program read none: 20000 wait in its receive queue (SIOCINQ)"
	assert_line "  the peer closes without reading; our recv(): Connection reset by peer."
}

@test "step 2: the half-close: the peer reads to the end, and still answers" {
	run_once closer
	assert_success
	assert_line "  after 7 bytes: the end of the request.  Our end is now FIN_WAIT2:"
	assert_line '  we read the reply to its end: 5 bytes, "ok 7", then recv() returned 0'
}

@test "step 3: a close with unread data resets; SO_LINGER {1, 0} leaves no TIME_WAIT" {
	run_once closer
	assert_success
	assert_line --regexp '^  The peer reads [0-9]+ of them, then recv\(\): Connection reset by peer$'
	[[ $output =~ reads\ ([0-9]+)\ of ]]
	((BASH_REMATCH[1] > 0 && BASH_REMATCH[1] < 100000)) ||
		fail "the peer read ${BASH_REMATCH[1]} bytes: some, never all"
	assert_line "  SO_LINGER {1, 0}, then close(): our end is CLOSED at once (no TIME_WAIT),"
	assert_line "  and the peer's recv(): Connection reset by peer"
}

@test "the message goes, ended by a FIN: the peer gets all 10 bytes and the end" {
	start_peer confirm
	run closer 127.0.0.1 "$SERVER_PORT"
	assert_line "sent 10 bytes to 127.0.0.1:$SERVER_PORT"
	stop_server
	run cat "$SERVER_OUT"
	assert_line --regexp '^got 10 bytes and the end; '
}

@test "IPv6: the message goes to ::1" {
	require_ipv6
	start_peer --host ::1 confirm
	run closer ::1 "$SERVER_PORT" "over IPv6"
	assert_line "sent 9 bytes to [::1]:$SERVER_PORT"
	stop_server
	run cat "$SERVER_OUT"
	assert_line --regexp '^got 9 bytes and the end; '
}

# bats test_tags=exercise
@test "a peer that confirms: 'delivered', with its confirmation, exit 0" {
	start_peer confirm
	run closer 127.0.0.1 "$SERVER_PORT"
	confirmed || fail "exit $status, output: $output"
	peer_said "got 10 bytes and the end; confirmed: ok 10"
}

# bats test_tags=exercise
@test "a peer that first sends 100000 bytes nobody asked for: read to its end, confirmed" {
	start_peer extra 100000
	run closer 127.0.0.1 "$SERVER_PORT"
	confirmed || fail "exit $status, output: $output"
	peer_said "got 10 bytes and the end; confirmed: ok 10"
}

# bats test_tags=exercise
@test "a peer that resets instead of confirming: a clear error, exit 1" {
	start_peer reset
	run --separate-stderr closer 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" "closer: 127.0.0.1:$SERVER_PORT: the peer reset the connection: no confirmation"
}

# bats test_tags=exercise
@test "a peer that closes without confirming: a clear error, exit 1" {
	start_peer hangup
	run --separate-stderr closer 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" "closer: 127.0.0.1:$SERVER_PORT: the peer closed without confirming (its last line: \"\")"
}

# bats test_tags=exercise
@test "a peer that confirms a wrong count: not delivered, exit 1" {
	start_peer miscount
	run --separate-stderr closer 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" "closer: 127.0.0.1:$SERVER_PORT: the peer closed without confirming (its last line: \"ok 9\")"
}

# bats test_tags=exercise
@test "a peer that says 'wait' every 200 ms and never confirms: 2 s in all, exit 1" {
	start_peer stall
	# A bound on each recv() would never expire here: the bound is on
	# the whole wait.  (bounded kills the closer after 10 s.)
	run --separate-stderr closer 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" "closer: 127.0.0.1:$SERVER_PORT: no confirmation within 2 s"
}

# bats test_tags=exercise
@test "a peer that sends 2000000 bytes and no end: 1 MiB at most is read, exit 1" {
	start_peer extra 2000000
	run --separate-stderr closer 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" "closer: 127.0.0.1:$SERVER_PORT: the peer sent more than 1048576 bytes and no end"
}

# bats test_tags=exercise
@test "the confirmation is read whole under the shim, maxima 1..7, 2 seeds" {
	start_peer extra 3000
	shortio_every confirmed "$PROG" 127.0.0.1 "$SERVER_PORT"
}

# bats test_tags=exercise
@test "EINTR (SHORTIO_EINTR=30) is retried: confirmed every time, maxima 1..7" {
	start_peer confirm
	# shellcheck disable=SC2034 # shortio_every reads it
	SHORTIO_SEEDS=(7)
	shortio_every confirmed SHORTIO_EINTR=30 "$PROG" 127.0.0.1 \
		"$SERVER_PORT"
}

# bats test_tags=exercise
@test "step 4: finish() against the demo's four peers" {
	run_once closer
	assert_success
	assert_line '    finish(): delivered: the peer confirmed "ok 10"'
	assert_line '    finish(): the peer reset the connection: no confirmation'
	assert_line '    finish(): the peer closed without confirming'
	assert_line '    finish(): no confirmation within 2 s'
	refute_line --partial 'peer: recv: '
}
