#!/usr/bin/env bats
# Lesson 04: server.  `make check-04` runs this file against your lesson.
#
# The clients are lesson 03's reference client (so a bug in your lesson
# 03 cannot fail these tests), bash's /dev/tcp and the toolkit's peer;
# socat and ncat too where they are installed, as more evidence.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load shortio
	load sanitized
	lab_setup 04-server server
	CLIENT=$(solution 03-client client)
}

teardown() {
	lab_teardown
}

# The server under test on a port the kernel picks.
start_lab_server() {
	start_server "$PROG" --port 0 "$@"
}

# The bytes 0..255, NUL first, four times: what a C string cannot hold.
all_bytes() {
	local fmt
	fmt=$(printf '\\%03o' {0..255})	# \000\001...\377, one printf
	printf "$fmt$fmt$fmt$fmt" >"$1"
}

# bash_echo IN OUT: send file IN through bash's /dev/tcp and read as
# many bytes back into OUT (bash cannot half-close, so it counts).
bash_echo() {
	local fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	cat "$1" >&"$fd"
	timeout -k 1 1 head -c "$(wc -c <"$1")" <&"$fd" >"$2" || true
	exec {fd}<&-
}

@test "prints 'listening on 127.0.0.1:PORT' first, at once (--port 0)" {
	start_lab_server
	assert_equal "$SERVER_HOST" 127.0.0.1
	((SERVER_PORT > 0))
	run head -n 1 "$SERVER_OUT"
	assert_output "listening on 127.0.0.1:$SERVER_PORT"
}

@test "echoes lesson 03's client: the notes' message comes back" {
	start_lab_server
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT"
	assert_success
	assert_line --regexp '^received 10 bytes in [0-9]+ recv\(\) calls?: Hello tcp!$'
}

@test "serves clients one after another, then SIGTERM: summary, exit 0" {
	start_lab_server
	local i
	for i in 1 2 3; do
		run "$CLIENT" 127.0.0.1 "$SERVER_PORT" "client $i"
		assert_success
		assert_line --regexp "^received 8 bytes .*: client $i\$"
	done
	stop_server
	assert_equal "$SERVER_STATUS" 0
	run tail -n 1 "$SERVER_OUT"
	assert_output "stopped by SIGTERM: 3 clients served, 24 bytes echoed"
}

@test "SIGINT (Ctrl-C) stops it cleanly too" {
	start_lab_server
	stop_server INT
	assert_equal "$SERVER_STATUS" 0
	run tail -n 1 "$SERVER_OUT"
	assert_output "stopped by SIGINT: 0 clients served, 0 bytes echoed"
}

@test "SIGTERM while a client is connected: it closes it and stops" {
	local fd
	start_lab_server
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	printf 'hi' >&"$fd"
	run bounded head -c 2 <&"$fd"
	assert_output hi
	stop_server
	exec {fd}<&-
	assert_equal "$SERVER_STATUS" 0
	run tail -n 2 "$SERVER_OUT"
	assert_line --index 0 --regexp '^127\.0\.0\.1:[0-9]+ done: 2 bytes echoed$'
	assert_line --index 1 "stopped by SIGTERM: 1 client served, 2 bytes echoed"
}

# bats test_tags=exercise
@test "SIGTERM stops it even while a client sends and never reads" {
	# shellcheck disable=SC2034 # start_server reads LAB_SERVER_TIMEOUT
	local fd queues last= stuck=0 end=$((EPOCHSECONDS + 20)) LAB_SERVER_TIMEOUT=30
	start_lab_server
	# 8 MB in, nothing read back: the echo fills both ends' buffers and
	# the server has to wait for room to send.  (Text, not NUL bytes: an
	# echo that stops at a NUL fails another test, not this one.)
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	yes | bounded head -c 8000000 >&"$fd" 3>&- 4>&- &
	# Wait (bounded, no sleep) until the server is stuck: its socket has
	# bytes to read and a megabyte to send, and the two queues stay the
	# same from one look to the next.  It is waiting for room to send.
	# (Up to 20 s: a loaded machine, or a sanitizer build, takes a while
	# to fill the buffers; a server that is stuck is seen at once.
	# A server that ignores SIGTERM is killed 1 s after it: timeout -k.)
	while ((!stuck && EPOCHSECONDS < end)); do
		queues=$(tcp_queues "$SERVER_PORT" |
			awk '$1 > 0 && $2 >= 1000000 { print $1, $2 }')
		[[ -n $queues && $queues == "$last" ]] && stuck=1
		last=$queues
	done
	((stuck)) || fail "the server never got stuck sending: queues $last"
	stop_server
	exec {fd}<&-
	assert_equal "$SERVER_STATUS" 0
	run tail -n 1 "$SERVER_OUT"
	assert_output --regexp '^stopped by SIGTERM: 1 client served, [0-9]+ bytes echoed$'
}

@test "logs each client's address when it comes and its byte count when it goes" {
	start_lab_server
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT"
	assert_success
	local who
	who=$(sed -n 's/^connected to .* (from \(.*\))$/\1/p' <<<"$output")
	# The server is done with a client before it takes the next one:
	# once a second client has its echo, the first one's lines are out.
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT"
	stop_server
	run cat "$SERVER_OUT"
	assert_line "$who connected"
	assert_line "$who done: 10 bytes echoed"
}

@test "one client at a time: a second one waits until the first leaves" {
	local fd
	start_lab_server
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	printf 'first' >&"$fd"
	run bounded head -c 5 <&"$fd"
	assert_output first
	# The second connects (the kernel queues it) but gets no echo ...
	run --separate-stderr "$CLIENT" --timeout 0.2 127.0.0.1 "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" \
		"client: recv: no reply within 0.2 s (0 of 10 bytes came; see --timeout)"
	# ... until the first one leaves.
	exec {fd}<&-
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT" third
	assert_success
	assert_line --regexp '^received 5 bytes .*: third$'
}

@test "defaults: port 1234 and a backlog of 10 (in a private network)" {
	require_private_net
	require ss
	# The server with no --port and no --backlog, then lesson 03's
	# client and ss, all in the namespace.
	local script='mkfifo "$3"
		"$1" --host 127.0.0.1 >"$3" & exec 3<"$3"; read -r line <&3
		echo "$line"; "$2" 127.0.0.1 1234 >/dev/null; s=$?
		ss -Hltn; kill $!; wait; exit $s'
	run --separate-stderr private_net "$script" "$PROG" "$CLIENT" \
		"$BATS_TEST_TMPDIR/fifo"
	assert_success
	assert_line --index 0 "listening on 127.0.0.1:1234"
	assert_line --index 1 --regexp '^LISTEN +0 +10 +127\.0\.0\.1:1234 '
}

@test "IPv6: --host ::1 listens on [::1]:PORT and serves" {
	use_ipv6
	start_lab_server --host ::1
	assert_equal "$SERVER_ADDR" "[::1]:$SERVER_PORT"
	run "$CLIENT" ::1 "$SERVER_PORT" "over IPv6"
	assert_success
	assert_line --regexp '^received 9 bytes .*: over IPv6$'
}

@test "--host takes a name: localhost" {
	require_localhost
	start_lab_server --host localhost
	assert_regex "$SERVER_ADDR" '^(127\.0\.0\.1|\[::1\]):[0-9]+$'
	run "$CLIENT" "$SERVER_HOST" "$SERVER_PORT"
	assert_success
}

@test "--backlog reaches listen(): ss shows it" {
	require ss
	start_lab_server --backlog 3
	run ss -Hltn "sport = :$SERVER_PORT"
	assert_success
	assert_regex "$output" "^LISTEN +0 +3 +127\.0\.0\.1:$SERVER_PORT "
}

@test "SO_REUSEADDR: a restart binds at once, with TIME_WAIT on its port" {
	local fd port
	start_lab_server
	port=$SERVER_PORT
	exec {fd}<>"/dev/tcp/127.0.0.1/$port"
	printf x >&"$fd"
	run bounded head -c 1 <&"$fd"
	# The server closes first (it stops), so its end goes to TIME_WAIT
	# once ours closes too.
	stop_server
	exec {fd}<&-
	if command -v ss >/dev/null; then
		run ss -Htan state time-wait "sport = :$port"
		assert_output --regexp "127\.0\.0\.1:$port "
	fi
	start_server "$PROG" --port "$port"
	assert_equal "$SERVER_ADDR" "127.0.0.1:$port"
}

@test "a port in use: the bind error and a hint, exit 1" {
	start_server "$PEER" hold
	run --separate-stderr server --port "$SERVER_PORT"
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "server: bind 127.0.0.1:$SERVER_PORT: Address already in use (another socket listens there; ss -tlnp shows which)"
}

@test "an unknown host: getaddrinfo's message, exit 1" {
	run --separate-stderr server --host "no such host" --port 0
	assert_failure 1
	assert_regex "$stderr" '^server: no such host: '
}

@test "bad arguments are usage errors, exit 2" {
	local port
	for port in abc 65536 -1 ""; do
		run --separate-stderr server --port "$port"
		assert_failure 2
		assert_equal "$stderr" \
			"server: bad port '$port': a port is a number from 0 to 65535"
	done
	run --separate-stderr server --backlog many
	assert_failure 2
	assert_equal "$stderr" \
		"server: bad backlog 'many': a number from 0 to 65535"
	run --separate-stderr server --frobnicate 1
	assert_failure 2
	assert_equal "$stderr" "server: bad argument '--frobnicate' (see server --help)"
	run --separate-stderr server --port
	assert_failure 2
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr server --help
	assert_success
	assert_line --index 0 --partial "usage: server"
	assert_equal "$stderr" ""
}

@test "the demo ends by itself, exits 0 and leaves nothing running" {
	# `run` waits for every process that holds the demo's output: a
	# server left behind would hold it, and the test would time out.
	run server
	assert_success
	assert_line --regexp '^listening on 127\.0\.0\.1:[0-9]+$'
	assert_line "  client 1: sent 10 bytes, all 10 came back"
	assert_line --partial "4. SIGTERM"
}

# bats test_tags=exercise
@test "the demo's server serves all four clients and stops on SIGTERM" {
	run server
	assert_success
	assert_line "  client 2: sent 12 bytes, all 12 came back"
	assert_line "  client 4: sent 12 bytes, all 12 came back"
	assert_line --regexp '^stopped by SIGTERM: 4 clients served, 39 bytes echoed$'
	assert_line "  it exited with status 0, having served every client."
}

# bats test_tags=exercise
@test "binary data, NUL bytes first, comes back exactly (bash /dev/tcp; ncat too)" {
	start_lab_server
	all_bytes "$BATS_TEST_TMPDIR/in"
	bash_echo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	run cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
	# More evidence where ncat is installed (never the only one).
	command -v ncat >/dev/null || return 0
	bounded ncat 127.0.0.1 "$SERVER_PORT" \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	run cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
}

# bats test_tags=exercise
@test "256 kB of random bytes come back exactly, and the log counts them" {
	local clients=1
	head -c 262144 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	start_lab_server
	# The toolkit's peer sends it all, half-closes (FIN) and reads the
	# echo to its end, as socat does, which is more evidence where it
	# is installed (never the only one).
	bounded "$PEER" --port "$SERVER_PORT" connect \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	run cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
	if command -v socat >/dev/null; then
		bounded socat -t 5 - "TCP:127.0.0.1:$SERVER_PORT" \
			<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
		run cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
		assert_success
		clients=2
	fi
	# Each client ends when the server closes, after it logged the count.
	stop_server
	run grep -cE '^127\.0\.0\.1:[0-9]+ done: 262144 bytes echoed$' \
		"$SERVER_OUT"
	assert_output "$clients"
}

# bats test_tags=exercise
@test "a client that resets costs a log line, not the server" {
	local fd
	start_lab_server
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	printf 'abc' >&"$fd"
	# Read 1 byte of the echo: the other 2 are here, unread, so the
	# close below makes the kernel reset the connection (RST) while the
	# server waits in recv() for more.
	bounded dd bs=1 count=1 status=none <&"$fd" >/dev/null
	exec {fd}<&-
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT" "still there?"
	assert_success
	assert_line --regexp '^received 12 bytes .*: still there\?$'
	run cat "$SERVER_ERR"
	assert_line --regexp '^server: 127\.0\.0\.1:[0-9]+: recv: Connection reset by peer$'
}

# bats test_tags=exercise
@test "a client that leaves without reading its echo does not kill it (SIGPIPE)" {
	local fd
	start_lab_server
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	# 64 kB fit in the sockets' buffers, so the write cannot block even
	# though nobody reads the echo; then close with it all unread: RST.
	head -c 65536 /dev/zero | tr '\0' x >&"$fd"
	exec {fd}<&-
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT" "still there?"
	assert_success
	stop_server
	assert_equal "$SERVER_STATUS" 0
}

# server_pid: the server process itself (start_server's SERVER_PID is
# the timeout(1) that runs it, its parent).
server_pid() {
	local stat pid
	for stat in /proc/[0-9]*/stat; do
		read -r pid _ _ ppid _ 2>/dev/null <"$stat" || continue
		[[ $ppid == "$SERVER_PID" ]] && { echo "$pid"; return 0; }
	done
	return 1
}

# wait_for_stderr LINE: wait (bounded) until the server says LINE;
# fail at once if it has ended instead.
wait_for_stderr() {
	local i
	for ((i = 0; i < LAB_TIMEOUT * 20; i++)); do
		grep -qxF -- "$1" "$SERVER_ERR" && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "the server never said: $1 (stderr: $(cat "$SERVER_ERR"))"
}

@test "accept() out of descriptors (EMFILE): one warning, it goes on, SIGTERM stops it" {
	require_own_limits
	local fd
	require prlimit
	# Descriptors 0, 1, 2 and the listener, 3: accept() finds none left.
	start_server prlimit --nofile=4: "$PROG" --port 0
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	wait_for_stderr "server: accept: Too many open files (retrying every 100 ms)"
	kill -0 "$SERVER_PID"	# still there, however often it retried
	stop_server
	exec {fd}<&-
	assert_equal "$SERVER_STATUS" 0
	run cat "$SERVER_ERR"
	assert_output "server: accept: Too many open files (retrying every 100 ms)"
	run tail -n 1 "$SERVER_OUT"
	assert_output "stopped by SIGTERM: 0 clients served, 0 bytes echoed"
}

@test "after EMFILE, once a descriptor is free, the waiting client is served" {
	require_own_limits
	local client pid
	require prlimit
	start_server prlimit --nofile=4: "$PROG" --port 0
	bounded "$CLIENT" 127.0.0.1 "$SERVER_PORT" waited \
		>"$BATS_TEST_TMPDIR/client.out" 2>&1 &
	client=$!
	wait_for_stderr "server: accept: Too many open files (retrying every 100 ms)"
	pid=$(server_pid) || fail "cannot find the server's process"
	prlimit --pid "$pid" --nofile=64:
	wait "$client"
	run cat "$BATS_TEST_TMPDIR/client.out"
	assert_line --regexp '^received 6 bytes .*: waited$'
	stop_server
	assert_equal "$SERVER_STATUS" 0
	run tail -n 1 "$SERVER_OUT"
	assert_output "stopped by SIGTERM: 1 client served, 6 bytes echoed"
}

# cpu_ticks PID: the CPU time PID has used, user and system, in clock
# ticks (fields 14 and 15 of /proc/PID/stat, after the name).
cpu_ticks() {
	local stat
	stat=$(<"/proc/$1/stat") || return 1
	stat=${stat##*) }
	set -- $stat
	echo $((${12} + ${13}))
}

# echo_under_shim SETTING...: the server under the short-I/O shim with
# the SHORTIO_* settings given; every byte value sent must come back,
# and the server is stopped.
echo_under_shim() {
	start_server env LD_PRELOAD="$SHORTIO_LIB" "$@" \
		ASAN_OPTIONS=verify_asan_link_order=0 "$PROG" --port 0
	all_bytes "$BATS_TEST_TMPDIR/in"
	bash_echo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	run cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
	stop_server
}

# bats test_tags=exercise
@test "short sends (the shim: 1 to 3 bytes a send): every byte still comes back" {
	echo_under_shim SHORTIO_MAX=3
	run cat "$SERVER_OUT"
	assert_line --regexp '^127\.0\.0\.1:[0-9]+ done: 1024 bytes echoed$'
}

# bats test_tags=exercise
@test "no room to send (the shim: EAGAIN for half the sends): wait again, never retry at once" {
	# Each send() (MSG_DONTWAIT) takes 1 to 3 bytes or, one time in two,
	# fails with EAGAIN, as when the client's window is closed; the shim
	# counts a send() made again at once, with no wait (pselect) between.
	echo_under_shim SHORTIO_MAX=3 SHORTIO_EAGAIN=50 SHORTIO_VERBOSE=1
	assert_equal "$SERVER_STATUS" 0
	assert_no_busy_retry "$(<"$SERVER_ERR")" "wait_ready(fd, 1)"
}

# bats test_tags=exercise
@test "a client gone before its echo (its FIN, then a reset): a warning, never SIGPIPE" {
	local fd port hex
	start_lab_server
	# Client A keeps the server busy, so the next client waits in the
	# accept queue ...
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	printf 'A' >&"$fd"
	run bounded head -c 1 <&"$fd"
	assert_output A
	# ... where it sends 3 bytes, then a FIN, then a RST (the peer's
	# fin-rst mode): the server will recv() the 3 bytes from a connection
	# already dead, and its send() gets EPIPE, with SIGPIPE unless
	# MSG_NOSIGNAL.  The same order every time.
	run "$PEER" --port "$SERVER_PORT" fin-rst 3
	assert_success
	port=${output##*:}
	# The reset has reached the server's end once its kernel has dropped
	# the connection from its table.
	hex=$(printf '%04X' "$port")
	for _ in {1..500}; do
		grep -q "^ *[0-9]*: [0-9A-F]*:$(printf '%04X' "$SERVER_PORT") [0-9A-F]*:$hex " \
			/proc/net/tcp || break
	done
	exec {fd}<&-	# A leaves; the server takes the dead one
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT" "still there?"
	assert_success
	assert_line --regexp '^received 12 bytes .*: still there\?$'
	stop_server
	assert_equal "$SERVER_STATUS" 0
	run cat "$SERVER_ERR"
	assert_output "server: 127.0.0.1:$port: send: Broken pipe"
	# What it counts: the bytes sent back in full; none were.
	run cat "$SERVER_OUT"
	assert_line "127.0.0.1:$port done: 0 bytes echoed"
}

# bats test_tags=exercise
@test "waiting for room to send: no CPU burnt (poll, not a busy loop), and SIGTERM still stops it" {
	# shellcheck disable=SC2034 # start_server reads LAB_SERVER_TIMEOUT
	local pid before after used flood LAB_SERVER_TIMEOUT=8
	start_lab_server
	pid=$(server_pid) || fail "cannot find the server's process"
	# A client with a small receive buffer sends 4 MB and reads none of
	# the echo: once the server's send buffer is full too (some 100 kB
	# of work), the server can only wait for room.
	"$PEER" --port "$SERVER_PORT" --life 8 flood 4000000 \
		>"$BATS_TEST_TMPDIR/flood" 3>&- 4>&- &
	flood=$!
	before=$(cpu_ticks "$pid") || fail "the server is gone"
	# The measurement itself: a second of the server's life, and the CPU
	# time it used in it.  Waiting in pselect() uses none; a loop that
	# retries send() at once uses all the CPU it gets (even on a busy
	# machine, a good share).  The margin: 15% of the time.
	sleep 1
	after=$(cpu_ticks "$pid") || fail "the server died while its client would not read"
	used=$(((after - before) * 1000 / $(getconf CLK_TCK)))
	((used < 150)) ||
		fail "the server used $used ms of CPU in 1 s while it could only wait for its client to read: a busy loop? wait with wait_ready(fd, 1) before each send()"
	stop_server
	kill "$flood" 2>/dev/null
	wait "$flood" 2>/dev/null || true
	assert_equal "$SERVER_STATUS" 0
	run tail -n 1 "$SERVER_OUT"
	assert_output --regexp '^stopped by SIGTERM: 1 client served, [0-9]+ bytes echoed$'
	# The client never went away: nothing to warn about.
	run cat "$SERVER_ERR"
	assert_output ""
}

# bats test_tags=exercise
@test "echo under AddressSanitizer, UBSan and LeakSanitizer: no overrun, no leak" {
	require_sanitized
	local fd
	start_server "${SAN_RUN[@]}" bash -c \
		'ulimit -S -v unlimited 2>/dev/null; exec "$@"' sanitized \
		"$SAN_PROG" --port 0
	all_bytes "$BATS_TEST_TMPDIR/in"
	bash_echo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT" "$(head -c 5000 /dev/zero | tr '\0' y)"
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
	printf 'abc' >&"$fd"
	bounded dd bs=1 count=1 status=none <&"$fd" >/dev/null
	exec {fd}<&-
	run "$CLIENT" 127.0.0.1 "$SERVER_PORT"
	stop_server
	san_check "$SERVER_ERR" "server --port 0, and four clients"
}
