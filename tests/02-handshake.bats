#!/usr/bin/env bats
# Lesson 02: handshake.  `make check-02` runs this file against your lesson.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load sanitized
	lab_setup 02-handshake handshake
}

teardown() {
	lab_teardown
}

# The demo on a port the kernel picks.  Its last part waits about 1 s
# for the kernel to send a dropped SYN again, so the tests that read it
# share one run, kept in this file's temporary folder.
run_demo() {
	local out=$BATS_FILE_TMPDIR/demo rc=0
	if [[ ! -e $out.status ]]; then
		handshake --port 0 >"$out.out" 2>"$out.err" || rc=$?
		echo "$rc" >"$out.status"
	fi
	run cat "$out.out"
	demo_status=$(<"$out.status")
}

# The first three captured segments must be the handshake of the
# connection: SYN seq=x; SYN,ACK seq=y ack=x+1; ACK seq=x+1 ack=y+1.
assert_handshake_captured() {
	local line re got=()
	re='^ +captured +([0-9]+) > ([0-9]+) +([A-Z,]+) +seq=([0-9]+)[^a]*(ack=([0-9]+))?'
	for line in "${lines[@]}"; do
		[[ $line =~ $re ]] || continue
		got+=("${BASH_REMATCH[3]} ${BASH_REMATCH[4]} ${BASH_REMATCH[6]:-}")
		((${#got[@]} == 3)) && break
	done
	((${#got[@]} == 3)) || fail "fewer than three captured segments"
	local f1 x f2 y a2 f3 s3 a3
	read -r f1 x <<<"${got[0]}"
	read -r f2 y a2 <<<"${got[1]}"
	read -r f3 s3 a3 <<<"${got[2]}"
	assert_equal "$f1 $f2 $f3" "SYN SYN,ACK ACK"
	assert_equal "$a2" $(((x + 1) % 4294967296))
	assert_equal "$s3" $(((x + 1) % 4294967296))
	assert_equal "$a3" $(((y + 1) % 4294967296))
}

@test "--help prints the usage on stdout and exits 0" {
	run handshake --help
	assert_success
	assert_line --index 0 --partial "usage: handshake"
}

@test "an unknown argument is a usage error: one line on stderr, exit 2" {
	run --separate-stderr handshake --frobnicate
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "$stderr" \
		"handshake: unknown argument '--frobnicate' (see handshake --help)"
}

@test "bad option values are usage errors, exit 2" {
	run --separate-stderr handshake --port 70000
	assert_failure 2
	assert_equal "$stderr" \
		"handshake: bad port '70000': a port is a number from 0 to 65535"
	run --separate-stderr handshake --backlog -1
	assert_failure 2
	assert_equal "$stderr" \
		"handshake: bad --backlog '-1': a number from 0 to 65535"
	run --separate-stderr handshake --clients 5x
	assert_failure 2
	assert_equal "$stderr" \
		"handshake: bad --clients '5x': a number from 0 to 200"
	run --separate-stderr handshake --port
	assert_failure 2
	assert_equal "$stderr" \
		"handshake: --port needs a value (see handshake --help)"
}

@test "a port in use: EADDRINUSE, explained, exit 1" {
	start_server "$PEER" hold
	run --separate-stderr handshake --port "$SERVER_PORT" --clients 0
	assert_failure 1
	assert_equal "$stderr" "handshake: bind 127.0.0.1 port $SERVER_PORT: Address already in use (another program listens there; try --port 0)"
}

@test "an address this machine does not have: bind fails, exit 1" {
	run --separate-stderr handshake --host 192.0.2.1 --port 0
	assert_failure 1
	assert_equal "$stderr" \
		"handshake: bind 192.0.2.1 port 0: Cannot assign requested address"
}

@test "CLOSE after bind(), LISTEN after listen()" {
	run handshake --port 0 --clients 0
	assert_success
	assert_line --index 2 --regexp '^1\. socket\(\) and bind\(\) to 127\.0\.0\.1:[0-9]+$'
	assert_line --index 3 --regexp '^   listener: CLOSE \('
	assert_line --index 4 "2. listen(fd, 10): the kernel takes connections now"
	assert_line --index 5 --regexp '^   listener: LISTEN \('
}

@test "a non-blocking connect() returns EINPROGRESS; the handshake ends by itself" {
	run handshake --port 0 --clients 0
	assert_success
	assert_line --partial 'connect() returned -1, EINPROGRESS'
	# On loopback it is over before connect() returns; were it not,
	# the program waits for it and says so.
	assert_line --regexp '^   client: (ESTABLISHED|SYN_SENT) \('
	assert_line --regexp '^   client(, after poll\(\) for POLLOUT)?: ESTABLISHED \('
}

@test "the connection is ESTABLISHED and queued before accept() is called" {
	run handshake --port 0 --backlog 3 --clients 0
	assert_success
	local before
	before=$(sed -n '/^4\. Nobody has called accept/,/accept() takes it/p' <<<"$output")
	assert_regex "$before" \
		"the server's end, in the kernel's table: ESTABLISHED \("
	assert_regex "$before" "accept queue: 1 connection\(s\), limit 3"
	assert_line --regexp '^   server: ESTABLISHED \('
}

@test "closing: FIN_WAIT then TIME_WAIT on the side that closed first" {
	run handshake --port 0 --clients 0
	assert_success
	local close
	close=$(sed -n '/^5\. /,$p' <<<"$output")
	# In the order they happen; FIN_WAIT1 may already be FIN_WAIT2.
	assert_regex "$close" $'client: FIN_WAIT[12] .*\n   server: recv\\(\\) returned 0'
	assert_regex "$close" $'server: CLOSE_WAIT .*\n   client: FIN_WAIT2 '
	assert_regex "$close" $'client: TIME_WAIT .*\n   server: CLOSED '
}

@test "the TIME_WAIT the program shows is in ss's list after it exits" {
	require ss
	run handshake --port 0 --clients 0
	assert_success
	local server client
	server=$(sed -n 's/^1\. socket() and bind() to \(.*\)$/\1/p' <<<"$output")
	client=$(sed -n 's/^3\. A client connect()s from \([^,]*\),.*/\1/p' <<<"$output")
	[[ -n $server && -n $client ]] || fail "no addresses in the output"
	run ss -tan state time-wait
	assert_line --regexp " ${client//./\\.} +${server//./\\.} *$"
}

@test "IPv6: the same story on ::1" {
	require_ipv6
	run handshake --host ::1 --port 0 --clients 0
	assert_success
	assert_line --regexp '^1\. socket\(\) and bind\(\) to \[::1\]:[0-9]+$'
	assert_line --regexp '^   listener: LISTEN \('
	assert_line --regexp "the server's end, in the kernel's table: ESTABLISHED"
	assert_line --regexp '^   client: TIME_WAIT \('
}

@test "the demo ends by itself, exit 0; a full queue drops SYNs, a retry gets through" {
	run_demo
	assert_equal "$demo_status" 0
	# backlog 10 (the notes' listen(10)), 12 clients
	assert_line "   connect() returned -1, EINPROGRESS, for 12 of 12"
	assert_line --regexp '^   the listener.s accept queue: 11 connection\(s\), limit 10$'
	assert_line "   their server ends, in the kernel's table: 11 ESTABLISHED, 0 SYN_RECV"
	assert_line --regexp '^   127\.0\.0\.1:[0-9]+: ESTABLISHED now, after [1-9] SYN retransmission'
	assert_line "   their server ends, in the kernel's table: 12 ESTABLISHED, 0 SYN_RECV"
}

# bats test_tags=exercise
@test "the demo counts 11 clients done and 1 waiting, then 12 and 0" {
	run_demo
	assert_equal "$demo_status" 0
	local counts
	counts=$(grep '^   clients: ' <<<"$output")
	assert_equal "$counts" "$(printf '%s\n' \
		"   clients: 11 completed the handshake (ESTABLISHED), 1 wait in SYN_SENT" \
		"   clients: 12 completed the handshake (ESTABLISHED), 0 wait in SYN_SENT")"
}

# bats test_tags=exercise
@test "backlog N takes N + 1 connections: every client done, none waits" {
	local backlog clients
	for backlog in 0 4; do
		clients=$((backlog + 1))
		run handshake --port 0 --backlog "$backlog" --clients "$clients"
		assert_success
		assert_line "   clients: $clients completed the handshake (ESTABLISHED), 0 wait in SYN_SENT"
		assert_line "   the listener's accept queue: $clients connection(s), limit $backlog"
		assert_line "   The queue took them all: try more --clients."
	done
}

# bats test_tags=exercise
@test "counts all 200 clients, the most it takes: none missed at either end" {
	run handshake --port 0 --backlog 199 --clients 200
	assert_success
	assert_line "   clients: 200 completed the handshake (ESTABLISHED), 0 wait in SYN_SENT"
}

# bats test_tags=exercise
@test "the count under AddressSanitizer, UBSan and LeakSanitizer: no overrun, no leak" {
	require_sanitized
	# 200 clients fill the program's array of clients: one step past
	# its end is outside it.
	sanitized --port 0 --backlog 199 --clients 200
}

@test "--trace as root: captures SYN, SYN-ACK, ACK with ack = seq + 1" {
	[[ $(id -u) == 0 ]] || skip "needs root (a packet socket needs CAP_NET_RAW)"
	run handshake --port 0 --clients 0 --trace
	assert_success
	assert_line "--trace: capturing on lo with a packet socket"
	assert_handshake_captured
	assert_line --regexp '^   client: TIME_WAIT \('
}

@test "--trace as an ordinary user: a private network namespace" {
	require unshare
	require_unprivileged "$PROG"
	unprivileged unshare -rn true 2>/dev/null ||
		skip "this system does not let ordinary users have user namespaces"
	run unprivileged "$PROG" --port 0 --clients 0 --trace
	assert_success
	assert_line --index 2 --partial "so this process moved into a private network"
	assert_handshake_captured
	assert_line --regexp '^   client: TIME_WAIT \('
}

@test "--trace without any privilege: says so, shows tcpdump, carries on" {
	require unshare
	require_unprivileged "$PROG"
	# In a user namespace without a uid map a process can neither open
	# a packet socket nor make a namespace of its own; where ordinary
	# users get no user namespaces at all, plain is the same.
	local jail=(unshare -U)
	unprivileged unshare -U true 2>/dev/null || jail=()
	run unprivileged "${jail[@]}" "$PROG" --port 0 --clients 0 --trace
	assert_success
	assert_line --index 2 "--trace: cannot capture here."
	assert_line --index 3 --regexp '^  socket\(AF_PACKET\): .+ \(it needs root or CAP_NET_RAW\)$'
	assert_line "    sudo tcpdump -i lo -n -S 'tcp port 1234'"
	assert_line --partial "and then this program with --port 1234."
	refute_line --partial "captured"
	assert_line --regexp '^   client: TIME_WAIT \('
}

# --mermaid: the diagram's arrows must be the captured segments, in the
# order captured.  From the "captured" lines (absolute numbers) this
# works out each arrow anew: the clients numbered C1, C2 ... by their
# first segment, the server S; seq and ack relative to the connection's
# x (its client's SYN) and y (the server's SYN-ACK).  Then the two lists
# must be equal, line for line.
assert_mermaid_is_capture() {
	local line server= want=() got=() in_block=0
	local re='^ +captured +([0-9]+) > ([0-9]+) +([A-Z,]+) +seq=([0-9]+)[^a]*(ack=([0-9]+))?'
	declare -A id x y
	local n=0 sport dport flags seq ack client from_client rs arrow
	for line in "${lines[@]}"; do
		[[ $line =~ ^1\.\ socket\(\)\ and\ bind\(\)\ to\ .*:([0-9]+)$ ]] &&
			server=${BASH_REMATCH[1]}
	done
	[[ -n $server ]] || fail "no server port in step 1"
	rel() {	# rel VALUE BASE NAME: x, x+3, or VALUE when BASE is unknown
		if [[ -z $2 ]]; then
			echo "$1"
		elif (((($1 - $2 + 4294967296) % 4294967296) == 0)); then
			echo "$3"
		else
			echo "$3+$(((($1 - $2) + 4294967296) % 4294967296))"
		fi
	}
	for line in "${lines[@]}"; do
		[[ $line =~ $re ]] || continue
		sport=${BASH_REMATCH[1]} dport=${BASH_REMATCH[2]}
		flags=${BASH_REMATCH[3]} seq=${BASH_REMATCH[4]}
		ack=${BASH_REMATCH[6]:-}
		from_client=0
		[[ $dport == "$server" ]] && from_client=1
		client=$sport
		((from_client)) || client=$dport
		[[ -n ${id[$client]:-} ]] || id[$client]=C$((++n))
		[[ $flags == SYN && $from_client == 1 && -z ${x[$client]:-} ]] &&
			x[$client]=$seq
		[[ $flags == SYN,ACK && $from_client == 0 && -z ${y[$client]:-} ]] &&
			y[$client]=$seq
		if ((from_client)); then
			rs=$(rel "$seq" "${x[$client]:-}" x)
			arrow="${id[$client]}->>S: $flags seq=$rs"
			[[ -z $ack ]] || arrow+=" ack=$(rel "$ack" "${y[$client]:-}" y)"
		else
			rs=$(rel "$seq" "${y[$client]:-}" y)
			arrow="S->>${id[$client]}: $flags seq=$rs"
			[[ -z $ack ]] || arrow+=" ack=$(rel "$ack" "${x[$client]:-}" x)"
		fi
		want+=("    $arrow")
	done
	((${#want[@]} >= 7)) || fail "fewer than 7 captured segments"
	for line in "${lines[@]}"; do
		case $in_block:$line in
		0:'```mermaid') in_block=1 ;;
		1:'```') in_block=2 ;;
		1:*'->>'*) got+=("$line") ;;
		esac
	done
	assert_equal "$in_block" 2	# one block, closed
	assert_line --index "$(($(printf '%s\n' "${lines[@]}" |
		grep -n -m1 -x '```mermaid' | cut -d: -f1)))" "sequenceDiagram"
	assert_line "    participant S as server port $server"
	for client in "${!id[@]}"; do
		assert_line "    participant ${id[$client]} as client port $client"
	done
	assert_equal "$(printf '%s\n' "${got[@]}")" "$(printf '%s\n' "${want[@]}")"
	# The hand-drawn diagram's handshake and closing, for real.
	assert_equal "$(printf '%s\n' "${got[@]:0:7}")" "$(printf '%s\n' \
		'    C1->>S: SYN seq=x' \
		'    S->>C1: SYN,ACK seq=y ack=x+1' \
		'    C1->>S: ACK seq=x+1 ack=y+1' \
		'    C1->>S: FIN,ACK seq=x+1 ack=y+1' \
		'    S->>C1: ACK seq=y+1 ack=x+2' \
		'    S->>C1: FIN,ACK seq=y+1 ack=x+2' \
		'    C1->>S: ACK seq=x+2 ack=y+2')"
}

@test "--trace --mermaid as root: the diagram's arrows are the captured segments, in order" {
	[[ $(id -u) == 0 ]] || skip "needs root (a packet socket needs CAP_NET_RAW)"
	run handshake --port 0 --backlog 1 --clients 3 --trace --mermaid
	assert_success
	assert_line "--trace: capturing on lo with a packet socket"
	assert_line --regexp '^--mermaid: the [0-9]+ segment\(s\) captured, as a mermaid diagram; paste it into$'
	assert_mermaid_is_capture
	assert_line "    participant C4 as client port $(sed -n \
		's/^ *captured \([0-9]*\) > [0-9]* *SYN .*/\1/p' <<<"$output" |
		uniq | sed -n 4p)"
}

@test "--mermaid as an ordinary user: a private network namespace, the same diagram" {
	require unshare
	require_unprivileged "$PROG"
	unprivileged unshare -rn true 2>/dev/null ||
		skip "this system does not let ordinary users have user namespaces"
	run unprivileged "$PROG" --port 0 --clients 0 --mermaid
	assert_success
	assert_line --index 2 --partial "so this process moved into a private network"
	assert_mermaid_is_capture
	refute_line --partial "participant C2"
}

@test "--mermaid where nothing can be captured: says why, draws nothing, carries on" {
	require unshare
	require_unprivileged "$PROG"
	local jail=(unshare -U)
	unprivileged unshare -U true 2>/dev/null || jail=()
	run unprivileged "${jail[@]}" "$PROG" --port 0 --clients 0 --trace --mermaid
	assert_success
	assert_line --index 2 "--trace: cannot capture here."
	assert_line "--mermaid: no diagram: --trace could not capture here (see above), so no segment was seen"
	refute_line '```mermaid'
	assert_line --regexp '^   client: TIME_WAIT \('
}
