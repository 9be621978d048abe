# grader/leash.bash - run student code on a leash.  Sourced by
# grader/score.bash and grader/grade.bash:
#
#   leash_probe                 decide once how runs are confined here
#   leash_run LIMIT CMD...      run CMD (a compiler, a whole bats run)
#   leash_owns DIR              let the runs' user write into DIR
#
# Whatever student code does (hang, fork, fill the disk, start a daemon),
# it must cost its own test and not the machine or the other tests.  A
# run gets, in this order:
#
#   limits   (ulimit, for every process of the run) CPU seconds per
#            process (LEASH_CPU, 30), open files (LEASH_FILES, 512), the
#            size of any one file (LEASH_FSIZE MiB, 64), address space
#            (LEASH_MEMORY MiB, 2048, a soft limit; 0 = none, the default
#            under a sanitizer), no core files, and at most LEASH_PROCS (200) more
#            processes than its user already has;
#   a user   RLIMIT_NPROC counts the processes of a real user and the
#            kernel does not apply it to root at all.  So, run as root,
#            the run drops to an unprivileged user when such a user can
#            reach the toolkit: one of its own (LEASH_UIDS, uids 65520 to
#            65533: reserved on Debian, used by no package nor systemd),
#            so that runs side by side (grade-all, the lessons of one
#            submission) do not share one process limit, and a fork bomb
#            in one cannot make another's forks fail.  While every one of
#            them is busy a run waits for one.  Where those uids cannot be
#            used, every run is LEASH_USER (nobody), sharing its limit.
#            The student code then cannot write anywhere but the folders
#            leash_owns opened (sticky, as /tmp) and world-writable ones.
#            As root without any of this, the process limit is not
#            enforced, which the report says; the time limits still hold;
#   a PID namespace where the machine allows one (root, or unprivileged
#            user namespaces): when the run ends, the kernel kills all
#            that is left in it, daemons and double forks included;
#   a mark   LAB_LEASH=<unique> in the environment of everything it
#            starts: afterwards every process carrying it is killed (the
#            net where there is no namespace);
#   a time   the whole run is killed after LIMIT seconds, in its own
#            session.
#
# Gaps, said plainly: a process that clears its environment escapes the
# mark (not the namespace); the file size limit is per file, so many
# files can still add up until the time limit; as root without the
# unprivileged user there is no process limit.

LEASH_CPU=${LEASH_CPU:-30}
LEASH_FILES=${LEASH_FILES:-512}
LEASH_FSIZE=${LEASH_FSIZE:-64}
# A sanitizer (make SANITIZE=1 exports ASAN_OPTIONS) maps terabytes of
# shadow memory: no address-space limit then.
if [[ -n ${ASAN_OPTIONS:-} ]]; then
	LEASH_MEMORY=${LEASH_MEMORY:-0}
else
	LEASH_MEMORY=${LEASH_MEMORY:-2048}
fi
LEASH_PROCS=${LEASH_PROCS:-200}
LEASH_USER=${LEASH_USER-nobody}
LEASH_UIDS=${LEASH_UIDS-65520-65533}
# The uids' locks (flock: released when the run ends, however it ends),
# one folder for the machine, so that two gradings share them too.
LEASH_LOCKS=${LEASH_LOCKS:-/tmp/tcp-labs-leash}

LEASH_AS=()	# setpriv ... : how a run drops to LEASH_USER, if it does
LEASH_POOL=()	# the uids a run may drop to instead, one run each
LEASH_NS=()	# unshare ... : how a run gets its own PID namespace
LEASH_UID=$(id -u)
LEASH_HOW=	# one line for the report: how runs are confined

# leash_can UID GID PATH...: can that user read every PATH?
leash_can() {
	local uid=$1 gid=$2 path
	shift 2
	for path in "$@"; do
		setpriv --reuid="$uid" --regid="$gid" --clear-groups \
			test -r "$path" 2>/dev/null || return 1
	done
}

# leash_probe PATH...: decide how runs are confined on this machine.
# Every PATH (the toolkit, the built programs, bats and its libraries)
# must be readable by the user the runs drop to, or they stay root.
leash_probe() {
	local uid gid first last
	LEASH_AS=() LEASH_POOL=() LEASH_NS=() LEASH_UID=$(id -u)
	if [[ $LEASH_UID == 0 && -n $LEASH_USER && $LEASH_USER != root ]] &&
		command -v setpriv >/dev/null &&
		uid=$(id -u "$LEASH_USER" 2>/dev/null) &&
		gid=$(id -g "$LEASH_USER" 2>/dev/null) &&
		leash_can "$uid" "$gid" "$@"; then
		LEASH_AS=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
		LEASH_UID=$uid
		# The pool: uids no account has, that can read the toolkit (a
		# container may not map them), and flock to hold them.
		if [[ $LEASH_UIDS =~ ^([0-9]+)-([0-9]+)$ ]] &&
			command -v flock >/dev/null &&
			mkdir -p "$LEASH_LOCKS" 2>/dev/null; then
			first=${BASH_REMATCH[1]} last=${BASH_REMATCH[2]}
			for ((uid = first; uid <= last; uid++)); do
				getent passwd "$uid" >/dev/null && continue
				LEASH_POOL+=("$uid")
			done
			((${#LEASH_POOL[@]} == 0)) ||
				leash_can "${LEASH_POOL[0]}" "${LEASH_POOL[0]}" "$@" ||
				LEASH_POOL=()
		fi
	fi
	if [[ $(id -u) == 0 ]]; then
		LEASH_NS=(unshare --pid --fork --mount-proc --kill-child)
	else
		LEASH_NS=(unshare --map-current-user --pid --fork --mount-proc
			--kill-child)
	fi
	command -v unshare >/dev/null && "${LEASH_NS[@]}" true 2>/dev/null ||
		LEASH_NS=()

	local root_how="student code ran as root: the process limit is not"
	if ((${#LEASH_POOL[@]})); then
		LEASH_HOW="student code ran as a user of its own for each run"
		LEASH_HOW+=" (uids $LEASH_UIDS)"
	elif ((${#LEASH_AS[@]})); then
		LEASH_HOW="student code ran as user $LEASH_USER"
	elif [[ $LEASH_UID != 0 ]]; then
		LEASH_HOW="student code ran as user $(id -un)"
	elif [[ -z $LEASH_USER || $LEASH_USER == root ]]; then
		LEASH_HOW="$root_how enforced (LEASH_USER=$LEASH_USER)"
	else
		LEASH_HOW="$root_how enforced (user $LEASH_USER cannot read"
		LEASH_HOW+=" the toolkit: make it readable by all)"
	fi
	if ((${#LEASH_NS[@]})); then
		LEASH_HOW+=", in a PID namespace of its own"
	else
		LEASH_HOW+=", without a PID namespace"
		LEASH_HOW+=" (leftovers are found by their environment)"
	fi
	LEASH_HOW+="; limits: ${LEASH_CPU} s CPU a process,"
	LEASH_HOW+=" $LEASH_PROCS processes, $LEASH_FILES open files,"
	LEASH_HOW+=" files up to $LEASH_FSIZE MiB"
	((LEASH_MEMORY > 0)) && LEASH_HOW+=", $LEASH_MEMORY MiB of memory"
	return 0
}

# leash_owns DIR...: make DIR writable by the users runs drop to: by
# every user, sticky, as /tmp (a file is its owner's to change), when
# runs have users of their own; else owned by the one user.
leash_owns() {
	if ((${#LEASH_POOL[@]})); then
		chmod 1777 "$@"
	elif ((${#LEASH_AS[@]})); then
		chown "$LEASH_UID" "$@"
	fi
}

# leash_take: pick a uid of the pool for this run and hold it, setting
# LEASH_RUN_AS, LEASH_RUN_UID and LEASH_RUN_FD (its lock, to close when
# the run is over).  A uid still running a process (another run's, that
# outlived it) is passed over.  With the pool busy, waits for one.
leash_take() {
	local uid fd
	LEASH_RUN_AS=("${LEASH_AS[@]}") LEASH_RUN_UID=$LEASH_UID LEASH_RUN_FD=
	((${#LEASH_POOL[@]})) || return 0
	for uid in "${LEASH_POOL[@]}" ""; do
		if [[ -z $uid ]]; then	# all busy: wait for one
			uid=${LEASH_POOL[RANDOM % ${#LEASH_POOL[@]}]}
			exec {fd}>>"$LEASH_LOCKS/$uid"
			flock "$fd"
			break
		fi
		exec {fd}>>"$LEASH_LOCKS/$uid" || continue
		if flock -n "$fd" && (($(leash_tasks "$uid") == 0)); then
			break
		fi
		exec {fd}>&-
	done
	LEASH_RUN_AS=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
	LEASH_RUN_UID=$uid LEASH_RUN_FD=$fd
}

# The number of tasks (processes and threads: both count for
# RLIMIT_NPROC) that user $1 runs now.
leash_tasks() {
	grep -hs '^Uid:' /proc/[0-9]*/task/[0-9]*/status |
		awk -v uid="$1" '$2 == uid { n++ } END { print n + 0 }'
}

# leash_sweep MARK: kill every process whose environment holds the mark,
# again and again until none is left (a forking process makes new ones).
leash_sweep() {
	local round pids
	for ((round = 0; round < 100; round++)); do
		pids=$(grep -lsxzF "LAB_LEASH=$1" /proc/[0-9]*/environ |
			cut -d/ -f3)
		[[ -z $pids ]] && return 0
		# shellcheck disable=SC2086 # one word a pid
		kill -KILL $pids 2>/dev/null
	done
	echo "leash: processes of a run ($1) could not be killed: $pids" >&2
	return 1
}

# leash_limit -X VALUE: lower limit X (soft and hard, so student code
# cannot raise it again) to VALUE, unless it is already lower.
leash_limit() {
	local hard
	hard=$(ulimit -H "$1")
	[[ $hard != unlimited ]] && (($2 >= hard)) && return 0
	ulimit "$1" "$2"
}

# leash_run LIMIT CMD...: run CMD confined as above, its stdin from
# /dev/null, its stdout and stderr the caller's.  Returns CMD's status
# (124 if it ran out of time).
leash_run() {
	local limit=$1 mark status=0 procs
	local -a LEASH_RUN_AS
	local LEASH_RUN_UID LEASH_RUN_FD
	shift
	mark=run-$$-$BASHPID-$RANDOM$RANDOM$RANDOM
	leash_take
	procs=$(($(leash_tasks "$LEASH_RUN_UID") + LEASH_PROCS))
	(
		export LAB_LEASH=$mark
		leash_limit -c 0 && leash_limit -n "$LEASH_FILES" &&
			leash_limit -f $((LEASH_FSIZE * 1024)) &&
			leash_limit -u "$procs" || exit 125
		# The soft limit only: the sanitized builds of the exercises
		# (tests/sanitized.bash) lift it, as AddressSanitizer reserves
		# terabytes of address space (not memory).
		if ((LEASH_MEMORY > 0)) && { [[ $(ulimit -H -v) == unlimited ]] ||
			((LEASH_MEMORY * 1024 < $(ulimit -H -v))); }; then
			ulimit -S -v $((LEASH_MEMORY * 1024)) || exit 125
		fi
		# Soft CPU limit a second below the hard one, so a spinning
		# program gets SIGXCPU (a named crash) before SIGKILL.
		leash_limit -t $((LEASH_CPU + 1)) &&
			ulimit -S -t "$LEASH_CPU" || exit 125
		# The uid's lock is ours (our caller's), not the student's.
		[[ -z $LEASH_RUN_FD ]] || exec {LEASH_RUN_FD}>&-
		# KILL, as unshare blocks TERM and the namespace's first
		# process (the innermost bash) ignores it; when that process
		# ends, the kernel ends everything else in the namespace.
		# --foreground: only the session leader gets the signal
		# (timeout would otherwise kill its own process group too).
		exec timeout --foreground -s KILL "$limit" \
			setsid "${LEASH_NS[@]}" \
			"${LEASH_RUN_AS[@]}" bash -c '"$@"; exit' leash "$@" \
			</dev/null
	) || status=$?
	leash_sweep "$mark"
	[[ -z $LEASH_RUN_FD ]] || exec {LEASH_RUN_FD}>&-
	return "$status"
}
