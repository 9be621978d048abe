#!/usr/bin/env bash
# tests/gates/memcheck.bash LESSON... - `make memcheck`: no memory errors, no
# leaked memory and no leaked descriptors, under valgrind:
#
#   - every lesson's demo (the program with no arguments, as
#     `make lesson-NN` runs it), starter and solution;
#   - lessons 04 and 08's echo servers, lesson 09's line server (its
#     ECHO), and the tools' peer in echo mode, after many clients (one
#     after another, then several at once).
#
# valgrind runs with --leak-check=full --track-fds=yes --error-exitcode:
# a memory error or a leak (definite, indirect or possible) fails the
# run by its exit status.  valgrind 3.19 lists the descriptors open at
# exit but does not fail on them, so we read its report: any socket or
# file the program opened and did not close is a failure (fds 0-2 and
# what the program inherited are fine; a server stopped by a signal may
# still hold its listening socket; a starter's are only noted, see
# report below).
#
# The Makefile builds the programs for this into build/memcheck with
# -gdwarf-4: valgrind 3.19 cannot read all of clang's DWARF 5.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 1
out=${LAB_OUT:?run this through make memcheck}
logs=$out/memcheck-logs
clients=${MEMCHECK_CLIENTS:-100}
failed=0 checked=0

if ! command -v valgrind >/dev/null; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		echo "memcheck: installing valgrind (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind \
			>/dev/null || exit 1
	else
		echo "memcheck: needs valgrind: sudo apt-get install valgrind" >&2
		exit 1
	fi
fi
rm -rf "$logs" && mkdir -p "$logs"

# The valgrind command; the log goes to $logs/KEY.PID (KEY: the run's
# name with every / and space made a _).
leaks=definite,indirect,possible
vg=(valgrind --leak-check=full
	--show-leak-kinds="$leaks" --errors-for-leak-kinds="$leaks"
	--track-fds=yes --error-exitcode=99)
key_of() { printf '%s\n' "${1//[^A-Za-z0-9._-]/_}"; }

# report NAME STATUS [LISTENER]: judge a run from valgrind's logs (one
# per process: a program that forks has several).  LISTENER is the
# HOST:PORT of a server's listening socket, which may be open at exit.
# With fds_noted set (the starters), descriptors open at exit are noted,
# not failed: a starter carries its lesson's bug on purpose (lesson 04's
# server dies when a client resets), and a process that dies leaves its
# descriptors to the kernel.  Memory errors and leaks fail everywhere.
# Prints one line, and the evidence on failure.
report() {
	local name=$1 status=$2 listener=${3:-} key log line
	local problems=() notes=()
	key=$(key_of "$name")
	for log in "$logs/$key".[0-9]*; do
		[[ -f $log ]] || continue
		grep -q 'ERROR SUMMARY: [1-9]' "$log" &&
			problems+=("memory errors or leaks: see $log")
		# An "Open ..." entry whose next line is not "<inherited
		# from parent>" is something the program opened itself.
		while IFS= read -r line; do
			[[ -n $listener &&
				$line == *" socket "*": $listener <-> unbound" ]] &&
				continue
			line="left open at exit: ${line#*== } (pid ${log##*.})"
			if [[ -n ${fds_noted:-} ]]; then
				notes+=("$line")
			else
				problems+=("$line")
			fi
		done < <(awk '
			/== Open (AF_[A-Z0-9]+ socket|file descriptor) [0-9]+/ {
				open = $0; next
			}
			open != "" {
				if ($0 !~ /<inherited from parent>/) print open
				open = ""
			}' "$log")
	done
	case $status in
	0) ;;
	99) problems+=("valgrind found errors (exit 99)") ;;
	124 | 137) problems+=("did not finish in time (exit $status)") ;;
	*)
		line=$(tail -1 "$logs/$key.out")
		[[ -n $listener ]] ||
			problems+=("exit status $status; it said: $line")
		;;
	esac
	checked=$((checked + 1))
	if ((${#problems[@]} == 0)); then
		echo "  ok   $name"
		((${#notes[@]} == 0)) || printf '         note: %s\n' "${notes[@]}"
		return 0
	fi
	echo "  FAIL $name"
	printf '         %s\n' "${problems[@]}" "${notes[@]}"
	failed=$((failed + 1))
	return 1
}

# demo NAME PROGRAM: the program with no arguments, bounded.
demo() {
	local name=$1 key status=0
	key=$(key_of "$1")
	timeout -k 5 120 "${vg[@]}" --log-file="$logs/$key.%p" "$2" \
		</dev/null >"$logs/$key.out" 2>&1 || status=$?
	report "$name" "$status"
}

# one_client HOST PORT N: connect, send a line, read the echo back.
# (With prefix set, the line starts with it: "ECHO " makes lesson 09's
# line server echo the rest.)
prefix=
one_client() {
	local fd line
	exec {fd}<>"/dev/tcp/$1/$2" || return 1
	printf '%sclient %s says Hello tcp!\n' "$prefix" "$3" >&"$fd"
	IFS= read -r -t 10 line <&"$fd"
	exec {fd}>&-
	[[ $line == "client $3 says Hello tcp!" ]]
}

# wait_idle PORT: wait (bounded: 10 s) until no connection to our port
# is open on the server's side (ESTABLISHED, 01, or CLOSE_WAIT, 08, in
# /proc/net/tcp*): the last client has gone and the server has closed
# its socket, so stopping it now shows what it really leaves open.
wait_idle() {
	local hex try
	hex=$(printf '%04X' "$1")
	for ((try = 0; try < 200; try++)); do
		awk -v port=":$hex" '$2 ~ port "$" && ($4 == "01" || $4 == "08") {
			busy = 1
		} END { exit !busy }' /proc/net/tcp /proc/net/tcp6 2>/dev/null ||
			return 0
		sleep 0.05
	done
	return 1
}

# server NAME PROGRAM ARGS...: start an echo server under valgrind on
# port 0, talk to it with many clients, stop it with SIGTERM, judge it.
server() {
	local name=$1 key pid fifo line addr="" host port i status=0 bad=0 fd idle
	key=$(key_of "$1")
	fifo=$logs/$key.fifo
	shift
	mkfifo "$fifo"
	setsid timeout -k 5 120 "${vg[@]}" --log-file="$logs/$key.%p" "$@" \
		</dev/null >"$fifo" 2>"$logs/$key.err" &
	pid=$!
	exec {fd}<"$fifo"
	while IFS= read -r -t 60 line <&"$fd"; do
		printf '%s\n' "$line" >>"$logs/$key.out"
		if [[ $line =~ ^listening\ on\ (.+):([0-9]+)$ ]]; then
			addr=${BASH_REMATCH[1]}:${BASH_REMATCH[2]}
			host=${BASH_REMATCH[1]#[} host=${host%]}
			port=${BASH_REMATCH[2]}
			break
		fi
	done
	if [[ -z $addr ]]; then
		exec {fd}<&-
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid"
		echo "  FAIL $name: no 'listening on HOST:PORT' line"
		sed 's/^/         /' "$logs/$key.err"
		failed=$((failed + 1))
		return 1
	fi
	cat <&"$fd" >>"$logs/$key.out" &
	exec {fd}<&-

	for ((i = 1; i <= clients; i++)); do
		one_client "$host" "$port" "$i" || bad=$((bad + 1))
	done
	# Then ten at once (an iterative server serves them in turn).
	for ((i = 1; i <= 10; i++)); do
		one_client "$host" "$port" "together$i" &
	done
	for ((i = 1; i <= 10; i++)); do
		wait -n || bad=$((bad + 1))
	done

	idle=1
	wait_idle "$port" || idle=0
	kill -TERM -- "-$pid" 2>/dev/null
	wait "$pid" || status=$?
	wait	# the reader of its output
	if ((bad > 0)); then
		echo "  FAIL $name: $bad of $((clients + 10)) clients got no echo"
		failed=$((failed + 1))
		return 1
	fi
	if ((!idle)); then
		echo "  FAIL $name: still had clients 10 s after the last left"
		failed=$((failed + 1))
		return 1
	fi
	report "$name" "$status" "$addr"
}

# The program of a lesson: the single .c file in lessons/NN-slug/.
prog_of() {
	local src
	src=$(find "lessons/$1" -maxdepth 1 -name '*.c' | head -1)
	src=${src##*/}
	printf '%s\n' "${src%.c}"
}

echo "Under valgrind (--leak-check=full --track-fds=yes):"
for lesson in "$@"; do
	prog=$(prog_of "$lesson")
	for tree in lessons solutions; do
		bin=$out/$tree/$lesson/$prog
		if [[ ! -x $bin ]]; then
			echo "  FAIL $tree/$lesson/$prog: not built"
			failed=$((failed + 1))
			continue
		fi
		fds_noted=
		[[ $tree == lessons ]] && fds_noted=1
		demo "$tree/$lesson/$prog" "$bin"
	done
	if [[ $lesson == 09-* ]]; then
		prefix="ECHO "
		for tree in lessons solutions; do
			fds_noted=
			server "$tree/$lesson/$prog server, after $((clients + 10)) clients" \
				"$out/$tree/$lesson/$prog" --port 0
		done
		prefix=
	fi
	if [[ $lesson == 04-* || $lesson == 08-* ]]; then
		for tree in lessons solutions; do
			fds_noted=
			server "$tree/$lesson/$prog server, after $((clients + 10)) clients" \
				"$out/$tree/$lesson/$prog" \
				--port 0
		done
	fi
done
fds_noted=
server "tools/peer echo, after $((clients + 10)) clients" \
	"$out/tools/peer" echo

echo
if ((failed > 0)); then
	echo "memcheck: FAILED: $failed of $checked runs (logs in $logs)"
	exit 1
fi
echo "memcheck: $checked runs clean (logs in $logs)"
