#!/usr/bin/env bash
# tests/readme.bash [README.md...] - the READMEs' pasted runs are today's.
#
# Every code block of a README (the top-level one and every
# lessons/*/README.md, unless named) that holds `$ command` lines, fenced
# or indented, is run again: each command from the top of the tree, its
# output (stdout and stderr together, line by line as on a terminal)
# compared with the lines pasted under it, up to the next `$` line.  A
# pasted line `...` stands for any number of lines.  What honestly
# differs from run to run is masked, on both sides, by mask() below:
# nothing else.
#
# A block that cannot run here says so on the line before it (blank
# lines between are fine), as an HTML comment, which the rendered README
# does not show:
#
#   <!-- readme-check: skip: needs root (tcpdump) -->
#   <!-- readme-check: with 35237: build/tools/peer check -->
#
# "skip: WHY" skips the block and prints WHY; the line
# "<!-- readme-check: file: skip: WHY -->" alone in a README skips all of
# its blocks (a README whose runs are not yet written to be checked).  "done: WHY" runs the
# block's build/lessons/... commands with build/solutions/...: what the
# lesson prints once its exercise is done.  "with PORT: COMMAND" starts
# COMMAND, a server that prints "listening on HOST:PORT" on the pasted
# PORT, for the block, and stops it after.
#
# The checks run in a private network namespace (unshare -rn) when the
# machine allows one: there the pasted ports (1234, every lesson's
# default) are free whatever else runs here.  Without one, the "with"
# blocks are skipped, saying so.  Exit status: 0 if every block checked
# matched, 1 if one did not.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2

private=
if [[ ${1:-} != --inside ]]; then
	if command -v unshare >/dev/null && command -v ip >/dev/null &&
		unshare -rn true 2>/dev/null; then
		# shellcheck disable=SC2016 # sh expands them, not us
		exec unshare -rn sh -c 'ip link set lo up && exec "$0" --inside "$@"' \
			"$0" "$@"
	fi
	echo "readme: no private network namespace here (unshare -rn):" \
		"the runs share the machine's ports"
else
	private=yes
	shift
fi

# The pasted runs begin with make's own line ("build/lessons/..."), not
# with a compiler's: bring the build up to date first, quietly.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u MAKEOVERRIDES make -s all \
	>/dev/null || { echo "readme: make all failed"; exit 1; }

files=("$@")
((${#files[@]} > 0)) || files=(README.md lessons/*/README.md)
# Kernel-picked ports come from this range (ip(7), ip_local_port_range).
read -r port_lo port_hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null ||
	{ port_lo=32768 port_hi=60999; }
timeout=${README_TIMEOUT:-60}
checked=0 skipped=0 failed=0
differing=()	# the reports of the runs that differ, again at the end
# Prefixed to a command: close every descriptor but 0, 1 and 2.
# shellcheck disable=SC2016 # the command's bash expands them
only_std='for fd in /proc/self/fd/*; do fd=${fd##*/}; ((fd > 2)) && [[ -e /proc/self/fd/$fd ]] && exec {fd}>&-; done; '
server_pid=

# mask CMD: stdin to stdout, with what honestly varies between two runs
# replaced by the same words on both sides.  CMD is the command that
# printed it: a port number typed in it is the user's, not the kernel's.
mask() {
	awk -v lo="$port_lo" -v hi="$port_hi" -v cmd="$1" '
	BEGIN {
		n = split(cmd, words, /[^0-9]+/)
		for (i = 1; i <= n; i++) typed[words[i]] = 1
		# Lesson 05'"'"'s reader as a client of an echo server.
		client05 = cmd ~ /05-partial-reads\/reader [^ ]+ [0-9]+/
		starter04 = cmd ~ /^make lesson-04$/
		starter07 = cmd ~ /^make lesson-07$/
		demo08 = cmd ~ /^make (lesson|solution)-08$/
		latency10 = cmd ~ /^make (lesson|solution)-10$|\/10-latency\/request /
	}
	# 1. Ports the kernel picked (port 0, and every client end): any
	#    number of the ephemeral range after "HOST:" or "port ",
	#    but those typed in the command.  Each becomes PORT1, PORT2...
	#    in order of appearance in its line, so the same port stays the
	#    same within a line (and a pasted "..." shifts no numbers).
	function ports(s,    out, m, num, pre, seen, nports) {
		out = ""; nports = 0
		while (match(s, /(127\.0\.0\.1|\]|localhost|port):? ?[0-9]+/)) {
			m = substr(s, RSTART, RLENGTH)
			num = m; sub(/^[^0-9]*(127\.0\.0\.1)?[^0-9]*/, "", num)
			pre = substr(m, 1, length(m) - length(num))
			if (num + 0 >= lo && num + 0 <= hi && !(num in typed)) {
				if (!(num in seen)) seen[num] = "PORT" (++nports)
				num = seen[num]
			}
			out = out substr(s, 1, RSTART - 1) pre num
			s = substr(s, RSTART + RLENGTH)
		}
		return out s
	}
	{ line = ports($0) }
	# 2. Lesson 02, step 5: whether the server has acknowledged the
	#    client'"'"'s FIN when the client looks, right after close(), is
	#    a race on loopback: FIN_WAIT1 or FIN_WAIT2.
	after_close && line ~ /^   client: FIN_WAIT[12] / {
		line = "   client: FIN_WAIT1 or FIN_WAIT2 (the ACK of our FIN races us)"
	}
	{ after_close = (line ~ /has it\.$/ && prev ~ /^5\. The client calls close\(\)/) }
	# 3. Lesson 04 starter: client 4 comes while the server is dying of
	#    client 3'"'"'s reset: refused, or reset (ENOTCONN, ECONNRESET)
	#    when it got in first.
	starter04 && line ~ /^  client 4: (connect|send|recv): (Connection refused|Connection reset by peer|Transport endpoint is not connected|Broken pipe)$/ {
		line = "  client 4: refused or reset: the server is gone"
	}
	# 5. Lesson 06: a receiver that closes with bytes unread resets the
	#    connection; the sender'"'"'s next send() meets the reset, or the
	#    EPIPE after it, whichever comes first (its README says so).
	{ sub(/: (Broken pipe|Connection reset by peer)(: the receiver is gone,$| \(the receiver closed the connection before reading everything\)$)/,
	      ": EPIPE or ECONNRESET&", line)
	  sub(/EPIPE or ECONNRESET: (Broken pipe|Connection reset by peer)/, "EPIPE or ECONNRESET", line) }
	# 6. The resolver'"'"'s answer for a name that does not exist depends
	#    on the network: offline (as in a private network namespace)
	#    it cannot even ask.
	{ sub(/: (Name or service not known|Temporary failure in name resolution|No address associated with hostname|Non-recoverable failure in name resolution)$/,
	      ": NAME NOT FOUND", line) }
	# 7. The line of the Makefile a failed make names: it moves with
	#    every edit of the Makefile.
	{ sub(/^make: \*\*\* \[Makefile:[0-9]+:/, "make: *** [Makefile:N:", line) }
	# 8. Process ids, and where this tree is (make prints the shim'"'"'s
	#    absolute path).
	{ gsub(/pid[ =][0-9]+/, "pid PID", line)
	  gsub(/[^ =]*\/build\/tools\/shortio\.so/, "TREE/build/tools/shortio.so", line) }
	# 10. Lesson 07 starter, step 4: the peer that talks first meets the
	#    reset of our close() while it still sends (ECONNRESET, or the
	#    EPIPE after it) or, all sent, when it reads the request.
	starter07 && line ~ /^    peer: (send: (Broken pipe|Connection reset by peer), after sending the client bytes it never read|recv: Connection reset by peer after 10 bytes: no end of the request, nothing confirmed)$/ {
		line = "    peer: reset by our close(), sending or reading"
	}
	# 11. Lesson 10: round-trip times, in ms, and their ratios are this
	#    run'"'"'s.  What is fast and what waits for the delayed ACK shows in
	#    the demo'"'"'s verdicts and in the segment counts, kept.
	latency10 && line ~ /^  round trips \(ms\):( [0-9]+\.[0-9][0-9][0-9])+( \.\.\.)?$/ {
		gsub(/ [0-9]+\.[0-9][0-9][0-9]/, " T", line)
	}
	latency10 { sub(/^  median [0-9]+\.[0-9][0-9][0-9] ms, slowest [0-9]+\.[0-9][0-9][0-9] ms$/,
	                "  median T ms, slowest T ms", line)
	            sub(/^  [0-9]+ times faster than two send\(\)s$/,
	                "  N times faster than two send()s", line) }
	# 12. Lesson 10 under the short-I/O shim: its pieces of a request
	#    leave one a segment, or wait for Nagle and go together, as the
	#    ACKs come: the count of segments varies.
	latency10 && cmd ~ /SHORTIO_MAX=/ {
		sub(/^  data segments sent: [0-9]+, [0-9]+\.[0-9] a request$/,
		    "  data segments sent: N, as the ACKs came", line)
	}
	# 13. Lesson 08'"'"'s demo: the slowest round trip; how many bytes
	#    the hog got in before the buffers filled (their autotuning), and
	#    so the bytes echoed in all; how many times accept() met the
	#    descriptor limit (each time the server polls again); and its
	#    memory, which moves by some kB: under 10 MB it holds no hog'"'"'s
	#    bytes, and more would show.
	demo08 {
		sub(/; the slowest round trip: [0-9]+\.[0-9] ms$/, "; the slowest round trip: T ms", line)
		sub(/^  the hog: the server stopped taking its bytes after [0-9]+$/,
		    "  the hog: the server stopped taking its bytes after N", line)
		sub(/^  the server said, [0-9]+ times?:$/, "  the server said, N times:", line)
		sub(/ clients served, [0-9]+ bytes echoed$/, " clients served, N bytes echoed", line)
		if (line ~ /^  the server'"'"'s memory meanwhile: VmRSS [0-9]?[0-9]?[0-9]?[0-9] kB$/)
			line = "  the server'"'"'s memory meanwhile: VmRSS under 10 MB"
	}
	# 14. Lesson 10'"'"'s demo notes the quick-ACK when the first round
	#    trip took under a third of the median: a first one slowed by a
	#    busy machine drops the note.  Both lines go, on both sides.
	latency10 && line == "  the first is fast (quick-ACK at a connection'"'"'s start); then each body waits" {
		quickack = 1
		next
	}
	quickack && line == "  for the header'"'"'s ACK, which the server'"'"'s kernel delays" {
		quickack = 0
		next
	}
	{ quickack = 0 }
	# 9. Lesson 05'"'"'s reader as a client, under the shim: its own
	#    sends are shortened too, so the echo comes back in pieces as
	#    they arrive, and how many bytes each recv() finds depends on
	#    when it looks.  A run of "recv() returned" lines is one line,
	#    and where the starter stops, a K (the line after says whether
	#    all came).
	client05 && line ~ /^  recv\(\) returned [0-9]+ bytes? \([0-9]+ of [0-9]+\)$/ {
		pieces = "  recv() returned a piece, or more"
		prev = $0
		next
	}
	pieces != "" { print pieces; pieces = "" }
	client05 { sub(/recv_all\(\) stopped at [0-9]+ of/, "recv_all() stopped at K of", line) }
	# 4. Lesson 06 starter, step 2: how much its one send() took, and so
	#    how much the receiver got before the end, depends on how much
	#    room the receiver had made by then (its README says so).  Held
	#    back one line, to see whether the receiver'"'"'s line follows.
	held != "" {
		if (line ~ /^  receiver: connection closed after [0-9]+ of 262144 bytes$/) {
			held = "  send_all(): one send(), ignoring its count"
			line = "  receiver: connection closed early"
		}
		print held
		held = ""
	}
	line ~ /^  send_all\(\) sent the other [0-9]+ bytes$/ ||
	line == "  send_all(): Resource temporarily unavailable" {
		held = line
		prev = $0
		next
	}
	{ prev = $0; print line }
	END {
		if (pieces != "") print pieces
		if (held != "") print held
	}
	'
}

# matches EXPECTED ACTUAL (files): does ACTUAL match EXPECTED, where a
# line "..." matches any number of lines?  Leading and trailing empty
# lines do not count.
matches() {
	awk '
	FNR == 1 { f++ }
	f == 1 { e[++ne] = $0; next }
	{ a[++na] = $0 }
	function trim_ends() {
		while (ne > 0 && e[ne] == "") ne--
		while (na > 0 && a[na] == "") na--
	}
	# Chunks of expected lines between "..." lines, matched in order,
	# each at its leftmost place (enough for one wildcard kind).
	END {
		trim_ends()
		i = 1; j = 1; free = 0
		while (i <= ne) {
			if (e[i] == "...") { free = 1; i++; continue }
			k = i; while (k <= ne && e[k] != "...") k++
			len = k - i
			# The last chunk ends where the output ends, unless "..."
			# follows it.
			last = (k > ne)
			found = 0
			for (s = j; s + len - 1 <= na; s++) {
				if (!free && s != j) break
				if (last && s + len - 1 != na) continue
				ok = 1
				for (t = 0; t < len; t++)
					if (a[s + t] != e[i + t]) { ok = 0; break }
				if (ok) { found = 1; break }
			}
			if (!found) exit 1
			j = s + len; i = k; free = 0
		}
		if (!free && j <= na) exit 1
	}' "$1" "$2"
}

stop_server() {
	[[ -z $server_pid ]] && return
	kill -TERM -- "-$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
}
trap stop_server EXIT

# start_server CMD: start CMD in its own process group, as a block's
# "with"; sets server_port from its "listening on HOST:PORT" line.
start_server() {
	local out line i
	out=$(mktemp)
	setsid timeout -k 1 "$timeout" bash -c "$1" </dev/null >"$out" 2>&1 &
	server_pid=$!
	server_port=
	for ((i = 0; i < 200; i++)); do
		line=$(head -n 1 "$out")
		if [[ $line =~ on\ .*:([0-9]+)$ ]]; then
			server_port=${BASH_REMATCH[1]}
			break
		fi
		sleep 0.05
	done
	rm -f "$out"
	[[ -n $server_port ]]
}

# differs REPORT: say REPORT now, and again after the summary.
differs() {
	echo "$1"
	differing+=("$1")
}

# run_segment WHERE CMD TYPED EXPECTED-FILE: run one command, compare;
# TYPED is the command as pasted, less a "with" server's port.
run_segment() {
	local where=$1 cmd=$2 typed=$3 expected=$4 got status=0
	got=$(mktemp)
	# As a user at a terminal: no make above us, the C locale (error
	# texts), line-buffered output (stdbuf), so stdout and stderr
	# interleave as they were pasted, and no descriptor open but those
	# three (one inherited from bats or CI would shift the numbers a
	# program gets, as lesson 02 prints them).
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u MAKEOVERRIDES LC_ALL=C \
		timeout -k 1 "$timeout" stdbuf -oL -eL bash -c "$only_std$cmd" \
		</dev/null >"$got" 2>&1
	if matches <(mask "$typed" <"$expected") <(mask "$typed" <"$got"); then
		[[ -z ${README_VERBOSE:-} ]] || echo "readme: $where: ok: \$ $cmd"
	else
		status=1
		report=$(
			echo "readme: $where: \$ $cmd"
			echo "readme:   its output differs from the pasted one (after the masks):"
			diff -u <(mask "$typed" <"$expected") <(mask "$typed" <"$got") |
				tail -n +3 | sed 's/^/readme:   /'
		)
		differs "$report"
	fi
	rm -f "$got"
	return "$status"
}

# check_block FILE LINE MARKER: the block's lines are in block[].
check_block() {
	local file=$1 line=$2 marker=$3 i cmd="" typed="" from=0 expected bad=0
	local pasted_port='' done=0
	if [[ $marker =~ ^skip:\ *(.*)$ ]]; then
		echo "readme: $file:$line: skipped: ${BASH_REMATCH[1]}"
		((skipped++))
		return
	fi
	if [[ $marker =~ ^done:\ *(.*)$ ]]; then
		# What the lesson prints once its exercise is done: the
		# solution's program, under the lesson's name.
		done=1
	elif [[ $marker =~ ^with\ ([0-9]+):\ *(.*)$ ]]; then
		pasted_port=${BASH_REMATCH[1]}
		if [[ -z $private ]]; then
			echo "readme: $file:$line: skipped: its server needs port $pasted_port, free only in a private network namespace"
			((skipped++))
			return
		fi
		if ! start_server "${BASH_REMATCH[2]}" ||
			[[ $server_port != "$pasted_port" ]]; then
			differs "readme: $file:$line: the server did not start: ${BASH_REMATCH[2]}"
			((failed++))
			stop_server
			return
		fi
	elif [[ -n $marker ]]; then
		differs "readme: $file:$line: unknown marker: $marker"
		((failed++))
		return
	fi
	expected=$(mktemp)
	for ((i = 0; i <= ${#block[@]}; i++)); do
		if ((i == ${#block[@]})) || [[ ${block[i]} == '$ '* ]]; then
			if [[ -n $cmd ]]; then
				printf '%s\n' "${block[@]:from:i-from}" >"$expected"
				((i > from)) || : >"$expected"
				run_segment "$file:$((line + from))" "$cmd" \
					"$typed" "$expected" || bad=1
			fi
			((i == ${#block[@]})) && break
			cmd=${block[i]#'$ '} typed=$cmd
			((!done)) || cmd=${cmd//build\/lessons\//build/solutions/}
			from=$((i + 1))
		fi
	done
	rm -f "$expected"
	stop_server
	((checked++))
	((failed += bad))
}

# Find the blocks: fenced (``` at any indentation) and indented (four
# spaces or more past the text around, after an empty line), each with
# the marker line before it.
for file in "${files[@]}"; do
	# A whole README whose pasted runs are not checked yet says so, with
	# why, on a line of its own: <!-- readme-check: file: skip: WHY -->
	why=$(sed -n 's/^<!-- readme-check: file: skip: \(.*\) -->$/\1/p' "$file")
	if [[ -n $why ]]; then
		echo "readme: $file: every block skipped: $why"
		continue
	fi
	mapfile -t lines <"$file"
	n=${#lines[@]}
	i=0
	while ((i < n)); do
		text=${lines[i]}
		kind='' fence='' indent=''
		if [[ $text =~ ^([[:space:]]*)\`\`\` ]]; then
			kind=fenced fence=${BASH_REMATCH[1]}
		elif [[ $text =~ ^(\ {4,})\$\  ]] &&
			{ ((i == 0)) || [[ -z ${lines[i - 1]// /} ]]; }; then
			kind=indented indent=${BASH_REMATCH[1]}
		fi
		if [[ -z $kind ]]; then
			((i++))
			continue
		fi
		# The marker: the last non-empty line before the block.
		marker=
		for ((k = i - 1; k >= 0; k--)); do
			[[ -z ${lines[k]// /} ]] && continue
			[[ ${lines[k]} =~ ^[[:space:]]*[\<]!--\ readme-check:\ (.*)\ --[\>][[:space:]]*$ ]] &&
				marker=${BASH_REMATCH[1]}
			break
		done
		start=$((i + 1))
		block=()
		if [[ $kind == fenced ]]; then
			start=$((i + 2))
			for ((i++; i < n; i++)); do
				[[ ${lines[i]} =~ ^[[:space:]]*\`\`\`[[:space:]]*$ ]] && break
				block+=("${lines[i]#"$fence"}")
			done
			((i++))
		else
			for (( ; i < n; i++)); do
				text=${lines[i]}
				if [[ -z ${text// /} ]]; then
					# An empty line inside the block, if the block goes on.
					if ((i + 1 >= n)) ||
						[[ ${lines[i + 1]} != "$indent"* ]]; then
						break
					fi
					block+=("")
					continue
				fi
				[[ $text == "$indent"* ]] || break
				block+=("${text#"$indent"}")
			done
		fi
		[[ ${block[0]:-} == '$ '* ]] || continue
		check_block "$file" "$start" "$marker"
	done
done

# The differences once more, last, where the tail of a long log shows
# them.
((${#differing[@]} == 0)) || printf '%s\n' "${differing[@]}"
echo "readme: $checked block(s) checked, $skipped skipped; $failed differ"
((failed == 0))
