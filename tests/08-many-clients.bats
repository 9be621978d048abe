#!/usr/bin/env bats
# Lesson 08: many clients.  `make check-08` runs this file against your
# lesson.  The clients are the toolkit's crowd (build/tools/crowd: many
# clients at once in one process, each checking its echo byte by byte,
# or one client that sends and never reads), lesson 03's reference
# client and bash's /dev/tcp.  The exercise tests hold a client that
# never reads against the server, wait until the server has stopped
# taking its bytes, and then ask the others to be served: a server that
# blocks in send() for that client serves nobody, every time.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load shortio
	lab_setup 08-many-clients pollserver
	CROWD=$LAB_OUT/tools/crowd
}

teardown() {
	lab_teardown
}

# The server under test on a port the kernel picks, with an accept
# queue for 256 (many clients connect at once: with the notes' 10, the
# kernel drops the others' SYNs and they try again a second later).
start_lab_server() {
	start_server "$PROG" --port 0 --backlog 256 "$@"
}

# crowd ARGS...: the crowd against the server, bounded.
crowd() {
	bounded "$CROWD" "$@" "$SERVER_HOST" "$SERVER_PORT"
}

# start_hog: a client that sends (up to 100 MB: more than any socket
# buffers hold, so it always ends up stuck) and never reads,
# in the background; returns once it says the server stopped taking its
# bytes (no room for 1 s) or that all went.  Sets HOG_SAID.
start_hog() {
	local fifo=$BATS_TEST_TMPDIR/hog.fifo fd
	mkfifo "$fifo"
	setsid timeout -k 1 "$LAB_SERVER_TIMEOUT" "$CROWD" \
		--hog 100000000 "$SERVER_HOST" "$SERVER_PORT" \
		</dev/null >"$fifo" 2>&1 3>&- 4>&- &
	HOG_PID=$!
	LAB_PIDS+=("$HOG_PID")
	exec {fd}<"$fifo"
	IFS= read -r -t "$LAB_TIMEOUT" HOG_SAID <&"$fd" || HOG_SAID=
	exec {fd}<&-
	[[ $HOG_SAID == "hog: "* ]] ||
		fail "the hog said: '$HOG_SAID'; the server: $(cat "$SERVER_ERR")"
}

# server_rss: the server's resident memory in kB (VmRSS).  The server
# is the child of the timeout(1) that start_server started.
server_rss() {
	local pid
	pid=$(cat "/proc/$SERVER_PID/task/$SERVER_PID/children")
	awk '/^VmRSS:/ { print $2 }' "/proc/${pid%% *}/status"
}

@test "prints 'listening on 127.0.0.1:PORT' first, at once (--port 0)" {
	start_server "$PROG" --port 0
	run head -n 1 "$SERVER_OUT"
	assert_output "listening on 127.0.0.1:$SERVER_PORT"
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr pollserver --help
	assert_success
	assert_line --index 0 --partial "usage: pollserver"
	assert_equal "$stderr" ""
}

@test "bad arguments are usage errors, exit 2" {
	run --separate-stderr pollserver --port 65536
	assert_failure 2
	assert_equal "$stderr" \
		"pollserver: bad port '65536': a port is a number from 0 to 65535"
	run --separate-stderr pollserver --backlog many
	assert_failure 2
	run --separate-stderr pollserver --port
	assert_failure 2
	assert_equal "$stderr" "pollserver: bad arguments (see pollserver --help)"
}

@test "a port in use: the error, exit 1" {
	start_server "$PEER" hold
	run --separate-stderr pollserver --port "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" "pollserver: listen 127.0.0.1 port $SERVER_PORT: Address already in use"
}

@test "echoes lesson 03's client: the notes' message comes back" {
	start_lab_server
	run "$(solution 03-client client)" 127.0.0.1 "$SERVER_PORT"
	assert_success
	assert_line --regexp '^received 10 bytes in [0-9]+ recv\(\) calls?: Hello tcp!$'
}

@test "200 clients at once, each echoed byte-exact" {
	start_lab_server
	run crowd --clients 200 --bytes 1000
	assert_success
	assert_output --regexp '^200 clients, 1 round of 1000 bytes each: every echo byte-exact'
}

@test "20 clients at once, 300000 bytes each, 2 rounds: more than a buffer, byte-exact" {
	start_lab_server
	run crowd --clients 20 --bytes 300000 --rounds 2
	assert_success
	stop_server
	run tail -n 1 "$SERVER_OUT"
	assert_output "stopped by SIGTERM: 20 clients served, 12000000 bytes echoed"
}

@test "logs each client when it comes and when it goes; SIGINT: the summary, exit 0" {
	start_lab_server
	run crowd --clients 3 --bytes 100
	assert_success
	stop_server INT
	assert_equal "$SERVER_STATUS" 0
	run cat "$SERVER_OUT"
	assert_equal "$(grep -c '^127\.0\.0\.1:[0-9]* connected$' "$SERVER_OUT")" 3
	assert_equal "$(grep -c '^127\.0\.0\.1:[0-9]* done: 100 bytes echoed$' "$SERVER_OUT")" 3
	assert_line --index 4 --regexp '^127\.0\.0\.1'
	assert_equal "${lines[-1]}" "stopped by SIGINT: 3 clients served, 300 bytes echoed"
}

@test "a client that resets costs a log line; the others are served" {
	local fd
	start_lab_server
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	printf 'abc' >&"$fd"
	# Read 1 byte of the echo and close with 2 unread: a reset (RST).
	bounded dd bs=1 count=1 status=none <&"$fd" >/dev/null
	exec {fd}<&-
	run crowd --clients 10
	assert_success
	stop_server
	assert_equal "$SERVER_STATUS" 0
	run cat "$SERVER_ERR"
	assert_line --regexp '^pollserver: 127\.0\.0\.1:[0-9]+: (recv|send): Connection reset by peer$'
}

@test "a descriptor limit of 64 (ulimit -n) and 100 clients: all served, the server says so and survives" {
	require_own_limits
	# shellcheck disable=SC2016 # for the inner bash
	start_server bash -c 'ulimit -n 64 && exec "$@"' limit "$PROG" \
		--port 0 --backlog 256
	run crowd --clients 100
	assert_success
	run crowd --clients 10
	assert_success
	stop_server
	assert_equal "$SERVER_STATUS" 0
	run cat "$SERVER_ERR"
	assert_line --regexp '^pollserver: accept: Too many open files: [0-9]+ clients connected; the others wait until one leaves$'
	run tail -n 1 "$SERVER_OUT"
	assert_output "stopped by SIGTERM: 110 clients served, 110000 bytes echoed"
	# Said once each time it ran out, not at every turn of the loop:
	# the listener left the poll() set until a client left.
	local full again
	full=$(grep -c 'Too many open files' "$SERVER_ERR")
	again=$(grep -c '^a client left: accepting again$' "$SERVER_OUT")
	((full <= again + 1)) ||
		fail "'Too many open files' $full times, 'accepting again' $again times: does the loop poll the listener while it cannot accept?"
}

@test "the server under the short-I/O shim (3 bytes a call): byte-exact" {
	start_server env LD_PRELOAD="$SHORTIO_LIB" SHORTIO_MAX=3 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$PROG" --port 0 --backlog 256
	run crowd --clients 20 --bytes 3000 --rounds 2
	assert_success
}

@test "clients under the short-I/O shim (2 bytes a call): byte-exact" {
	start_lab_server
	run shortio SHORTIO_MAX=2 "$CROWD" --clients 20 --bytes 3000 \
		--rounds 2 127.0.0.1 "$SERVER_PORT"
	assert_success
}

@test "IPv6: --host ::1 serves a crowd" {
	require_ipv6
	start_lab_server --host ::1
	assert_equal "$SERVER_ADDR" "[::1]:$SERVER_PORT"
	run crowd --clients 20
	assert_success
}

@test "a client that never reads: it stops being read, and the server's memory stays bounded" {
	local before after
	start_lab_server
	run crowd --clients 20
	assert_success
	before=$(server_rss)
	start_hog
	assert_regex "$HOG_SAID" '^hog: the server stopped reading: no room for 1000 ms after [0-9]+ bytes$'
	after=$(server_rss)
	((after - before < 8192)) ||
		fail "the server grew from $before kB to $after kB with one client"
}

@test "the demo ends by itself, exits 0 and narrates its four steps" {
	run_once pollserver
	assert_success
	assert_line --index 0 "Lesson 08: one process, many clients."
	assert_line --regexp '^  all 50 got every echo, byte-exact'
	assert_line --regexp '^  all 100 got every echo, byte-exact'
	assert_line --regexp '^  pollserver: accept: Too many open files: '
	assert_line --regexp '^4\. SIGTERM stops the server:$'
}

# bats test_tags=exercise
@test "a client that sends megabytes and never reads does not delay the others" {
	start_lab_server
	start_hog
	# The hog's bytes have stopped going: the server is not reading
	# them.  Each of 20 clients now wants its echo; 1 s would do, with
	# a wide margin: 5 s.  A server stuck in send() for the hog
	# answers none of them, ever.
	run crowd --clients 20 --timeout 5
	assert_success
	run crowd --clients 200 --timeout 10
	assert_success
	# The hog leaves (its close resets); the server goes on.
	kill -KILL -- "-$HOG_PID"
	run crowd --clients 10
	assert_success
}

# bats test_tags=exercise
@test "SIGTERM stops it with a summary while a client never reads" {
	# shellcheck disable=SC2034 # start_server reads LAB_SERVER_TIMEOUT
	local LAB_SERVER_TIMEOUT=10
	start_lab_server
	start_hog
	stop_server
	assert_equal "$SERVER_STATUS" 0
	run tail -n 1 "$SERVER_OUT"
	assert_output --regexp '^stopped by SIGTERM: 1 client served, [0-9]+ bytes echoed$'
}

# bats test_tags=exercise
@test "the demo's step 2: the 20 other clients get their echo while the hog waits" {
	run_once pollserver
	assert_success
	assert_line --regexp '^  the hog: the server stopped taking its bytes after [0-9]+$'
	assert_line --regexp '^  all 20 got every echo, byte-exact'
	assert_line --regexp '^  stopped by SIGTERM: 171 clients served, [0-9]+ bytes echoed$'
}
