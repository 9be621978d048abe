#!/usr/bin/env bats
# Lesson 01: ports.  `make check-01` runs this file against your lesson.

setup_file() {
	load helper
	lab_setup_file
}

setup() {
	load helper
	load sanitized
	lab_setup 01-ports ports
}

teardown() {
	lab_teardown
}

# The message every rejected port must give, on stderr, with exit 2.
assert_bad_port() {
	run --separate-stderr ports "$1"
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "$stderr" \
		"ports: bad port '$1': a port is a number from 0 to 65535"
}

# bats test_tags=exercise
@test "rejects the empty string: it is not port 0" {
	assert_bad_port ""
}

# bats test_tags=exercise
@test "rejects a number with trailing text (80x)" {
	assert_bad_port 80x
}

# bats test_tags=exercise
@test "rejects a negative number (-1)" {
	assert_bad_port -1
}

# bats test_tags=exercise
@test "rejects 65536, one above the largest port" {
	assert_bad_port 65536
}

# bats test_tags=exercise
@test "rejects 70000 instead of wrapping it to 4464" {
	assert_bad_port 70000
}

# bats test_tags=exercise
@test "rejects a number too big for any integer type" {
	assert_bad_port 99999999999999999999
}

# bats test_tags=exercise
@test "rejects a number with a sign or a space (+80, ' 80')" {
	assert_bad_port +80
	assert_bad_port " 80"
}

# bats test_tags=exercise
@test "rejects numbers that wrap past 2^32 or 2^64 to 80 (4294967376, 18446744073709551696)" {
	# 2^32 + 80 and 2^64 + 80: a value kept in 32 or 64 bits and checked
	# only at the end wraps to 80 and passes.
	assert_bad_port 4294967376
	assert_bad_port 18446744073709551696
	assert_bad_port 1000000000000000000000000000065535
}

# bats test_tags=exercise
@test "decimal only: 0x50 and -0 are rejected, a trailing space too" {
	assert_bad_port 0x50
	assert_bad_port -0
	assert_bad_port "80 "
	assert_bad_port 8.0
}

# bats test_tags=exercise
@test "leading zeros are decimal, never octal: 0080 is 80, 010 is 10" {
	run ports 0080
	assert_success
	assert_line --index 0 "port 80/tcp: http"
	run ports 010
	assert_success
	assert_line --index 0 --regexp '^port 10/tcp: '
	run ports 000000000065535
	assert_success
	assert_line --index 0 "port 65535/tcp: (no service name)"
}

# bats test_tags=exercise
@test "the parser under AddressSanitizer, UBSan and LeakSanitizer: no overrun, no overflow" {
	require_sanitized
	local text
	for text in "" 0 80 65535 65536 0080 80x -1 +80 " 80" 0x50 \
		4294967376 18446744073709551696 99999999999999999999 \
		1000000000000000000000000000065535; do
		sanitized "$text"
	done
	sanitized --bind 99999999999999999999
}

# bats test_tags=exercise
@test "accepts the smallest and largest ports, 0 and 65535, and 1" {
	run ports 0
	assert_success
	assert_line --index 0 "port 0/tcp: (no service name)"
	run ports 1
	assert_success
	assert_line --index 0 --regexp '^port 1/tcp: '
	run ports 65535
	assert_success
	assert_line --index 0 "port 65535/tcp: (no service name)"
}

# bats test_tags=exercise
@test "--bind rejects a bad port with exit 2" {
	run --separate-stderr ports --bind 80abc
	assert_failure 2
	assert_equal "$stderr" \
		"ports: bad port '80abc': a port is a number from 0 to 65535"
}

@test "rejects a word that is no service name, with exit 2" {
	run --separate-stderr ports abc
	assert_failure 2
	assert_regex "$stderr" "^ports: 'abc' is neither a port number"
}

@test "knows the notes' six standard ports" {
	local port name
	while read -r port name; do
		run ports "$port"
		assert_success
		assert_line --index 0 "port $port/tcp: $name"
	done <<-EOF
	20 ftp-data
	21 ftp
	22 ssh
	25 smtp
	80 http
	443 https
	EOF
}

@test "finds a service's port by name: ssh is 22" {
	run ports ssh
	assert_success
	assert_line --index 0 "ssh is port 22/tcp"
	run ports https
	assert_success
	assert_line --index 0 "https is port 443/tcp"
}

@test "classifies ports: well-known, registered, dynamic" {
	run ports 80
	assert_line --partial "well-known (system) port"
	assert_line --partial "privileged"
	run ports 8080
	assert_line --partial "registered (user) port"
	refute_line --partial "privileged"
	run ports 50000
	assert_line --partial "dynamic (private) port"
}

@test "--help prints the usage on stdout and exits 0" {
	run ports --help
	assert_success
	assert_line --index 0 --partial "usage: ports"
}

@test "an unknown option is a usage error" {
	run --separate-stderr ports --frobnicate
	assert_failure 2
	assert_regex "$stderr" "^ports: "
}

@test "--bind 0: the kernel picks a free ephemeral port" {
	local lo hi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	run ports --bind 0
	assert_success
	assert_line --index 0 --regexp '^bound 127\.0\.0\.1:[0-9]+$'
	local port=${lines[0]##*:}
	((port >= lo && port <= hi))
	assert_line --partial "the kernel picked port $port"
}

@test "--bind a free port binds it" {
	# Ask the kernel for a free port, free it, then bind it by number.
	# In between, a connection elsewhere on the machine may take it as
	# its ephemeral port: then ask for another, a few times at most.
	local port
	for _ in 1 2 3 4 5; do
		run ports --bind 0
		port=${lines[0]##*:}
		run ports --bind "$port"
		((status == 0)) && break
	done
	assert_success
	assert_line --index 0 "bound 127.0.0.1:$port"
}

@test "--bind a port in use: EADDRINUSE, explained, exit 1" {
	start_server "$PEER" hold
	run --separate-stderr ports --bind "$SERVER_PORT"
	assert_failure 1
	assert_equal "$stderr" "ports: bind 127.0.0.1:$SERVER_PORT: Address already in use (another socket listens there; ss -tlnp shows which)"
}

@test "--bind below 1024 as an ordinary user: permission denied, exit 1" {
	local start
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	((start > 80)) ||
		skip "this machine lets everyone bind low ports (ip_unprivileged_port_start=$start)"
	require_unprivileged "$PROG"
	run --separate-stderr unprivileged "$PROG" --bind 80
	assert_failure 1
	assert_regex "$stderr" \
		"^ports: bind 127\.0\.0\.1:80: Permission denied \(ports below $start need root or CAP_NET_BIND_SERVICE\)$"
}

@test "--bind below 1024 as root works" {
	[[ $(id -u) == 0 ]] || skip "needs root"
	# Port 80 may be taken by a real server; 1..1023 has room. Find one.
	local port
	for port in 81 82 83 84 85 86 87 88 89; do
		run ports --bind "$port"
		((status == 0)) && break
	done
	assert_success
	assert_line --index 0 "bound 127.0.0.1:$port"
}

@test "the demo ends by itself and exits 0" {
	run ports
	assert_success
	assert_line --partial "Address already in use (EADDRINUSE)"
}

@test "the demo's connections all share the server port, 4-tuples differ" {
	run ports
	assert_success
	local listen_port client server seen=() line
	listen_port=$(sed -n 's/^  listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' <<<"$output")
	[[ -n $listen_port ]] || fail "no 'listening on' line"
	for line in "${lines[@]}"; do
		if [[ $line =~ ^\ +client\ sees\ (.+)\ -\>\ (.+)$ ]]; then
			client=${BASH_REMATCH[1]} server=${BASH_REMATCH[2]}
			assert_equal "${server##*:}" "$listen_port"
			seen+=("$client")
		elif [[ $line =~ ^\ +server\ sees\ (.+)\ \<-\ (.+)$ ]]; then
			# The server's view is the client's, mirrored.
			assert_equal "${BASH_REMATCH[1]}" "$server"
			assert_equal "${BASH_REMATCH[2]}" "$client"
		fi
	done
	((${#seen[@]} >= 2)) || fail "fewer than two connections shown"
	# Every client end (IP and port) is different.
	local unique
	unique=$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)
	assert_equal "$unique" "${#seen[@]}"
}
