# grader/leash.bash - run student code on a leash.  Sourced by
# grader/score.bash and grader/grade.bash:
#
#   leash_probe PATH...            decide once how runs are confined here
#   leash_run KIND LIMIT CMD...    run CMD, at most LIMIT seconds:
#                                  KIND student: CMD is student code (a
#                                  compile); harness: CMD is a lesson's
#                                  tests, which start student programs
#                                  through `grader/jail run`; copy:
#                                  CMD copies a submission, as the
#                                  run's user, without namespaces
#   leash_guard                    on SIGINT, SIGTERM or SIGHUP, stop every
#                                  run this grading started, and exit
#
# The settings of a run (environment, all optional):
#   LEASH_OWN    folders the run's student user owns while it runs (its
#                source, its binaries); root's again afterwards
#   LEASH_HIDE   folders student code must not see (the reference
#                solutions, other submissions, the reports): empty there
#   LEASH_KEEP   folders inside those that stay where they are (this
#                submission's own source and binaries)
#   LEASH_BIN    (harness) the folder of the student's built programs:
#                the tests get LAB_BIN, a folder of wrappers that run each
#                one through grader/jail
#
# As root on a machine with namespaces (the grading machines: CI,
# Gradescope where it allows them), a run gets:
#   two users  the tests, the helpers and their peers run as one
#              unprivileged user (LEASH_HARNESS, 65533); student code as
#              another, one for each run (LEASH_UIDS, 65520-65532: uids
#              Debian reserves and no package uses), so that it can
#              neither signal, trace nor read the tests' processes, nor
#              touch another run's files;
#   namespaces a network of its own (only loopback, up), a mount
#              namespace with its own /tmp, /var/tmp and /dev/shm and the
#              LEASH_HIDE folders emptied, the reference binaries readable
#              by the tests' user only, IPC and PID namespaces of its own;
#              each student program also gets a PID namespace (grader/jail);
#   a cgroup   memory (LEASH_MEMORY MiB) and processes (LEASH_PROCS) for
#              all the student code of the run together, where the
#              machine has the memory and pids controllers (cgroup v1 or
#              v2); and on any cgroup hierarchy, the way to kill the whole
#              run at once;
#   limits     (ulimit, each process) CPU seconds (LEASH_CPU, 30), open
#              files (LEASH_FILES, 512), the size of a file (LEASH_FSIZE
#              MiB, 64), no core files; the address space (LEASH_MEMORY)
#              where no memory cgroup bounds the run;
#   a time     LIMIT seconds for the whole run.
# Elsewhere (not root, no namespaces, no jail) runs get what the machine
# allows, and LEASH_HOW, the report's Leash: line, says what was not
# isolated.

LEASH_CPU=${LEASH_CPU:-30}
LEASH_FILES=${LEASH_FILES:-512}
LEASH_FSIZE=${LEASH_FSIZE:-64}
# A sanitizer (make SANITIZE=1 exports ASAN_OPTIONS) maps terabytes of
# shadow memory: no address-space limit then (a memory cgroup still works).
LEASH_MEMORY=${LEASH_MEMORY:-2048}
LEASH_PROCS=${LEASH_PROCS:-200}
LEASH_UIDS=${LEASH_UIDS-65520-65532}
LEASH_HARNESS=${LEASH_HARNESS-65533}
# The uids' locks (flock: released when the run ends, however it ends):
# one folder for the machine, that only root can open.
LEASH_LOCKS=${LEASH_LOCKS:-/run/tcp-labs-leash}
LEASH_JAIL=${LEASH_JAIL:-${LAB_OUT:-$PWD/build}/grader/jail}
# An empty folder a run's mount namespace covers for a moment.
LEASH_JAIL_STAGE=${LEASH_JAIL_STAGE:-${LAB_OUT:-$PWD/build}/grader/stage}

LEASH_MODE=plain	# jail (as above), broker (the same without
			# namespaces), user (root, one user), plain
# LEASH_NAMESPACES=0: do without namespaces (to try a machine without).
LEASH_NAMESPACES=${LEASH_NAMESPACES:-1}
LEASH_POOL=()		# the uids a run may be
LEASH_NS=()		# unshare ... : the run's namespaces
LEASH_CG=()		# cgroup hierarchies: KIND:FOLDER (memory, pids, kill)
LEASH_HOW=		# one line for the report: how runs were confined

# leash_can UID PATH...: can that user read every PATH?
leash_can() {
	local uid=$1 path
	shift
	for path in "$@"; do
		setpriv --reuid="$uid" --regid="$uid" --clear-groups \
			test -r "$path" 2>/dev/null || return 1
	done
}

# leash_cgroups: the cgroup hierarchies a run can have a folder in,
# each KIND:FOLDER (this process's own cgroup there).
leash_cgroups() {
	local line id ctl path dir
	LEASH_CG=()
	while IFS=: read -r id ctl path; do
		if [[ $id == 0 ]]; then	# v2: unified, or the only one
			if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
				dir=/sys/fs/cgroup$path
			else
				dir=/sys/fs/cgroup/unified$path
			fi
			[[ -f $dir/cgroup.kill ]] || [[ -f $dir/cgroup.procs ]] ||
				continue
			local ctls
			ctls=$(cat "$dir/cgroup.subtree_control" 2>/dev/null)
			[[ " $ctls " == *" memory "* ]] && LEASH_CG+=("memory2:$dir")
			[[ " $ctls " == *" pids "* ]] && LEASH_CG+=("pids2:$dir")
			LEASH_CG+=("kill:$dir")
		elif [[ ,$ctl, == *,memory,* ]]; then
			LEASH_CG+=("memory1:/sys/fs/cgroup/memory$path")
		elif [[ ,$ctl, == *,pids,* ]]; then
			LEASH_CG+=("pids1:/sys/fs/cgroup/pids$path")
		fi
	done </proc/self/cgroup
	# Keep those where a folder can be made.
	local -a ok=()
	for line in "${LEASH_CG[@]}"; do
		dir=${line#*:}/tcp-labs-probe.$$
		mkdir "$dir" 2>/dev/null && rmdir "$dir" && ok+=("$line")
	done
	LEASH_CG=("${ok[@]}")
}

leash_has_cg() { [[ " ${LEASH_CG[*]%%:*} " == *" $1 "* ]]; }

# leash_probe PATH...: decide how runs are confined on this machine.
# Every PATH (the toolkit, bats and its libraries) must be readable by
# the users runs become.
leash_probe() {
	local uid first last taken=
	LEASH_MODE=plain LEASH_POOL=() LEASH_NS=() LEASH_CG=()
	if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null &&
		command -v flock >/dev/null && [[ $LEASH_UIDS =~ ^([0-9]+)-([0-9]+)$ ]]; then
		first=${BASH_REMATCH[1]} last=${BASH_REMATCH[2]}
		taken=" $(getent passwd | cut -d: -f3 | tr '\n' ' ')"
		for ((uid = first; uid <= last; uid++)); do
			[[ $taken == *" $uid "* ]] || LEASH_POOL+=("$uid")
		done
		if ((${#LEASH_POOL[@]})) && leash_can "${LEASH_POOL[0]}" "$@" &&
			mkdir -p "$LEASH_LOCKS" 2>/dev/null &&
			chmod 0711 "$LEASH_LOCKS"; then
			LEASH_MODE=user
		else
			LEASH_POOL=()
		fi
	fi
	if [[ $LEASH_MODE == user && -n $LEASH_HARNESS ]] &&
		[[ $taken != *" $LEASH_HARNESS "* ]] &&
		leash_can "$LEASH_HARNESS" "$@" && [[ -x $LEASH_JAIL ]] &&
		mkdir -p "$LEASH_JAIL_STAGE"; then
		LEASH_NS=(unshare --net --mount --ipc --uts --pid --fork
			--kill-child --mount-proc --propagation private)
		if ((LEASH_NAMESPACES)) &&
			"${LEASH_NS[@]}" "$LEASH_JAIL" lo 2>/dev/null; then
			LEASH_MODE=jail
		else
			LEASH_MODE=broker LEASH_NS=()
		fi
	fi
	if [[ $LEASH_MODE == plain ]]; then
		LEASH_NS=(unshare --pid --fork --mount-proc --kill-child)
		[[ $(id -u) == 0 ]] || LEASH_NS=(unshare --map-current-user
			--pid --fork --mount-proc --kill-child)
		command -v unshare >/dev/null && "${LEASH_NS[@]}" true \
			2>/dev/null || LEASH_NS=()
	elif [[ $LEASH_MODE == user ]] && ((LEASH_NAMESPACES)); then
		LEASH_NS=(unshare --pid --fork --mount-proc --kill-child)
		"${LEASH_NS[@]}" true 2>/dev/null || LEASH_NS=()
	fi
	[[ $(id -u) == 0 ]] && leash_cgroups
	leash_say_how
	return 0
}

# leash_say_how: LEASH_HOW, what runs got and what they did not.
leash_say_how() {
	local how not=() mem
	case $LEASH_MODE in
	jail)
		how="the tests ran as uid $LEASH_HARNESS and student code as"
		how+=" a uid of its own for each run ($LEASH_UIDS), each run"
		how+=" in network, mount (own /tmp, reference and other"
		how+=" submissions hidden), IPC and PID namespaces of its own,"
		how+=" each program in a PID namespace of its own" ;;
	broker)
		how="the tests ran as uid $LEASH_HARNESS and student code as"
		how+=" a uid of its own for each run ($LEASH_UIDS), through"
		how+=" grader/jail"
		not+=("no namespaces here: no private network, /tmp nor hidden reference solutions and other submissions; no PID namespace: what a program leaves running lives until its run ends") ;;
	user)
		how="student code ran as a uid of its own for each run"
		how+=" ($LEASH_UIDS), but so did the tests"
		not+=("tests and student code shared a user, and had no private network, /tmp nor hidden reference solutions (no namespaces here, or no grader/jail)") ;;
	*)
		how="student code ran as $(id -un)"
		not+=("tests and student code shared a user (grade as root to separate them), and had no private network, /tmp nor hidden reference solutions") ;;
	esac
	((${#LEASH_NS[@]})) || [[ $LEASH_MODE == jail || $LEASH_MODE == broker ]] ||
		not+=("no PID namespace: leftovers are found by their environment")
	mem="$LEASH_MEMORY MiB of memory"
	if ((LEASH_MEMORY <= 0)); then
		how+="; no memory limit (LEASH_MEMORY=0)"
	elif leash_has_cg memory1 || leash_has_cg memory2; then
		how+="; a cgroup for the run: $mem"
		leash_has_cg pids1 || leash_has_cg pids2 &&
			how+=", $LEASH_PROCS processes"
	else
		how+="; $mem a process (no memory cgroup here)"
	fi
	leash_has_cg kill || leash_has_cg pids1 ||
		not+=("no cgroup to stop a run at once: its process group is killed")
	how+="; limits: $LEASH_CPU s CPU a process, $LEASH_PROCS processes,"
	how+=" $LEASH_FILES open files, files up to $LEASH_FSIZE MiB"
	local n notes=
	for n in "${not[@]}"; do
		notes+="${notes:+; }$n"
	done
	# shellcheck disable=SC2034 # the report's line (grader/score.bash)
	LEASH_HOW=$how${notes:+. Not isolated: $notes}
}

# ---- a run's uid, cgroups and bookkeeping ------------------------------

# leash_take: pick a uid of the pool for this run and hold its lock,
# setting LEASH_RUN_UID and LEASH_RUN_FD.  A uid that still runs a
# process (a run that outlived its grading) is passed over.  With the
# pool busy, waits for one.
leash_take() {
	local uid fd
	LEASH_RUN_UID= LEASH_RUN_FD=
	((${#LEASH_POOL[@]})) || return 0
	for uid in "${LEASH_POOL[@]}" ""; do
		if [[ -z $uid ]]; then	# all busy: wait for one
			uid=${LEASH_POOL[RANDOM % ${#LEASH_POOL[@]}]}
			exec {fd}>>"$LEASH_LOCKS/$uid"
			flock "$fd"
			break
		fi
		exec {fd}>>"$LEASH_LOCKS/$uid" || continue
		chmod 0600 "$LEASH_LOCKS/$uid"	# student code cannot open it
		if flock -n "$fd" && ! leash_busy "$uid"; then
			break
		fi
		exec {fd}>&-
	done
	LEASH_RUN_UID=$uid LEASH_RUN_FD=$fd
}

# leash_pids UID: the processes of that user, zombies aside (they are
# dead already, only not reaped yet).
leash_pids() {
	local file
	for file in $(grep -ls "^Uid:[[:blank:]]*$1[[:blank:]]" \
		/proc/[0-9]*/status); do
		grep -qs '^State:[[:blank:]]*Z' "$file" && continue
		file=${file#/proc/}
		echo "${file%/status}"
	done
}

# leash_busy UID: does that user run any process?
leash_busy() {
	[[ -n $(leash_pids "$1") ]]
}

# leash_cg_make NAME: a folder NAME in each hierarchy (cgroup v1 needs
# one in each), limits set; prints them, KIND:FOLDER a line.
leash_cg_make() {
	local line kind dir
	for line in "${LEASH_CG[@]}"; do
		kind=${line%%:*} dir=${line#*:}/$1
		# LEASH_MEMORY=0: no memory limit.
		[[ $kind != memory* ]] || ((LEASH_MEMORY > 0)) || continue
		mkdir -p "$dir" 2>/dev/null || continue
		case $kind in
		memory1)
			echo $((LEASH_MEMORY << 20)) >"$dir/memory.limit_in_bytes"
			echo $((LEASH_MEMORY << 20)) \
				>"$dir/memory.memsw.limit_in_bytes" 2>/dev/null ;;
		memory2)
			echo $((LEASH_MEMORY << 20)) >"$dir/memory.max"
			echo 0 >"$dir/memory.swap.max" 2>/dev/null ;;
		pids1 | pids2)
			echo "$LEASH_PROCS" >"$dir/pids.max" ;;
		esac || continue
		printf '%s:%s\n' "$kind" "$dir"
	done
}

# leash_cg_kill KIND:FOLDER...: kill every process in them, wait until
# they are gone, and remove the folders.
leash_cg_kill() {
	local line dir round pids
	for line in "$@"; do
		dir=${line#*:}
		[[ -d $dir ]] || continue
		[[ -f $dir/cgroup.kill ]] && echo 1 >"$dir/cgroup.kill"
		for ((round = 0; round < 200; round++)); do
			[[ -d $dir ]] || break	# (another stop removed it)
			pids=$(cat "$dir/cgroup.procs" 2>/dev/null)
			[[ -z $pids ]] && rmdir "$dir" 2>/dev/null && break
			# shellcheck disable=SC2086 # one word a pid
			[[ -z $pids ]] || kill -KILL $pids 2>/dev/null
			sleep 0.05
		done
	done
}

# leash_sweep UID: kill every process of UID (a run's own user: only
# its run has it), until none is left.
leash_sweep() {
	local round pids
	for ((round = 0; round < 100; round++)); do
		pids=$(leash_pids "$1")
		[[ -z $pids ]] && return 0
		# shellcheck disable=SC2086 # one word a pid
		kill -KILL $pids 2>/dev/null
	done
}

# The runs started and not yet over, one file each under LEASH_STATE:
# what leash_stop must kill and give back when the grading is stopped.
# Each script that guards (leash_guard) has a folder of its own there,
# inside its caller's: stopping a script stops the runs of the scripts
# it started, and nothing of its neighbours'.
leash_state() {
	[[ -n ${LEASH_STATE:-} && -d $LEASH_STATE ]] && return 0
	LEASH_STATE=$(mktemp -d "${TMPDIR:-/tmp}/leash.XXXXXX") || return 1
	LEASH_STATE_ROOT=$LEASH_STATE	# ours: removed at exit
	export LEASH_STATE
}

# leash_end FILE: kill a run's processes and cgroups, give back its
# folders, forget it.  FILE's lines: pid N (a process group), cg
# KIND:DIR, own DIR.
leash_end() {
	local what arg child sweep= cgs=() own=()
	[[ -f $1 ]] || return 0
	while read -r what arg; do
		case $what in
		pid)	# a run's timeout: its child leads the run's session
			for child in $(cat "/proc/$arg/task/$arg/children" \
				2>/dev/null); do
				kill -KILL -- "-$child" "$child" 2>/dev/null
			done ;;
		cg) cgs+=("$arg") ;;
		own) own+=("$arg") ;;
		sweep) sweep=$arg ;;
		rm) rm -rf "$arg" ;;
		esac
	done <"$1"
	leash_cg_kill "${cgs[@]}"
	[[ -z $sweep ]] || leash_sweep "$sweep"
	((${#own[@]} == 0)) || chown -R 0:0 "${own[@]}" 2>/dev/null
	rm -f "$1"
}

# leash_stop: end every run of this script and of those it started.
leash_stop() {
	local file
	[[ -n ${LEASH_STATE:-} && -d $LEASH_STATE ]] || return 0
	while IFS= read -r -d '' file; do
		leash_end "$file"
	done < <(find "$LEASH_STATE" -name 'run.*' -type f -print0)
}

# leash_descendants PID: the processes PID started, and theirs.
leash_descendants() {
	local child
	for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$child"
		leash_descendants "$child"
	done
}

# leash_halt: on a signal, stop the scripts this one started, and theirs
# (so that they start nothing more), then every run.
leash_halt() {
	local pids
	pids=$(leash_descendants $$)
	# shellcheck disable=SC2086 # one word a pid
	[[ -z $pids ]] || kill -TERM $pids 2>/dev/null
	leash_stop
	# The scripts we started clean up after themselves: wait for them.
	wait
}

# leash_guard: a folder of this script's own in LEASH_STATE; on SIGINT,
# SIGTERM or SIGHUP stop everything, then exit (130, 143, 129).  EXIT
# runs leash_stop too, then CLEANUP (a command, optional).
leash_guard() {
	leash_state || return 1
	LEASH_STATE=$LEASH_STATE/$$
	mkdir -p "$LEASH_STATE" || return 1
	trap 'leash_halt; exit 130' INT
	trap 'leash_halt; exit 143' TERM
	trap 'leash_halt; exit 129' HUP
	# shellcheck disable=SC2064 # expanded now, on purpose
	trap "leash_stop; rm -rf '${LEASH_STATE_ROOT:-$LEASH_STATE}'; ${1:-}" EXIT
}

# leash_limit -X VALUE: lower limit X (soft and hard, so student code
# cannot raise it again) to VALUE, unless it is already lower.
leash_limit() {
	local hard
	hard=$(ulimit -H "$1")
	[[ $hard != unlimited ]] && (($2 >= hard)) && return 0
	ulimit "$1" "$2"
}

# leash_limits: the limits of every process of a run.
leash_limits() {
	leash_limit -c 0 && leash_limit -n "$LEASH_FILES" &&
		leash_limit -f $((LEASH_FSIZE * 1024)) || return 1
	# The soft limit only: the sanitized builds of the exercises
	# (tests/sanitized.bash) lift it, as AddressSanitizer reserves
	# terabytes of address space (not memory).
	if ((LEASH_MEMORY > 0)) && [[ -z ${ASAN_OPTIONS:-} ]] &&
		! leash_has_cg memory1 && ! leash_has_cg memory2; then
		ulimit -S -v $((LEASH_MEMORY * 1024)) || return 1
	fi
	# Soft CPU limit a second below the hard one, so a spinning
	# program gets SIGXCPU (a named crash) before SIGKILL.
	leash_limit -t $((LEASH_CPU + 1)) && ulimit -S -t "$LEASH_CPU"
}

# leash_run KIND LIMIT CMD...: run CMD confined as above, its stdin from
# /dev/null, its stdout and stderr the caller's.  Returns CMD's status
# (137 if it ran out of time).
leash_run() {
	local kind=$1 limit=$2 status=0 id file cgs=() dir
	local LEASH_RUN_UID LEASH_RUN_FD
	shift 2
	leash_state || return 1
	id=$$.$BASHPID.$RANDOM
	file=$LEASH_STATE/run.$id
	leash_take
	mapfile -t cgs < <(leash_cg_make "tcp-labs.$id")
	{
		printf 'cg %s\n' "${cgs[@]}"
		[[ -z $LEASH_RUN_UID ]] || for dir in ${LEASH_OWN:-}; do
			printf 'own %s\n' "$dir"
		done
		if [[ $LEASH_MODE == broker ]]; then
			printf 'sweep %s\nrm %s\n' "$LEASH_RUN_UID" \
				"$LEASH_LOCKS/run.$id"
		fi
	} >"$file"
	if [[ -n $LEASH_RUN_UID ]]; then
		for dir in ${LEASH_OWN:-}; do
			chown -R "$LEASH_RUN_UID:$LEASH_RUN_UID" "$dir" &&
				chmod 0700 "$dir"
		done
	fi
	(
		echo "pid $BASHPID" >>"$file"
		# Nothing but stdin, stdout and stderr goes on: not the uid's
		# lock, not the grading's, not whatever `make` was given.
		local fd
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			((fd <= 2)) || eval "exec $fd>&-"
		done
		# The whole run, tests and student code, in the kill cgroup.
		for dir in "${cgs[@]}"; do
			[[ $dir == kill:* ]] && echo "$BASHPID" >"${dir#*:}/cgroup.procs"
		done
		leash_limits || exit 125
		case $kind:$LEASH_MODE in
		copy:plain) exec timeout -s KILL "$limit" "$@" </dev/null ;;
		copy:*)
			exec timeout -s KILL "$limit" setpriv \
				--reuid="$LEASH_RUN_UID" --regid="$LEASH_RUN_UID" \
				--clear-groups --inh-caps=-all --bounding-set=-all \
				--no-new-privs "$@" </dev/null ;;
		*:broker)
			exec timeout --foreground -s KILL "$limit" setsid bash -c \
				'source grader/leash.bash && leash_outside "$@"' \
				leash "$kind" "$LEASH_RUN_UID" "${cgs[*]}" \
				"$LEASH_LOCKS/run.$id" "$@" </dev/null ;;
		*:jail)
			exec timeout --foreground -s KILL "$limit" \
				setsid "${LEASH_NS[@]}" bash -c \
				'source grader/leash.bash && leash_inside "$@"' \
				leash "$kind" "$LEASH_RUN_UID" "${cgs[*]}" "$@" \
				</dev/null ;;
		*:user)
			for dir in "${cgs[@]}"; do
				[[ $dir == kill:* ]] ||
					echo "$BASHPID" >"${dir#*:}/cgroup.procs"
			done
			leash_limit -u "$LEASH_PROCS"
			exec timeout --foreground -s KILL "$limit" \
				setsid "${LEASH_NS[@]}" setpriv \
				--reuid="$LEASH_RUN_UID" --regid="$LEASH_RUN_UID" \
				--clear-groups --inh-caps=-all --bounding-set=-all \
				--no-new-privs bash -c '"$@"; exit' leash "$@" \
				</dev/null ;;
		*)
			exec timeout --foreground -s KILL "$limit" \
				setsid "${LEASH_NS[@]}" bash -c '"$@"; exit' \
				leash "$@" </dev/null ;;
		esac
	) &
	# (wait, not a foreground child: a signal's trap runs at once.)
	wait "$!" || status=$?
	leash_end "$file"
	[[ -z $LEASH_RUN_FD ]] || exec {LEASH_RUN_FD}>&-
	return "$status"
}

# ---- inside a run's namespaces (root, before dropping to its users) ---

# leash_hide DIR [OWNER]: an empty folder in DIR's place, read-only; with
# OWNER, one only OWNER can enter, holding what DIR held.
leash_hide() {
	local dir=$1 owner=${2:-} stage entry
	[[ -d $dir && ! -L $dir ]] || return 0
	if [[ -n $owner ]]; then
		stage=/tmp/.leash/hidden$RANDOM$RANDOM
		mkdir "$stage" && mount --bind "$dir" "$stage" &&
			mount -t tmpfs -o "mode=0700,uid=$owner,gid=$owner,size=64k" \
				tmpfs "$dir" || return 1
		for entry in "$stage"/* "$stage"/.[!.]*; do
			[[ -e $entry ]] || continue
			if [[ -d $entry ]]; then
				mkdir "$dir/${entry##*/}"
			else
				touch "$dir/${entry##*/}"
			fi && mount --bind "$entry" "$dir/${entry##*/}" || return 1
		done
		umount -l "$stage"
	else
		mount -t tmpfs -o mode=0755,size=64k tmpfs "$dir"
	fi
}

# leash_inside KIND UID CGROUPS CMD...: set the namespaces up, then run
# CMD as the run's users.  Runs as root, first process of the run's PID
# namespace: when it ends, everything else in the run ends too.
leash_inside() {
	local kind=$1 uid=$2 groups=$3 keep dir i=0 h=/tmp/.leash/harness
	local wrap lesson prog
	shift 3
	local -a kept=()
	umask 022
	"$LEASH_JAIL" lo || exit 125
	# What stays visible inside hidden folders, put aside before /tmp
	# (where it may be) is replaced.
	mount -t tmpfs -o mode=0700,size=64k tmpfs "$LEASH_JAIL_STAGE" ||
		exit 125
	for keep in ${LEASH_KEEP:-}; do
		mkdir "$LEASH_JAIL_STAGE/$i" &&
			mount --bind "$keep" "$LEASH_JAIL_STAGE/$i" || exit 125
		kept+=("$keep")
		i=$((i + 1))
	done
	# The toolkit, its build and the bats the tests run with (set up
	# from npm in some toolkit's build/tools) may live in one of the
	# folders replaced below (a clone in /tmp): hold them open, to put
	# them back.
	local -a homes=() fds=() tops=("$PWD" "${LAB_OUT:-$PWD/build}") libs=()
	local top fd home
	[[ -z ${LAB_BATS:-} ]] || tops+=("${LAB_BATS%/bin/bats}")
	IFS=: read -ra libs <<<"${BATS_LIB_PATH:-}"
	tops+=("${libs[@]}")
	for top in "${tops[@]}"; do
		[[ -n $top && -d $top ]] || continue
		for home in "${homes[@]}"; do
			[[ $top/ != "$home"/* ]] || continue 2
		done
		for dir in /tmp /var/tmp /dev/shm /run/lock; do
			[[ $top/ == "$dir"/* ]] || continue
			exec {fd}<"$top" && homes+=("$top") && fds+=("$fd")
		done
	done
	for dir in /tmp /var/tmp /dev/shm /run/lock; do
		[[ -d $dir && ! -L $dir ]] || continue
		mount -t tmpfs -o mode=1777,nosuid,nodev,size=$((LEASH_FSIZE * 4))m \
			tmpfs "$dir" || exit 125
	done
	for i in "${!homes[@]}"; do
		mkdir -p "${homes[i]}" && mount --no-canonicalize --rbind \
			"/proc/self/fd/${fds[i]}" "${homes[i]}" || exit 125
		eval "exec ${fds[i]}<&-"
	done
	cd "$PWD" || exit 125
	mount -t mqueue mqueue /dev/mqueue 2>/dev/null
	mkdir -m 0711 /tmp/.leash
	# The reference binaries: the tests' peers, for the tests' user only.
	leash_hide "$LAB_OUT/solutions" "$LEASH_HARNESS" || exit 125
	for dir in ${LEASH_HIDE:-}; do
		[[ $dir == "$LAB_OUT/solutions" ]] || leash_hide "$dir" || exit 125
	done
	for i in "${!kept[@]}"; do
		mkdir -p "${kept[i]}" 2>/dev/null
		mount --bind "$LEASH_JAIL_STAGE/$i" "${kept[i]}" || exit 125
	done
	umount -l "$LEASH_JAIL_STAGE"
	local -a drop=(--clear-groups --inh-caps=-all --bounding-set=-all
		--no-new-privs)
	if [[ $kind == student ]]; then
		for dir in ${groups}; do
			[[ $dir == kill:* ]] || echo "$BASHPID" >"${dir#*:}/cgroup.procs"
		done
		leash_limit -u "$LEASH_PROCS"
		setpriv --reuid="$uid" --regid="$uid" "${drop[@]}" "$@"
		return
	fi
	leash_harness "$uid" "$groups" "$h" "$@"
}

# leash_harness UID GROUPS DIR CMD...: start the run's broker for UID,
# then CMD (the tests) as the tests' user, with a folder of its own in
# DIR (its TMPDIR, the wrappers that are its LAB_BIN, the socket).
leash_harness() {
	local uid=$1 groups=$2 h=$3 dir prog lesson wrap
	shift 3
	mkdir -p "$h/tmp" "$h/bin" && chmod 0700 "$h" "$h/tmp" "$h/bin"
	for prog in "$LEASH_BIN"/*/*; do
		lesson=${prog%/*} lesson=${lesson##*/}
		# (A build's note that it could not be made: the tests read it.)
		if [[ $prog == *.missing ]]; then
			mkdir -p "$h/bin/$lesson" && cp "$prog" "$h/bin/$lesson/"
			continue
		fi
		[[ -f $prog && -x $prog && $prog != *.o ]] || continue
		mkdir -p "$h/bin/$lesson"
		wrap=$h/bin/$lesson/${prog##*/}
		printf '#!/bin/sh\nexec %q run %q "$@"\n' "$LEASH_JAIL" "$prog" \
			>"$wrap"
		chmod 0755 "$wrap"
	done
	chown -R "$LEASH_HARNESS:$LEASH_HARNESS" "$h"
	# The broker, in the student's cgroups, with the student's limits.
	(
		for dir in ${groups}; do
			[[ $dir == kill:* ]] || echo "$BASHPID" >"${dir#*:}/cgroup.procs"
		done
		leash_limit -u "$LEASH_PROCS"
		# Out of memory, the kernel kills student code, not the broker
		# (grader/jail gives the programs the usual 0 back).
		echo -1000 >/proc/self/oom_score_adj
		cd / && exec "$LEASH_JAIL" serve "$h/jail.sock" "$uid" "$uid" \
			"$LEASH_HARNESS"
	) </dev/null >/dev/null || exit 125
	setpriv --reuid="$LEASH_HARNESS" --regid="$LEASH_HARNESS" \
		--clear-groups --inh-caps=-all --bounding-set=-all \
		--no-new-privs env LAB_JAIL="$h/jail.sock" LAB_BIN="$h/bin" \
		TMPDIR="$h/tmp" HOME="$h/tmp" "$@"
}

# leash_outside KIND UID CGROUPS DIR CMD...: as leash_inside, where the
# machine has no namespaces: the tests' folder in DIR (in LEASH_LOCKS),
# and the broker runs programs without PID namespaces.
leash_outside() {
	local kind=$1 uid=$2 groups=$3 d=$4 dir
	shift 4
	if [[ $kind == student ]]; then
		for dir in ${groups}; do
			[[ $dir == kill:* ]] || echo "$BASHPID" >"${dir#*:}/cgroup.procs"
		done
		leash_limit -u "$LEASH_PROCS"
		exec setpriv --reuid="$uid" --regid="$uid" --clear-groups \
			--inh-caps=-all --bounding-set=-all --no-new-privs "$@"
	fi
	umask 022
	mkdir -p "$d" && chmod 0711 "$d" || exit 125
	LAB_JAIL_PLAIN=1 leash_harness "$uid" "$groups" "$d/harness" "$@"
}
