#!/usr/bin/env bats
# Lesson 09: lines on a byte stream.  `make check-09` runs this file
# against your lesson.  The client is lesson 09's reference program
# (`lines --send`: standard input to the server, then shutdown, then
# the replies), so a bug in yours cannot fail these tests.  The exercise
# tests send commands pipelined in one write, run the server under the
# short-I/O shim (tools/shortio.c), where every recv() returns 1 to 7
# bytes, and split random streams at random: a server that takes one
# recv() for one line is caught every time, not by bad luck.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load shortio
	lab_setup 09-lines lines
	CLIENT=$(solution 09-lines lines)
}

teardown() {
	lab_teardown
}

# The commands of the exercise tests, and their replies.
SCRIPT=$'PING\nECHO one\nADD 1 2\nECHO two words\nADD -7 3\nQUIT\n'
REPLIES=$'PONG\none\n3\ntwo words\n-4\nBYE\n'

# start_lab_server [NAME=VALUE...]: the server under test on a port the
# kernel picks; with settings, under the short-I/O shim with them.
start_lab_server() {
	if (($# == 0)); then
		start_server "$PROG" --port 0
		return
	fi
	start_server env LD_PRELOAD="$SHORTIO_LIB" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$@" "$PROG" --port 0
}

# talk IN OUT: send file IN to the server with the reference client and
# write the replies to file OUT.
talk() {
	bounded "$CLIENT" --send 127.0.0.1 "$SERVER_PORT" <"$1" >"$2"
}

# same_bytes GOT WANT: fail, showing both, unless the files are equal.
same_bytes() {
	cmp -s "$1" "$2" && return 0
	fail "$(printf '%s\n' "the replies were (od -c):" "$(od -c "$1" |
		head -20)" "and should be:" "$(od -c "$2" | head -20)")"
}

# replies_to TEXT: the replies of the server to TEXT (printf %s), in $output.
replies_to() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/in"
	run talk "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
	output=$(cat "$BATS_TEST_TMPDIR/out")
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr lines --help
	assert_success
	assert_line --index 0 --regexp '^usage: lines '
	assert_equal "$stderr" ""
}

@test "a bad argument or port is a usage error: one line, exit 2" {
	run --separate-stderr lines --port 12x
	assert_failure 2
	assert_equal "$stderr" \
		"lines: bad port '12x': a port is a number from 0 to 65535"
	run --separate-stderr lines --bogus 1
	assert_failure 2
	assert_equal "$stderr" "lines: bad argument '--bogus' (see lines --help)"
	run --separate-stderr lines --port
	assert_failure 2
	run --separate-stderr lines --send 127.0.0.1
	assert_failure 2
	assert_equal "$stderr" "lines: --send takes HOST PORT (see lines --help)"
}

@test "--send to a port where nobody listens: connection refused, exit 1" {
	refused_port
	run --separate-stderr lines --send 127.0.0.1 "$REFUSED_PORT" </dev/null
	assert_failure 1
	assert_equal "$stderr" "lines: connect 127.0.0.1 port $REFUSED_PORT: Connection refused"
}

@test "the demo finishes by itself, exit 0, and narrates its five steps" {
	run lines
	assert_success
	assert_line --index 0 --partial "Lesson 09: lines on a byte stream."
	assert_line --regexp '^1\. One command a send\(\)'
	assert_line --regexp '^2\. Pipelined: four commands in one send\(\)'
	assert_line --regexp '^3\. One command, 3 bytes a send\(\)'
	assert_line --regexp '^4\. A line of 2047 bytes'
	assert_line --regexp '^5\. The client closes in the middle of a line'
}

@test "demo step 1: one command a send(), each answered" {
	run lines
	assert_success
	assert_output --partial "$(printf '%s\n' \
		'1. One command a send(), each once we have read the one before:' \
		'  line "PING" -> "PONG"' \
		'  line "ECHO hello, lines" -> "hello, lines"' \
		'  line "ADD 2 40" -> "42"' \
		'  end of stream: the client has closed')"
}

@test "prints 'listening on 127.0.0.1:PORT' first and serves clients one after another" {
	start_lab_server
	run head -n 1 "$SERVER_OUT"
	assert_output "listening on 127.0.0.1:$SERVER_PORT"
	local i
	for i in 1 2 3; do
		replies_to "ECHO client $i"$'\n'
		assert_output "client $i"
	done
	stop_server
	run grep -c 'done: 1 line answered$' "$SERVER_OUT"
	assert_output 3
}

@test "each command, sent alone, gets its one-line reply" {
	start_lab_server
	replies_to $'PING\n'
	assert_output PONG
	replies_to $'ECHO hello, lines\n'
	assert_output "hello, lines"
	replies_to $'ADD 2 40\n'
	assert_output 42
	replies_to $'ADD -5 3\n'
	assert_output -- -2
	replies_to $'ADD 1 x\n'
	assert_output "ERR ADD takes two whole numbers"
	replies_to $'ADD 9223372036854775807 1\n'
	assert_output "ERR ADD takes two whole numbers"
	replies_to $'FROB\n'
	assert_output "ERR unknown command"
	replies_to $'QUIT\n'
	assert_output BYE
}

@test "IPv6: the server listens on ::1 and answers there" {
	require_ipv6
	start_server "$PROG" --host ::1 --port 0
	assert_equal "$SERVER_HOST" ::1
	printf 'PING\n' >"$BATS_TEST_TMPDIR/in"
	run bounded "$CLIENT" --send ::1 "$SERVER_PORT" <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output PONG
}

# bats test_tags=exercise
@test "demo step 2: four pipelined commands are four lines" {
	run lines
	assert_success
	assert_output --partial "$(printf '%s\n' \
		'2. Pipelined: four commands in one send():' \
		'  line "PING" -> "PONG"' \
		'  line "ECHO two at once" -> "two at once"' \
		'  line "ADD 1 2" -> "3"' \
		'  line "QUIT" -> "BYE"' \
		'  QUIT: we close the connection')"
}

# bats test_tags=exercise
@test "demo step 3: a command in 3-byte pieces is one line" {
	run lines
	assert_success
	assert_output --partial "$(printf '%s\n' \
		'3. One command, 3 bytes a send():' \
		'  line "ECHO three bytes at a time" -> "three bytes at a time"' \
		'  end of stream: the client has closed')"
}

# bats test_tags=exercise
@test "demo step 4: a line of 2047 bytes is 'too long', never cut" {
	run lines
	assert_success
	assert_line '  a line of more than 1024 bytes -> "ERR line too long", and we close'
}

# bats test_tags=exercise
@test "demo step 5: the end of the stream in the middle of a line is reported" {
	run lines
	assert_success
	assert_output --partial "$(printf '%s\n' \
		'5. The client closes in the middle of a line:' \
		'  line "PING" -> "PONG"' \
		'  the client closed in the middle of a line: "ECHO unfinished", no newline')"
}

# bats test_tags=exercise
@test "commands pipelined in one write get one reply each, in order" {
	start_lab_server
	replies_to "$SCRIPT"
	assert_output "${REPLIES%$'\n'}"
}

# bats test_tags=exercise
@test "every recv() short under the shim, maxima 1..7, 2 seeds: every reply right" {
	local max seed bad=()
	printf '%s' "$SCRIPT" >"$BATS_TEST_TMPDIR/in"
	printf '%s' "$REPLIES" >"$BATS_TEST_TMPDIR/want"
	for max in "${SHORTIO_MAXIMA[@]}"; do
		for seed in "${SHORTIO_SEEDS[@]}"; do
			start_lab_server SHORTIO_MAX="$max" SHORTIO_SEED="$seed"
			talk "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out" ||
				true
			cmp -s "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/want" ||
				bad+=("SHORTIO_MAX=$max SHORTIO_SEED=$seed")
			stop_server
		done
	done
	((${#bad[@]} == 0)) || fail "$(printf '%s\n' \
		"wrong replies under the shim in ${#bad[@]} of 14 runs:" \
		"${bad[@]}" "" "the server's log of the last:" \
		"$(cat "$SERVER_OUT")")"
}

# bats test_tags=exercise
@test "EINTR (SHORTIO_EINTR=30) is retried: every reply right, maxima 1..7" {
	local max bad=()
	printf '%s' "$SCRIPT" >"$BATS_TEST_TMPDIR/in"
	printf '%s' "$REPLIES" >"$BATS_TEST_TMPDIR/want"
	for max in "${SHORTIO_MAXIMA[@]}"; do
		start_lab_server SHORTIO_MAX="$max" SHORTIO_SEED=7 \
			SHORTIO_EINTR=30
		talk "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out" || true
		cmp -s "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/want" ||
			bad+=("SHORTIO_MAX=$max")
		stop_server
	done
	((${#bad[@]} == 0)) ||
		fail "wrong replies with EINTR in ${#bad[@]} of 7 runs: ${bad[*]}"
}

# bats test_tags=exercise
@test "CRLF and bare LF both end a line; a CR inside a line stays" {
	start_lab_server
	replies_to $'PING\r\nECHO crlf\r\nECHO lf\nECHO a\rb\nPING\n'
	assert_output $'PONG\ncrlf\nlf\na\rb\nPONG'
}

# bats test_tags=exercise
@test "NUL and binary bytes inside a line come back byte for byte" {
	start_lab_server
	printf 'ECHO a\0b\377\001c\0\nPING\nECHO \0\n' >"$BATS_TEST_TMPDIR/in"
	printf 'a\0b\377\001c\0\nPONG\n\0\n' >"$BATS_TEST_TMPDIR/want"
	run talk "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
	same_bytes "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/want"
}

# bats test_tags=exercise
@test "a line of 1024 bytes is echoed; 1025 bytes is 'too long', never cut" {
	local x1019 x1020
	x1019=$(printf 'x%.0s' {1..1019})
	x1020=${x1019}x
	start_lab_server
	# "ECHO " and 1019 bytes: 1024, the most a line may hold; with
	# "\r\n" too.
	replies_to "ECHO $x1019"$'\n'
	assert_output "$x1019"
	replies_to "ECHO $x1019"$'\r\n'
	assert_output "$x1019"
	replies_to "ECHO $x1020"$'\n'
	assert_output "ERR line too long"
	replies_to "ECHO $x1020"$'\r\n'
	assert_output "ERR line too long"
}

# bats test_tags=exercise
@test "a 1 MB line: 'ERR line too long', the server closes, and serves the next client" {
	start_lab_server
	{
		printf 'ECHO '
		head -c 1000000 /dev/zero | tr '\0' x
		printf '\nPING\n'
	} >"$BATS_TEST_TMPDIR/in"
	run talk "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output "ERR line too long"
	replies_to $'PING\n'
	assert_output PONG
	stop_server
	run cat "$SERVER_OUT"
	assert_line '  a line of more than 1024 bytes -> "ERR line too long", and we close'
}

# bats test_tags=exercise
@test "the end of the stream in the middle of a line: no reply to it, and it is reported" {
	start_lab_server
	replies_to $'PING\nECHO unfinished'
	assert_output PONG
	stop_server
	run cat "$SERVER_OUT"
	assert_line '  the client closed in the middle of a line: "ECHO unfinished", no newline'
}

# random_lines SEED COUNT IN WANT: COUNT lines "ECHO <random bytes>" into
# file IN and the replies they should get into WANT.  The bytes are any
# but "\n" and "\r" (a NUL too), 0 to 200 of them a line: awk's rand(),
# seeded, so that a failure can be replayed.
random_lines() {
	LC_ALL=C awk -v seed="$1" -v count="$2" -v in_file="$3" -v want="$4" 'BEGIN {
		srand(seed)
		for (i = 0; i < count; i++) {
			line = ""
			len = int(rand() * 201)
			for (j = 0; j < len; j++) {
				byte = int(rand() * 256)
				if (byte == 10 || byte == 13)
					byte = 0
				line = line sprintf("%c", byte)
			}
			printf "ECHO %s\n", line >in_file
			printf "%s\n", line >want
		}
	}'
}

# bats test_tags=exercise
@test "property: random lines split at random (5 seeds) all come back as sent" {
	local seed max bad=()
	for seed in 1 2 3 4 5; do
		random_lines "$seed" 60 "$BATS_TEST_TMPDIR/in" \
			"$BATS_TEST_TMPDIR/want"
		max=$((1 + seed * 61 % 300))	# 62, 123, 184, 245, 6
		start_lab_server SHORTIO_MAX="$max" SHORTIO_SEED="$seed"
		talk "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out" || true
		cmp -s "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/want" ||
			bad+=("seed $seed (SHORTIO_MAX=$max)")
		stop_server
	done
	((${#bad[@]} == 0)) ||
		fail "random lines came back wrong: ${bad[*]}"
}
