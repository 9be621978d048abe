# tests/helper.bash - what every lesson's tests share.  Load it so:
#
#   setup_file() { load helper; lab_setup_file; }
#   setup()      { load helper; lab_setup 01-ports ports; }
#   teardown()   { lab_teardown; }
#
# Which tree is under test:
#   LAB=lessons (default) or LAB=solutions: the binaries under build/$LAB
#   LAB_BIN=path: any folder of built programs of the same shape
#                 (path/NN-slug/prog), e.g. a student's submission
# Bounds, in seconds: LAB_TIMEOUT for every program a test runs (10),
# LAB_SERVER_TIMEOUT for a server started in the background (30).
# bats' own BATS_TEST_TIMEOUT (set by tests/bats.bash) is the backstop.

# Exported already by lab_setup_file: only the per-test state is new.
if [[ ${LAB_HELPER_EXPORTED:-} == "$BATS_TEST_FILENAME" ]]; then
	LAB_PIDS=() LAB_DRAINS=() LAB_MARKS=()
	return 0
fi

LAB_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
LAB=${LAB:-lessons}
LAB_OUT=${LAB_OUT:-$LAB_ROOT/build}	# make sets it (build/sanitize, ...)
LAB_BIN=${LAB_BIN:-$LAB_OUT/$LAB}
LAB_TIMEOUT=${LAB_TIMEOUT:-10}
LAB_SERVER_TIMEOUT=${LAB_SERVER_TIMEOUT:-30}
SOLUTION_BIN=$LAB_OUT/solutions
PEER=$LAB_OUT/tools/peer
# A program that timed out LAB_HANGS_MAX times (2) in this file's run is
# not run again: the rest of its tests fail at once, "timed out".  The
# count is a byte a time out in LAB_HANGS.
LAB_HANGS=${LAB_HANGS:-${BATS_FILE_TMPDIR:-$BATS_RUN_TMPDIR}/lab-hangs}
LAB_HANGS_MAX=${LAB_HANGS_MAX:-2}

LAB_PIDS=()	# process groups started by start_server
LAB_DRAINS=()	# the readers copying their output to files
LAB_MARKS=()	# the marks of the servers' environments (lab_kill_marked)

# lab_setup_file: load bats-support and bats-assert once for the whole
# file, from setup_file.  bats runs each test in a new bash and traces
# every command it runs, so loading the libraries in every test costs
# ~60 ms a test; loaded once and exported (a new bash inherits exported
# functions), they cost nothing.  The same goes for this file: exported
# here, it need not be loaded again by each test.  Optional: lab_setup
# loads the libraries itself when setup_file did not.
lab_setup_file() {
	local before
	before=$(compgen -A function | sort)
	bats_load_library bats-support
	bats_load_library bats-assert
	# The new functions, in one command: bats traces every command of
	# setup_file, so a loop over ~90 names costs ~0.3 s a file.
	local -a new
	mapfile -t new < <(comm -13 <(printf "%s\n" "$before") \
		<(compgen -A function | sort))
	# Loaded already (a second call): nothing new to export.
	((${#new[@]} == 0)) || export -f "${new[@]}"
	# This file's own functions and settings too, for the same reason:
	# a test that finds them exported need not load (and trace) it.
	mapfile -t new < <(sed -n 's/^\([a-z_][a-z0-9_]*\)() {$/\1/p' \
		"${BASH_SOURCE[0]}")
	export -f "${new[@]}"
	export LAB_ROOT LAB LAB_OUT LAB_BIN LAB_TIMEOUT LAB_SERVER_TIMEOUT \
		SOLUTION_BIN PEER LAB_HANGS LAB_HANGS_MAX
	export LAB_HELPER_EXPORTED=$BATS_TEST_FILENAME
}

# lab_setup LESSON PROG: find the program under test and define a shell
# function of the same name that runs it bounded, so a test says
# `run ports 80` and a hung program is killed.
lab_setup() {
	bats_require_minimum_version 1.5.0
	# bats traces every command a test runs, to tell where it failed; the
	# libraries lab_setup_file exported (their source is "environment")
	# need not be traced: a failure shows the test's line all the same,
	# and their asserts cost half as much.
	if declare -F bats_add_debug_exclude_path >/dev/null; then
		bats_add_debug_exclude_path environment
	fi
	if ! declare -F assert_success >/dev/null; then
		bats_load_library bats-support
		bats_load_library bats-assert
	fi
	PROG=$LAB_BIN/$1/$2
	[[ -x $PROG ]] ||
		fail "$PROG is not built: run 'make' and fix what the compiler says"
	! lab_hung || fail "$(lab_hung)"
	eval "$2() { bounded \"\$PROG\" \"\$@\"; }"
}

# run_once CMD...: as `run CMD...`, but CMD runs once in the file: the
# next tests that ask get the same status, output and lines.  For a
# demo that takes seconds and that several tests read, a step each.
run_once() {
	local once=$BATS_FILE_TMPDIR/run_once.${*//[^A-Za-z0-9]/_}
	if [[ ! -f $once.status ]]; then
		run "$@"
		printf '%s' "$output" >"$once.output"
		printf '%s\n' "${lines[@]}" >"$once.lines"
		echo "$status" >"$once.status"
	fi
	status=$(<"$once.status")
	output=$(<"$once.output")
	mapfile -t lines <"$once.lines"
	[[ -n $output ]] || lines=()
}

# lab_hung: has the program under test timed out LAB_HANGS_MAX times
# already?  Then say so (the line the grader reads as "timed out").
lab_hung() {
	local size
	[[ -n ${PROG:-} && -s $LAB_HANGS ]] || return 1
	size=$(wc -c <"$LAB_HANGS")
	((size >= LAB_HANGS_MAX)) || return 1
	echo "lab: ${PROG##*/} did not finish within its time limit $size times: not run again, it timed out"
}

# lab_hang_note CMD...: count a time out, if CMD runs the program.
lab_hang_note() {
	[[ " $* " == *" ${PROG:-/} "* ]] && printf x >>"$LAB_HANGS"
	return 0
}

# bounded CMD...: run CMD, killed after LAB_TIMEOUT seconds (exit 124).
# timeout(1) gives CMD a process group of its own; whatever CMD leaves
# running in it (forked children it never waited for) is killed when
# CMD ends.  Under the grader (LAB_LEASH set) so is what left the group:
# a daemon holding the test's output would stall the test until its
# time limit.  A crash or a timeout is noted (lab_note), so a failed
# test says so.  (<&0: a background command would get /dev/null as
# stdin; 3>&- 4>&-: bats' own fds are none of CMD's business.)
bounded() {
	local status=0 pid mark=${LAB_LEASH:+$LAB_LEASH.$BASHPID.$RANDOM}
	if [[ " $* " == *" ${PROG:-/} "* ]] && lab_hung >/dev/null; then
		lab_hung >>"$BATS_TEST_TMPDIR/lab-notes"
		return 124
	fi
	LAB_PROGRAM=$mark timeout -k 1 "$LAB_TIMEOUT" "$@" <&0 3>&- 4>&- &
	pid=$!
	wait "$pid" || status=$?
	kill -KILL -- "-$pid" 2>/dev/null || true
	[[ -z $mark ]] || lab_kill_marked "LAB_PROGRAM=$mark"
	((status < 124)) || lab_note "$status" "$LAB_TIMEOUT" "" "$@"
	((status != 124)) || lab_hang_note "$@"
	return "$status"
}

# solution LESSON PROG: the reference program, for use as a known-good
# peer (lesson 03's client against lesson 04's server, say).
solution() {
	printf '%s\n' "$SOLUTION_BIN/$1/$2"
}

# start_server CMD...: start a server in the background, in a process
# group of its own, and wait for its "listening on HOST:PORT" line.
# Sets SERVER_PID, SERVER_ADDR (HOST:PORT as printed), SERVER_HOST
# (without IPv6 brackets), SERVER_PORT, SERVER_OUT and SERVER_ERR (files
# that collect its stdout and stderr).  Fails the test if the line does
# not come within LAB_TIMEOUT seconds.
#
# Why it looks like this: a background process that keeps bats' fds 3
# and 4, or the test's stdout, makes bats wait for it forever; so its
# stdout goes through a FIFO that we read line by line (no sleeps, no
# polling), and then to a file.
start_server() {
	local n=${#LAB_PIDS[@]} fifo line fd
	fifo=$BATS_TEST_TMPDIR/server$n.fifo
	SERVER_OUT=$BATS_TEST_TMPDIR/server$n.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server$n.err
	mkfifo "$fifo"
	# The mark: see lab_kill_marked (set under the grader only).
	SERVER_MARK=${LAB_LEASH:+$LAB_LEASH.$BASHPID.$RANDOM}
	LAB_PROGRAM=$SERVER_MARK setsid \
		timeout -k 1 "$LAB_SERVER_TIMEOUT" "$@" \
		<"/dev/null" >"$fifo" 2>"$SERVER_ERR" 3>&- 4>&- &
	SERVER_PID=$!
	LAB_PIDS+=("$SERVER_PID")
	LAB_MARKS+=("$SERVER_MARK")
	exec {fd}<"$fifo"
	local rc=0
	while IFS= read -r -t "$LAB_TIMEOUT" line <&"$fd" || ! rc=$?; do
		printf '%s\n' "$line" >>"$SERVER_OUT"
		# (The peer's refuse mode says "refusing connections on".)
		if [[ $line =~ ^(listening|refusing\ connections)\ on\ (.+):([0-9]+)$ ]]; then
			SERVER_ADDR=${BASH_REMATCH[2]}:${BASH_REMATCH[3]}
			SERVER_HOST=${BASH_REMATCH[2]#[}
			SERVER_HOST=${SERVER_HOST%]}
			SERVER_PORT=${BASH_REMATCH[3]}
			cat <&"$fd" >>"$SERVER_OUT" 3>&- 4>&- &
			LAB_DRAINS+=("$!")
			exec {fd}<&-
			return 0
		fi
	done
	# Timed out (not a server that ended without the line): a hang.
	if ((rc > 128)); then
		lab_hang_note "$@"
		echo "lab: ${1##*/} did not start within $LAB_TIMEOUT s: no 'listening on HOST:PORT' line (does it hang before it listens?)" \
			>>"$BATS_TEST_TMPDIR/lab-notes"
	fi
	exec {fd}<&-
	fail "$(printf '%s\n' "server did not say 'listening on HOST:PORT': $*" \
		"stdout:" "$(cat "$SERVER_OUT" 2>/dev/null)" \
		"stderr:" "$(cat "$SERVER_ERR")")"
}

# refused_port [HOST]: set REFUSED_PORT to a port of HOST (127.0.0.1)
# where a connect() is refused: the peer binds it and never listens, and
# holds it until the test ends.  (A port freed by stopping a server
# could meanwhile become any connection's own end.)
refused_port() {
	start_server "$PEER" --host "${1:-127.0.0.1}" refuse
	REFUSED_PORT=$SERVER_PORT
}

# stop_server [SIGNAL]: signal the last server started (TERM by default)
# and wait for it; sets SERVER_STATUS to its exit status (128 + signal
# number if the signal killed it).  timeout(1) passes the signal on.
stop_server() {
	kill -s "${1:-TERM}" "$SERVER_PID" 2>/dev/null || true
	SERVER_STATUS=0
	wait "$SERVER_PID" || SERVER_STATUS=$?
	# A child that left its process group still holds the output.
	[[ -z ${SERVER_MARK:-} ]] || lab_kill_marked "LAB_PROGRAM=$SERVER_MARK"
	wait_drains
	# The signal we sent is no crash; any other one is.
	lab_note "$SERVER_STATUS" "$LAB_SERVER_TIMEOUT" "${1:-TERM}" server
}

# wait_drains: wait until every server's output is in its file.
wait_drains() {
	local pid
	for pid in "${LAB_DRAINS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	LAB_DRAINS=()
}

# lab_teardown: kill every process group a test started, so nothing is
# left running, whatever the test did.
lab_teardown() {
	local pid mark
	for pid in "${LAB_PIDS[@]}"; do
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	LAB_PIDS=()
	for mark in "${LAB_MARKS[@]}"; do
		[[ -z $mark ]] || lab_kill_marked "LAB_PROGRAM=$mark"
	done
	LAB_MARKS=()
	wait_drains
	lab_notes
}

# ---- what a machine may lack ---------------------------------------
# A test tagged `exercise` needs nothing optional: what it needs comes
# with the toolkit (the peer, the shims) or with bats, so that the same
# program gets the same verdict on every machine.  Where one truly
# cannot run (no IPv6, and no IPv6 shim either, say), it must not pass:
# it says
#
#   cannot_run "no IPv6"
#
# which skips it as "not graded on this machine: no IPv6".  The grader
# (grader/score.bash) leaves such a test out of the score and of the
# maximum, says so at the top of its report, and fails STRICT=1; it
# treats any skip of an exercise test the same way, whatever its words.
# The require functions below skip so in an exercise test, and with a
# plain skip elsewhere (a plain skip of another test gives its points).

# cannot_run WHY: this test cannot run here and is not graded.
cannot_run() {
	skip "not graded on this machine: $*"
}

# lab_skip WHY: skip the test: cannot_run in an exercise test, else a
# plain skip.
lab_skip() {
	if lab_is_exercise; then
		cannot_run "$1"
	else
		skip "$1"
	fi
}

# lab_is_exercise: is the running test tagged exercise?  Read from its
# file as bats reads tags: `# bats test_tags=` lines just above its
# @test line, `# bats file_tags=` lines anywhere above it.
lab_is_exercise() {
	local line test_tags= file_tags= name b='[[:blank:]]'
	local test_re="^$b*@test$b+(.*[^[:blank:]])$b+\\{"
	local cmd_re="^$b*#$b*bats$b+(test_tags|file_tags)=(.*)\$"
	while IFS= read -r line; do
		if [[ $line =~ $test_re ]]; then
			name=${BASH_REMATCH[1]#[\'\"]}
			name=${name%[\'\"]}
			if [[ $name == "$BATS_TEST_DESCRIPTION" ]]; then
				[[ ,${test_tags// /},${file_tags// /}, == *,exercise,* ]]
				return
			fi
			test_tags=
		elif [[ $line =~ $cmd_re ]]; then
			if [[ ${BASH_REMATCH[1]} == test_tags ]]; then
				test_tags=${BASH_REMATCH[2]}
			else
				file_tags=${BASH_REMATCH[2]}
			fi
		fi
	done <"$BATS_TEST_FILENAME"
	return 1
}

# require CMD...: skip the test unless every command is installed.  An
# exercise test must not need one (a real tool is extra evidence there:
# `if command -v socat ...` after what the toolkit checks itself).
require() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null ||
			lab_skip "needs $cmd, which is not installed"
	done
}

# has_ipv6: can this machine listen on ::1?
has_ipv6() {
	[[ -r /proc/net/if_inet6 ]] && grep -q '^0*1 ' /proc/net/if_inet6
}

# require_ipv6: skip the test unless this machine can listen on ::1.
require_ipv6() {
	has_ipv6 || lab_skip "no IPv6: this machine has no ::1"
}

# use_ipv6: this test needs ::1.  Where the machine has none, every
# program the test runs from here on gets an IPv6 loopback carried over
# IPv4's (tools/loop6.c, preloaded): what the program does with IPv6
# addresses (their family, their length, how it prints them) is tested
# the same on every machine.  Not for a test that reads the kernel's
# IPv6 tables (/proc/net/tcp6) or captures packets: require_ipv6 there.
use_ipv6() {
	local lib=$LAB_OUT/tools/loop6.so
	has_ipv6 && return 0
	[[ -f $lib ]] ||
		lab_skip "no IPv6: this machine has no ::1, and no IPv6 shim (build/tools/loop6.so: make)"
	export LD_PRELOAD="$lib${LD_PRELOAD:+ $LD_PRELOAD}"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}

# with_names 'NAME=ADDR[,ADDR...] ...' CMD...: run CMD bounded, with
# getaddrinfo() answering each NAME with those addresses, in that order
# (tools/names.c, preloaded): a private /etc/hosts for CMD alone, with
# no root and no namespace.  A sanitizer build's runtime wants to come
# first in LD_PRELOAD; verify_asan_link_order=0 lets it come second.
with_names() {
	local lib=$LAB_OUT/tools/names.so
	[[ -f $lib ]] || fail "$lib is not built: run 'make'"
	bounded env LD_PRELOAD="$lib${LD_PRELOAD:+ $LD_PRELOAD}" NAMES="$1" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"${@:2}"
}

# tcp_queues PORT: "RECV SEND" for each established connection whose
# local port is PORT, a line each: the bytes waiting in its receive
# queue (not yet read) and in its send queue (not yet acknowledged), as
# `ss -tn` shows them, read from /proc/net/tcp and tcp6 (no ss needed).
tcp_queues() {
	local local_addr state queues
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		while read -r _ local_addr _ state queues _; do
			# state 01: ESTABLISHED; queues: TX:RX, in hex.
			[[ $state == 01 && $((16#${local_addr##*:})) == "$1" ]] ||
				continue
			echo "$((16#${queues#*:})) $((16#${queues%:*}))"
		done
}

# require_localhost: skip unless the name localhost resolves here (a
# minimal container may have no /etc/hosts line for it).
require_localhost() {
	getent hosts localhost >/dev/null ||
		skip "the name localhost does not resolve here (no line for it in /etc/hosts)"
}

# require_own_limits: skip under the grader, where each program runs in
# grader/jail, started by a broker: a limit the test sets (ulimit,
# prlimit) does not reach it there.  Not for an exercise test.
require_own_limits() {
	[[ -z ${LAB_JAIL:-} ]] ||
		skip "under the grader the program runs in its jail, which a limit set here does not reach"
}

# require_private_net: skip unless a private network namespace can be
# made.  Port 1234 is everybody's default: a test may use it only in a
# network namespace of its own, where only a loopback exists (unshare -rn
# works as root, and for users where user namespaces are allowed).
require_private_net() {
	require unshare ip
	unshare -rn true 2>/dev/null ||
		lab_skip "cannot make a private network namespace here (unshare -rn)"
}

# private_net SCRIPT ARGS...: run sh -c SCRIPT there, loopback up.
private_net() {
	bounded unshare -rn sh -c "ip link set lo up && $1" sh "${@:2}"
}

# unprivileged CMD...: run CMD as an ordinary user, bounded.  As root it
# switches to nobody with setpriv (skipping if it cannot); otherwise the
# test already runs unprivileged.
unprivileged() {
	if [[ $(id -u) != 0 ]]; then
		bounded "$@"
	else
		bounded setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all "$@"
	fi
}

# require_unprivileged [FILE]: skip unless unprivileged() can work here
# (and, as root, unless user nobody can reach FILE: a checkout under a
# private folder such as a mktemp -d one is out of its reach).
require_unprivileged() {
	[[ $(id -u) != 0 ]] && return 0
	command -v setpriv >/dev/null ||
		lab_skip "running as root and setpriv is missing: cannot drop to an ordinary user"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		test -x "${1:-/}" 2>/dev/null ||
		lab_skip "running as root and user nobody cannot run ${1:-anything} here"
}

# ---- crash and timeout notes (the grader reads them too) ------------
# A failed test should say *why* a program failed: "status 139" means
# little to a student, "crashed with SIGSEGV" a lot.  bounded and
# stop_server note every program killed by a signal or by its time limit
# in a file of the test; lab_teardown prints the notes, which bats shows
# only for a failed test.  grader/score.bash finds these lines ("lab:
# PROG crashed with SIGNAME", "lab: PROG did not finish", "lab: PROG did
# not start") in the failure output and reports the test as crashed or
# timed out.

# lab_note STATUS LIMIT SENT CMD...: note how CMD ended if its time
# LIMIT (seconds) or a signal ended it, unless that signal is SENT (one
# the test sent on purpose, as a name or a number; may be empty).
lab_note() {
	local status=$1 limit=$2 sent=${3#SIG} name sig arg
	shift 3
	((status == 124 || (status > 128 && status < 192))) || return 0
	[[ -n ${BATS_TEST_TMPDIR:-} ]] || return 0
	[[ -z $sent || $sent =~ ^[0-9]+$ ]] || sent=$(kill -l "$sent")
	((status - 128 != sent)) || return 0
	name=${1##*/}
	for arg in "$@"; do	# the program under test, if it is in there
		[[ $arg == "${PROG:-}" ]] && name=${PROG##*/}
	done
	if ((status == 124)); then
		echo "lab: $name did not finish within $limit s and was killed (does it wait for input or a peer that never comes?)"
	else
		sig=$(kill -l $((status - 128)) 2>/dev/null) || return 0
		echo "lab: $name crashed with SIG$sig ($(lab_signal_why "$sig"))"
	fi >>"$BATS_TEST_TMPDIR/lab-notes"
}

# What a signal usually means in these lessons.
lab_signal_why() {
	case $1 in
	SEGV) echo "segmentation fault: a bad pointer or an array index out of bounds" ;;
	BUS) echo "bus error: a bad pointer" ;;
	ABRT) echo "abort: a failed assert() or a sanitizer found a bug" ;;
	FPE) echo "arithmetic error: a division by zero" ;;
	PIPE) echo "wrote to a connection the peer had closed: ignore SIGPIPE or use MSG_NOSIGNAL" ;;
	KILL) echo "killed: it ignored SIGTERM at its time limit, or ran out of memory or CPU time" ;;
	XCPU) echo "it used up its CPU time limit: a busy loop?" ;;
	XFSZ) echo "it wrote a file over the size limit" ;;
	TERM) echo "terminated" ;;
	*) echo "killed by a signal" ;;
	esac
}

# lab_kill_marked VAR=VALUE: kill every process whose environment holds
# VAR=VALUE (what a program started, wherever it went), until none is.
lab_kill_marked() {
	local round pids
	for ((round = 0; round < 100; round++)); do
		pids=$(grep -lsxzF "$1" /proc/[0-9]*/environ | cut -d/ -f3)
		[[ -n $pids ]] || return 0
		# shellcheck disable=SC2086 # one word a pid
		kill -KILL $pids 2>/dev/null || true
	done
}

# lab_notes: print this test's notes once each (from lab_teardown).
lab_notes() {
	[[ -n ${BATS_TEST_TMPDIR:-} && -s $BATS_TEST_TMPDIR/lab-notes ]] ||
		return 0
	awk '!seen[$0]++' "$BATS_TEST_TMPDIR/lab-notes"
}
