#!/usr/bin/env bash
# bench/run.bash - `make bench`: how fast sock_send_all()/sock_recv_all()
# move bytes over loopback for each buffer size, beside iperf3 on the same
# machine in the same run, then the echo round-trip latency of lesson
# 04's server beside socat's.  A benchmark, not a test: it asserts no
# speed.  The last line is the headline:
#
#   sock_send_all/sock_recv_all vs iperf3: NN%
#
# Knobs (environment): BENCH_REPS runs a point (best kept, default 3);
# BENCH_SECONDS caps a point's time (default 2); BENCH_COUNT round trips
# per latency figure (default 10000); BENCH_REQUESTS and BENCH_STALLED
# the requests of lesson 10's ways (5000; 100 for the two send()s).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${LAB_OUT:-$root/build}
bin=$out/bench
tmp=$out/bench/run
reps=${BENCH_REPS:-3}
seconds=${BENCH_SECONDS:-2}
count=${BENCH_COUNT:-10000}
total=$((1024 * 1024 * 1024))
sizes=(1 4 16 64 256 1024 4096 16384 65536 262144 1048576)
pids=()

say() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
rm -rf "$tmp" && mkdir -p "$tmp"

# "1048576" -> "1 MiB"
human() {
	local n=$1
	if ((n >= 1048576)); then
		echo "$((n / 1048576)) MiB"
	elif ((n >= 1024)); then
		echo "$((n / 1024)) KiB"
	else
		echo "$n B"
	fi
}

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	printf '%s cores, %s, Linux %s\n' "$(nproc)" "${cpu:-unknown CPU}" \
		"$(uname -r)"
}

# start NAME PATTERN CMD...: start CMD in the background with its output
# (stdout and stderr) going to $tmp/NAME.log, and wait (bounded, no
# sleep) for a line matching PATTERN.  Sets started_pid, and started to
# the pattern's first group (an address, say).  Never call it inside
# $(...): the server would hold the substitution's pipe open.
start() {
	local name=${1//[^A-Za-z0-9._-]/_} pattern=$2 line fd fifo
	fifo=$tmp/$name.${#pids[@]}.fifo
	shift 2
	mkfifo "$fifo"
	"$@" </dev/null >"$fifo" 2>&1 &
	started_pid=$!
	pids+=("$started_pid")
	exec {fd}<"$fifo"
	while IFS= read -r -t 10 line <&"$fd"; do
		printf '%s\n' "$line" >>"$tmp/$name.log"
		if [[ $line =~ $pattern ]]; then
			# Keep reading in the background: a full FIFO would
			# block the server.
			cat <&"$fd" >>"$tmp/$name.log" &
			pids+=("$!")
			exec {fd}<&-
			started=${BASH_REMATCH[1]}
			return 0
		fi
	done
	exec {fd}<&-
	say "$name did not start; its output:"
	cat "$tmp/$name.log" >&2
	return 1
}

# stop: end the server start() started last, and wait for it.
stop() {
	kill "$started_pid" 2>/dev/null || true
	wait "$started_pid" 2>/dev/null || true
}

# The best (highest) of the numbers on stdin.
best() { sort -g | tail -1; }

# ---- iperf3: installed here when missing and we are root with apt-get.
have_iperf3() {
	command -v iperf3 >/dev/null && return 0
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		say "iperf3 is missing: installing it (apt-get install iperf3)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 \
			>"$tmp/apt.log" 2>&1 && return 0
		say "apt-get install iperf3 failed (see $tmp/apt.log)"
	fi
	return 1
}

# One iperf3 run moving 1 GiB; prints its receiver's MB/s (10^6 bytes).
# --forceflush: its "Server listening" line must reach us at once.
iperf3_once() {
	local port
	port=$("$bin/throughput" --free-port)
	start iperf3-server '(Server listening on [0-9]+)' \
		iperf3 --server --one-off --forceflush --bind 127.0.0.1 \
		--port "$port" || return 0
	# -J: the JSON report; we want the receiving side's total.  A run
	# that fails prints nothing: the other runs count.
	iperf3 --client 127.0.0.1 --port "$port" --bytes 1G --json \
		>"$tmp/iperf3.json" || true
	awk '/"sum_received"/ { s = 1 }
	     s && /"bits_per_second"/ {
		gsub(/[^0-9.e+-]/, "", $2); printf "%.0f\n", $2 / 8 / 1e6; exit
	     }' "$tmp/iperf3.json"
	stop
}

# ---- The measurements.  iperf3 runs before and after the sweep, and
# the best of all its runs is the reference: a busy moment on the machine
# cannot favour either side.
iperf3=0
if have_iperf3; then
	iperf3=1
else
	say "iperf3 is not installed and cannot be installed here (needs"
	say "root and apt-get): the table has no % column; install it with"
	say "'sudo apt-get install iperf3' (or your system's package) and rerun"
fi
iperf3_runs() {
	local r
	for ((r = 0; r < reps; r++)); do
		iperf3_once
	done >>"$tmp/iperf3.runs"
}
say "measuring: about a minute"
((iperf3 == 0)) || iperf3_runs
for size in "${sizes[@]}"; do
	for ((r = 0; r < reps; r++)); do
		"$bin/throughput" --total "$total" --seconds "$seconds" "$size"
	done >"$tmp/point.$size"
done
iperf3_mbps=
if ((iperf3)); then
	iperf3_runs
	iperf3_mbps=$(best <"$tmp/iperf3.runs")
fi

# ---- The table.
echo "Loopback throughput: sock_send_all() to sock_recv_all(), both ends"
echo "calling with the same buffer size, on $(machine)."
echo "Each point moves 1 GiB, or stops after ${seconds} s when 1 GiB would take"
echo "longer (the small buffers: 'moved' says how much); the best of $reps runs."
echo "MB = 10^6 bytes; calls/MB: send() + recv() calls at both ends per MB."
if [[ -n $iperf3_mbps ]]; then
	echo "iperf3 $(iperf3 --version | sed -n '1s/^iperf \([^ ]*\).*/\1/p')," \
		"its default 128 KiB buffer, 1 GiB, best of $((2 * reps)) runs"
	echo "(before and after the sweep): $iperf3_mbps MB/s"
fi
echo
printf '%8s %10s %9s %11s %12s\n' buffer moved "MB/s" "calls/MB" \
	"% of iperf3"

best_mbps=0 best_size=0
for size in "${sizes[@]}"; do
	# The fastest run of the point: its bytes/seconds is the highest.
	line=$(awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		mbps = v["bytes"] / v["seconds"] / 1e6
		if (mbps > top) {
			top = mbps
			calls = (v["send_calls"] + v["recv_calls"]) / (v["bytes"] / 1e6)
			moved = v["bytes"]
		}
	} END {
		# MB/s as a whole number (to compare), then as shown.
		printf "%.0f %s %.0f %s\n", top,
			sprintf(top < 100 ? "%.1f" : "%.0f", top), moved,
			sprintf(calls < 100 ? "%.1f" : "%.0f", calls)
	}' "$tmp/point.$size")
	read -r mbps mbps_text moved calls <<<"$line"
	if ((moved >= total)); then
		moved_text="1 GiB"
	else
		moved_text=$(awk -v b="$moved" 'BEGIN { printf "%.1f MB", b / 1e6 }')
	fi
	percent=-
	if [[ -n $iperf3_mbps ]]; then
		percent=$(awk -v a="$mbps_text" -v b="$iperf3_mbps" 'BEGIN {
			p = 100 * a / b; printf (p < 10 ? "%.1f%%" : "%.0f%%"), p }')
	fi
	printf '%8s %10s %9s %11s %12s\n' "$(human "$size")" "$moved_text" \
		"$mbps_text" "$calls" "$percent"
	if ((mbps > best_mbps)); then
		best_mbps=$mbps best_size=$size
	fi
done
echo

# ---- Echo latency: lesson 04's server, socat, and the tools' peer.
# "solutions/04-server/server.c" -> build/solutions/04-server/server
latency_of() {
	local name=$1 pattern=$2 result
	shift 2
	if ! start "$name" "$pattern" "$@"; then
		printf '  %-40s did not start (see above)\n' "$name"
		return 0
	fi
	if result=$("$bin/latency" --count "$count" "${started%:*}" \
		"${started##*:}" 2>&1); then
		awk -v name="$name" '{
			for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			printf "  %-40s %8.1f %8.1f\n", name, v["median"], v["p99"]
		}' <<<"$result"
	else
		printf '  %-40s failed: %s\n' "$name" "$result"
	fi
	stop
}

echo "Echo round trip of a 32-byte message, one in flight at a time," \
	"$count times:"
printf '  %-40s %8s %8s\n' "server" "median" "p99 (us)"
server_src=$(find solutions -path 'solutions/04-*/*.c' 2>/dev/null | head -1)
server=
if [[ -n $server_src ]]; then
	server=$out/${server_src%.c}
fi
if [[ -n $server && -x $server ]]; then
	latency_of "lesson 04 (${server#"$out"/})" \
		'^listening on (.+:[0-9]+)$' "$server" --port 0
else
	printf '  %-40s %s\n' "lesson 04's server" \
		"not built yet (no solutions/04-*/): skipped"
fi
if command -v socat >/dev/null; then
	latency_of "socat TCP-LISTEN PIPE" \
		'listening on AF=2 ([0-9.]+:[0-9]+)$' \
		socat -d -d TCP-LISTEN:0,bind=127.0.0.1,reuseaddr PIPE
else
	printf '  %-40s %s\n' "socat" \
		"not installed (apt-get install socat): skipped"
fi
latency_of "build/tools/peer echo" '^listening on (.+:[0-9]+)$' \
	"$out/tools/peer" echo
echo

# ---- Lesson 10: requests per second for the four ways of sending a
# request (a 4-byte header and a 100-byte body), one request at a time,
# all in this run, each way on a connection of its own to the peer.
# Two send()s stall some 40 ms a request: they get fewer requests.
requests_of() {
	local request=$1 way n t0 t1 result
	if ! start peer-requests '^listening on (.+:[0-9]+)$' \
		"$out/tools/peer" --life 600 requests; then
		echo "  the peer did not start (see above)"
		return 0
	fi
	for way in two-sends writev nodelay cork; do
		n=$requests
		[[ $way == two-sends ]] && n=$stalled
		t0=$(date +%s%N)
		if ! result=$("$request" --way "$way" --count "$n" \
			"${started%:*}" "${started##*:}" 2>&1); then
			printf '  %-10s failed: %s\n' "$way" "$result"
			continue
		fi
		t1=$(date +%s%N)
		awk -v way="$way" -v n="$n" -v ns=$((t1 - t0)) '
			/median/ { median = $2 }
			/data segments sent/ { segs = $4 + 0 }
			END {
				per = "-"
				if (segs != "")
					per = sprintf("%.1f", segs / n)
				printf "  %-10s %9d %12.1f %12s %13.3f\n", way, n,
					n / (ns / 1e9), per, median
			}' <<<"$result"
	done
	stop
}
requests=${BENCH_REQUESTS:-5000}
stalled=${BENCH_STALLED:-100}
request_src=$(find solutions -path 'solutions/10-*/*.c' 2>/dev/null | head -1)
echo "Requests per second: lesson 10's client, one request at a time (a 4-byte"
echo "header and a 100-byte body), to build/tools/peer requests; segments: data"
echo "segments a request (TCP_INFO); two-sends stalls, so it makes $stalled requests."
printf '  %-10s %9s %12s %12s %13s\n' way requests "requests/s" \
	"segments/req" "median (ms)"
if [[ -n $request_src && -x $out/${request_src%.c} ]]; then
	requests_of "$out/${request_src%.c}"
else
	echo "  lesson 10's client is not built (no solutions/10-*/): skipped"
fi
echo

if [[ -n $iperf3_mbps ]]; then
	echo "Best: $(human "$best_size") buffers, $best_mbps MB/s;" \
		"iperf3 $iperf3_mbps MB/s."
	echo "sock_send_all/sock_recv_all vs iperf3: $(awk -v a="$best_mbps" \
		-v b="$iperf3_mbps" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
else
	why="iperf3 is not installed"
	((iperf3 == 0)) || why="iperf3 gave no result; see $tmp"
	echo "Best: $(human "$best_size") buffers, $best_mbps MB/s; $why."
	echo "sock_send_all/sock_recv_all vs iperf3: skipped ($why)"
fi
