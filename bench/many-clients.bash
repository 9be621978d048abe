#!/usr/bin/env bash
# bench/many-clients.bash - part of `make bench`: echo round trips per
# second with 1, 10, 100 and 1000 clients at once, lesson 08's server
# (one process, poll()) beside lesson 04's (one client at a time), in
# the same run, and each server's peak memory (VmHWM, /proc/PID/status)
# at each point.  A benchmark, not a test: it asserts nothing.
#
# Each point is a fresh server (--backlog 1024, so that no client waits
# for a dropped handshake) and build/tools/crowd: every client sends a
# 32-byte message, waits for its echo, and again, for BENCH_MANY_SECONDS
# (default 3) seconds.  Both need more descriptors than the usual 1024:
# the soft limit is raised to 4096 here when the hard limit allows.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${LAB_OUT:-$root/build}
tmp=$out/bench/many
seconds=${BENCH_MANY_SECONDS:-3}
counts=(1 10 100 1000)
pid=

say() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
	[[ -z $pid ]] || kill "$pid" 2>/dev/null || true
	[[ -z $pid ]] || wait "$pid" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$tmp" && mkdir -p "$tmp"
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

# The reference server of a lesson: solutions/NN-*/prog.c -> its binary.
server_of() {
	local src
	src=$(find solutions -path "solutions/$1-*/*.c" 2>/dev/null | head -1)
	[[ -n $src ]] && printf '%s\n' "$out/${src%.c}"
}

# point SERVER CLIENTS: start SERVER, run the crowd, print
# "rate served kB" (kB: the server's VmHWM), stop SERVER.
point() {
	local server=$1 clients=$2 fifo=$tmp/fifo.$$ line port result kb fd
	rm -f "$fifo" && mkfifo "$fifo"
	"$server" --port 0 --backlog 1024 </dev/null >"$fifo" 2>&1 &
	pid=$!
	exec {fd}<"$fifo"
	IFS= read -r -t 10 line <&"$fd" || line=
	cat <&"$fd" >/dev/null &	# the log: read, never kept
	exec {fd}<&-
	if [[ ! $line =~ ^listening\ on\ .+:([0-9]+)$ ]]; then
		say "$server did not start: $line"
		echo "- - -"
		return 0
	fi
	port=${BASH_REMATCH[1]}
	result=$("$out/tools/crowd" --clients "$clients" --bytes 32 \
		--seconds "$seconds" --timeout $((seconds + 30)) \
		127.0.0.1 "$port" 2>&1) || true
	kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
	wait	# the log's reader
	awk -v kb="$kb" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	} END {
		if (v["rate"] == "") print "- - " kb; else print v["rate"], v["served"], kb
	}' <<<"$result"
}

s04=$(server_of 04) s08=$(server_of 08)
if [[ ! -x ${s04:-} || ! -x ${s08:-} ]]; then
	say "lessons 04 and 08's solutions are not built: skipped"
	exit 0
fi
say "many clients: ${#counts[@]} points a server, ${seconds} s each"
echo "Echo round trips per second, 32-byte messages, every client with one"
echo "message in flight, ${seconds} s a point; 'served': clients that got at least"
echo "one echo; memory: the server's peak resident set (VmHWM)."
echo
printf '%8s  %-28s  %-28s\n' "" "lesson 04 (one at a time)" \
	"lesson 08 (poll)"
printf '%8s  %10s %7s %9s  %10s %7s %9s\n' clients "trips/s" served \
	memory "trips/s" served memory
for n in "${counts[@]}"; do
	read -r r4 v4 m4 <<<"$(point "$s04" "$n")"
	read -r r8 v8 m8 <<<"$(point "$s08" "$n")"
	printf '%8s  %10s %7s %6s kB  %10s %7s %6s kB\n' "$n" "$r4" "$v4" \
		"$m4" "$r8" "$v8" "$m8"
done
