#!/usr/bin/env bats
# tests/grade.bats - the grader's own tests: make grade, make grade-all and
# the score table, on submissions made here from the starters and
# solutions of the first lessons (fully solved, untouched starters, one
# lesson solved and one that does not compile), and on a made-up toolkit
# whose lessons do what real ones must not (weird bytes, points tags,
# skips, hanging, crashing, a fork bomb, a disk filler, daemons), and on
# attacks: submissions that try to forge, steal or stall their grade, or
# to lower a neighbour's (as root, where the leash can hold them).
#
# Every grading runs once, side by side, in setup_file; the tests read
# their reports (all but the one of two gradings under one name, which
# runs its own).  Lessons are taken from the Makefile's list (L1, L2: the
# first two), so nothing here depends on what a lesson tests.
# Validating results.json and junit.xml needs jq and xmllint
# (libxml2-utils); those tests skip without them.

setup_file() {
	load helper
	lab_setup_file
	# shellcheck disable=SC2016 # for make
	read -ra all <<<"$(gmake -f Makefile -f - print-lessons \
		<<<'print-lessons: ; @echo $(LESSONS)')"
	export L1=${all[0]} L2=${all[1]:-}
	# How many exercise tests each has: every grading here grades those.
	export L1_TESTS L2_TESTS=0
	L1_TESTS=$(bats_count "$L1" --filter-tags exercise)
	[[ -z $L2 ]] || L2_TESTS=$(bats_count "$L2" --filter-tags exercise)
	export GT=$LAB_ROOT/build/grade-test.$$
	rm -rf "$GT" && mkdir -p "$GT/work"
	export GRADE_WORK=$GT/work LAB_BATS=$BATS_ROOT/bin/bats
	make_submissions
	make_kit
	# The made-up toolkit's runs have tiny limits, to be quick.
	LEASH_FSIZE=1 LEASH_CPU=1 grade_kit \
		>"$GT/kit.log" 2>&1 3>&- 4>&- &
	grade_class "$GT/class" "${L1%%-*}" "" exercise \
		>"$GT/class.log" 2>&1 3>&- 4>&- &
	if [[ -n $L2 ]]; then
		STRICT=1 grade_one "$GT/broken" "${L1%%-*} ${L2%%-*}" \
			>"$GT/broken.log" 2>&1 3>&- 4>&- &
	fi
	if jailed; then
		make_attacks
		# A small memory cgroup, for the memory hog to meet.
		LEASH_MEMORY=128 LAB_TIMEOUT=5 JOBS=3 grade_class \
			"$GT/attacks" "${L1%%-*}" "$(first_exercises 3)" exercise \
			>"$GT/attacks.log" 2>&1 3>&- 4>&- &
		# The forger again, as on a machine without namespaces.
		mkdir -p "$GT/plain"
		cp -R "$GT/attacks/forge" "$GT/attacks/starter" "$GT/plain/"
		LEASH_NAMESPACES=0 grade_class "$GT/plain" "${L1%%-*}" \
			"$(first_exercises 3)" exercise >"$GT/plain.log" 2>&1 \
			3>&- 4>&- &
	fi
	wait
}

# first_exercises N: a regular expression for the names of L1's first N
# exercise tests (the untouched starter fails them), to be quick.
first_exercises() {
	local names
	names=$(awk '/^# bats test_tags=.*exercise/ { getline
			sub(/^@test "/, ""); sub(/" \{$/, ""); print }' \
		"$LAB_ROOT/tests/$L1.bats" | head -n "$1" |
		sed 's/[][\.*^$()+?{}|/]/\\&/g' | paste -sd'|')
	printf '^(%s)$\n' "$names"
}

# jailed: can the grader separate tests and student code here?  (Root,
# namespaces, the pool's uids.)  The attacks are graded only then:
# elsewhere the report's Leash: line says they are not held, and some
# (killing every process they can see) must not run as a real user.
jailed() {
	[[ $(id -u) == 0 ]] && command -v unshare setpriv >/dev/null &&
		unshare --net --mount --pid --fork true 2>/dev/null &&
		! getent passwd 65533 >/dev/null
}

teardown_file() {
	[[ -n ${GRADE_TEST_KEEP:-} ]] || rm -rf "$GT"	# keep it to look
}

setup() {
	load helper
	bats_require_minimum_version 1.5.0
}

# ---- making submissions ----------------------------------------------

# src TREE LESSON: the lesson's folder in the toolkit's TREE.
src() {
	printf '%s\n' "$LAB_ROOT/$1/$2"
}

make_submissions() {
	local c=$GT/class p1
	p1=$(basename "$(echo "$(src lessons "$L1")"/*.c)")
	# A class of two: the folder names need quoting in grades.csv.
	mkdir -p "$c/jo, solved" "$c/starter/lessons"
	cp -R "$(src solutions "$L1")" "$c/jo, solved/"
	cp -R "$(src lessons "$L1")" "$c/starter/lessons/"
	echo "a repository copy has other files too" >"$c/starter/README.md"
	# Names that clash: with each other (both are x_y), with the grade
	# book.  Empty: they would be graded "missing" at once.
	mkdir -p "$c/x y" "$c/x_y" "$c/grades.csv"
	[[ -n $L2 ]] || return 0
	# Lesson 1 uploaded as a bare file that does not compile; lesson 2 done.
	mkdir -p "$GT/broken"
	{
		cat "$(src solutions "$L1")/$p1"
		echo "int oops = ;"
	} >"$GT/broken/$p1"
	cp -R "$(src solutions "$L2")" "$GT/broken/"
	# A folder with a link out of the submission, which must not be copied.
	ln -s /etc/passwd "$GT/broken/$L2/passwd"
}

# clean [--exec] CMD...: run CMD in an environment as a user's shell has
# it, not bats' (its variables and exported functions confuse a bats run
# inside) nor make test's (its make flags), with only these settings
# passed on.  --exec: in place of this shell.
clean() {
	local -a keep=()
	local name how=
	[[ $1 != --exec ]] || { how='exec' && shift; }
	for name in PATH HOME TMPDIR LANG LC_ALL CC SANITIZE STRICT LAB_OUT JOBS \
		SUBMISSION SCORE_JOBS LAB_TIMEOUT LAB_BATS BATS_LIB_PATH BATS_TEST_TIMEOUT \
		$(compgen -v GRADE_) $(compgen -v LEASH_); do
		[[ -n ${!name+set} ]] && keep+=("$name=${!name}")
	done
	$how env -i "${keep[@]}" "$@"
}

# The grader as users run it.
gmake() {
	clean make -s -C "$LAB_ROOT" --no-print-directory "$@"
}

# grade_class DIR LESSONS FILTER TAGS: make grade-all into DIR.out.
grade_class() {
	find "$1" -type f -exec md5sum {} + | sort >"$1.sums"
	local status=0
	gmake grade-all SUBMISSIONS="$1" OUT="$1.out" LESSONS="$2" \
		FILTER="$3" TAGS="$4" || status=$?
	echo "status $status" >"$1.status"
	find "$1" -type f -exec md5sum {} + | sort >"$1.sums-after"
}

# grade_one DIR LESSONS: make grade into DIR.out, exercise tests only.
grade_one() {
	local status=0
	gmake grade SUBMISSION="$1" OUT="$1.out" LESSONS="$2" TAGS=exercise ||
		status=$?
	echo "status $status" >"$1.status"
}


# ---- attacks -------------------------------------------------------------
# A class of submissions of lesson L1, each the untouched starter with one
# attack added (in a constructor, which runs before main, in every run of
# the program; or in the files handed in): had the attack worked, it would
# score more than the starter.  `victim` is the solved lesson, graded
# beside them: it must keep full marks.  SECRET is a root-only file they
# try to read.

# attack NAME CODE: a submission NAME, the starter with CODE appended.
attack() {
	local dir=$GT/attacks/$1/$L1
	mkdir -p "$dir"
	cp "$(src lessons "$L1")/$P1.c" "$dir/"
	printf '%s\n' "$2" >>"$dir/$P1.c"
}

make_attacks() {
	export P1 SECRET
	P1=$(basename "$(echo "$(src lessons "$L1")"/*.c)" .c)
	local a=$GT/attacks ref=$LAB_ROOT/solutions/$L1/$P1.c
	mkdir -p "$a/starter" "$a/victim"
	cp -R "$(src lessons "$L1")" "$a/starter/"
	cp -R "$(src solutions "$L1")" "$a/victim/"
	SECRET=$GT/secret
	echo "TOPSECRET-$$-root-only" >"$SECRET"
	chmod 0600 "$SECRET"

	# 1. Compile the reference (by its path, relative through -Icommon
	# or absolute) or a neighbour's copy or original, if it can be read;
	# else the starter.
	local starter
	starter=$(cat "$(src lessons "$L1")/$P1.c")
	mkdir -p "$a/include/$L1"
	printf '%s\n' "#if __has_include(\"../solutions/$L1/$P1.c\")" \
		"#include \"../solutions/$L1/$P1.c\"" \
		"#elif __has_include(\"$ref\")" "#include \"$ref\"" \
		"#elif __has_include(\"$GT/work/victim/src/$L1/$P1.c\")" \
		"#include \"$GT/work/victim/src/$L1/$P1.c\"" \
		"#elif __has_include(\"$a/victim/$L1/$P1.c\")" \
		"#include \"$a/victim/$L1/$P1.c\"" \
		"#else" "$starter" "#endif" >"$a/include/$L1/$P1.c"

	# 2. Run the reference binary instead, wherever it may be, or the
	# neighbour's.
	attack exec-reference '
#include <stdlib.h>
#include <unistd.h>
__attribute__((constructor)) static void attack(int argc, char **argv)
{
	const char *dirs[] = { getenv("SOLUTION_BIN"), getenv("LAB_OUT"),
		"'"$LAB_OUT/solutions"'" };
	char path[4096];
	int i;

	(void)argc;
	execv("'"$GT/work/victim/bin/$L1/$P1"'", argv);
	for (i = 0; i < 3; i++) {
		if (dirs[i] == NULL)
			continue;
		snprintf(path, sizeof path, "%s/'"$L1/$P1"'", dirs[i]);
		execv(path, argv);
		snprintf(path, sizeof path, "%s/solutions/'"$L1/$P1"'", dirs[i]);
		execv(path, argv);
	}
}'

	# 3. Forge the results: write "ok" lines for every test into every
	# descriptor of every process it can see (bats'"'"' TAP among them),
	# trace and kill them.
	attack forge '
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <unistd.h>
static void forge(int fd)
{
	char line[64];
	int k;

	for (k = 1; k <= 40; k++) {
		int n = snprintf(line, sizeof line, "ok %d forged\n", k);
		if (write(fd, line, (size_t)n) < 0)
			return;
	}
}
__attribute__((constructor)) static void attack(void)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	char path[512];
	int fd;

	for (fd = 3; fd < 1024; fd++)
		forge(fd);
	while (proc != NULL && (p = readdir(proc)) != NULL) {
		pid_t pid = (pid_t)atoi(p->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		ptrace(PTRACE_ATTACH, pid, NULL, NULL);
		snprintf(path, sizeof path, "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds != NULL && (f = readdir(fds)) != NULL) {
			snprintf(path, sizeof path, "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			fd = open(path, O_WRONLY | O_NONBLOCK);
			if (fd >= 0) {
				forge(fd);
				close(fd);
			}
		}
		if (fds != NULL)
			closedir(fds);
		if (pid != getppid())
			kill(pid, SIGKILL);
	}
}'

	# 4. Links: the lesson folder, lessons/ and the bare program, each a
	# link to the reference; and links and a hard link to a root-only
	# file and to /proc/self/environ, to be quoted in the reports.
	mkdir -p "$a/links" "$a/leak/$L1"
	ln -s "$LAB_ROOT/solutions/$L1" "$a/links/$L1"
	ln -s "$LAB_ROOT/solutions" "$a/links/lessons"
	ln -s "$ref" "$a/links/$P1.c"
	cp "$(src lessons "$L1")/$P1.c" "$a/leak/$L1/"
	ln -s "$SECRET" "$a/leak/$L1/secret.h"
	ln -s /proc/self/environ "$a/leak/$L1/environ.h"
	ln "$SECRET" "$a/leak/$L1/hard.h"
	mkfifo "$a/leak/$L1/fifo"
	printf '#include "secret.h"\n#include "hard.h"\n#include "environ.h"\n' \
		>>"$a/leak/$L1/$P1.c"
	mkdir -p "$a/leak-bare"
	ln "$SECRET" "$a/leak-bare/$P1.c"

	# 5. Stall: every run hangs (the constructor never returns).
	attack hang '
#include <unistd.h>
__attribute__((constructor)) static void attack(void)
{
	for (;;)
		pause();
}'

	# 6. Neighbours: overwrite the victim'"'"'s program, hold every lock it
	# can open, leave files in /tmp, /var/tmp and /dev/shm, bind ports,
	# take more memory than the run has, and leave daemons holding it all.
	attack neighbour '
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
__attribute__((constructor)) static void attack(void)
{
	const char *files[] = { "'"$GT/work/victim/bin/$L1/$P1"'",
		"'"$GT/attacks.out/victim/results.json"'",
		"'"$GT/attacks.out/grades.csv"'" };
	const char *locks[] = { "/run/tcp-labs-leash/65520",
		"/run/tcp-labs-leash/65521", "'"$GT/work/victim.lock"'" };
	const char *litter[] = { "/tmp/litter-'"$$"'",
		"/var/tmp/litter-'"$$"'", "/dev/shm/litter-'"$$"'" };
	struct sockaddr_in sin;
	int i, fd;

	for (i = 0; i < 3; i++) {
		fd = open(files[i], O_WRONLY | O_TRUNC);
		if (fd >= 0)
			write(fd, "owned\n", 6);
		fd = open(locks[i], O_RDONLY);
		if (fd >= 0)
			flock(fd, LOCK_EX | LOCK_NB);
		fd = open(litter[i], O_WRONLY | O_CREAT, 0666);
	}
	for (i = 0; i < 300; i++) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((unsigned short)(32768 + i));
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0)
			listen(fd, 1);
	}
	for (i = 0; i < 4; i++) {
		if (fork() == 0) {
			char *p = malloc(48 << 20);
			setsid();
			if (p != NULL)
				memset(p, 1, 48 << 20);
			for (;;)
				pause();
		}
	}
}'
}

# ---- a made-up toolkit ---------------------------------------------------

# make_kit: $GT/kit, the grader's scripts with two lessons of its own:
# 98-alpha (points, skips, weird output, a test over its time) and
# 99-beta (a fork bomb, a disk filler, a busy loop, a hang, a crash,
# daemons).
make_kit() {
	local k=$GT/kit
	mkdir -p "$k/tests" "$k/grader" "$k/lessons/98-alpha" \
		"$k/lessons/99-beta" "$GT/kitsub/alpha/98-alpha" \
		"$GT/kitsub/alpha/99-beta"
	cp -p "$LAB_ROOT"/tests/*.bash "$k/tests/"
	cp -p "$LAB_ROOT"/grader/*.bash "$k/grader/"
	cat >"$k/lessons/98-alpha/alpha.c" <<-'EOF'
	#include <stdio.h>
	#include <string.h>

	int main(int argc, char **argv)
	{
		static const char weird[] = "nul \0 bad \xff\xfe esc \x1b[31m"
			" quote \" back \\ lt < amp & cr \r tab \t bell \a end";

		if (argc > 1 && strcmp(argv[1], "weird") == 0) {
			fwrite(weird, 1, sizeof weird - 1, stdout);
			return 1;
		}
		puts("hello");
		return 0;
	}
	EOF
	cat >"$k/lessons/99-beta/beta.c" <<-'EOF'
	#include <fcntl.h>
	#include <stdio.h>
	#include <signal.h>
	#include <string.h>
	#include <unistd.h>

	int main(int argc, char **argv)
	{
		static char block[65536];
		int n = 0;
		FILE *f;

		if (argc > 1 && strcmp(argv[1], "fork") == 0) {
			pid_t pid = 0;

			while (n < 1000 && (pid = fork()) > 0)
				n++;
			if (pid == 0) {	/* a child: wait to be killed */
				close(1);
				close(2);
				pause();
			}
			printf("forked %d\n", n);
			return n < 1000 ? 0 : 1;	/* 1: nothing stopped it */
		}
		if (argc > 1 && strcmp(argv[1], "fill") == 0) {
			f = tmpfile();	/* gone when it ends, however */
			for (n = 0; f != NULL && n < 8192; n++)
				fwrite(block, 1, sizeof block, f);
		}
		if (argc > 1 && strcmp(argv[1], "fds") == 0) {
			for (n = 0; n < 1024; n++)
				if (fcntl(n, F_GETFD) >= 0)
					printf("%d ", n);
			puts("open");
		}
		if (argc > 1 && strcmp(argv[1], "spin") == 0)
			for (;;)
				n++;
		if (argc > 1 && strcmp(argv[1], "hang") == 0)
			for (;;)
				pause();
		if (argc > 1 && strcmp(argv[1], "crash") == 0)
			raise(SIGSEGV);
		if (argc > 1 && strcmp(argv[1], "serve") == 0) {
			puts("listening on 127.0.0.1:9");
			fflush(stdout);
			if (fork() == 0)	/* keeps the server's stdout */
				setsid();
			for (;;)
				pause();
		}
		if (argc > 1 && strcmp(argv[1], "daemon") == 0) {
			if (fork() == 0) {	/* keeps stdout: the test's */
				setsid();
				for (;;)
					pause();
			}
			puts("parent done");
		}
		if (argc > 1 && strcmp(argv[1], "vanish") == 0) {
			if (fork() == 0) {	/* a real daemon: no fd, no group */
				setsid();
				for (n = 0; n < 1024; n++)
					close(n);
				for (;;)
					pause();
			}
			puts("parent done");
		}
		return 0;
	}
	EOF
	# (TEST, not the real word: bats would take these lines for its own.)
	sed 's/^TEST /@test /' >"$k/tests/98-alpha.bats" <<-'EOF'
	# A test time limit of its own (bats reads it after loading the file),
	# to be quick; none where the grader runs bats without one.
	[[ -z ${BATS_TEST_TIMEOUT:-} ]] || BATS_TEST_TIMEOUT=2
	setup() { load helper; lab_setup 98-alpha alpha; }
	teardown() { lab_teardown; }
	# bats test_tags=points:3
	TEST "says hello" { run alpha; assert_output hello; }
	TEST "prints weird bytes and fails" { run alpha weird; assert_success; }
	# bats test_tags=points:2
	TEST "skips" { skip "the machine lacks a tool"; }
	TEST "runs over its time" {
		[[ -n ${BATS_TEST_TIMEOUT:-} ]] || skip "no test time limit"
		sleep 20
	}
	EOF
	sed 's/^TEST /@test /' >"$k/tests/99-beta.bats" <<-'EOF'
	setup() { load helper; lab_setup 99-beta beta; }
	teardown() { lab_teardown; }
	TEST "a fork bomb meets the process limit" {
		[[ $(id -u) != 0 ]] || skip "root: no process limit"
		run beta fork
		assert_success
	}
	TEST "a disk filler meets the file size limit" {
		run beta fill
		assert_success
	}
	TEST "a busy loop meets the CPU limit" { run beta spin; assert_success; }
	TEST "hangs" { LAB_TIMEOUT=1 run beta hang; assert_success; }
	TEST "crashes" { run beta crash; assert_success; }
	TEST "a daemon keeping the test's output does not stall it" {
		run beta daemon
		assert_output "parent done"
	}
	TEST "a daemon that closes every fd is not left running" {
		run beta vanish
		assert_output "parent done"
	}
	TEST "a server's daemon keeping its output does not stall it" {
		start_server "$PROG" serve
		stop_server
		assert_equal "$SERVER_STATUS" 143
	}
	TEST "gets no descriptor but 0, 1 and 2" {
		exec 7</dev/null
		run beta fds
		exec 7<&-
		assert_output "0 1 2 open"
	}
	EOF
	cp "$k/lessons/98-alpha/alpha.c" "$GT/kitsub/alpha/98-alpha/"
	cp "$k/lessons/99-beta/beta.c" "$GT/kitsub/alpha/99-beta/"
}

grade_kit() {
	local status=0
	find "$GT/kitsub" -type f -exec md5sum {} + | sort >"$GT/kit.sums"
	SUBMISSION=$GT/kitsub/alpha \
		GRADE_LESSONS="98-alpha 99-beta" \
		GRADE_OUT=$GT/kit.out GRADE_CC=${CC:-cc} \
		GRADE_CPPFLAGS="-D_POSIX_C_SOURCE=200809L" \
		GRADE_CFLAGS="-std=c11 -O2" GRADE_COMMON= \
		LAB_OUT=$LAB_OUT clean "$GT/kit/grader/grade.bash" || status=$?
	echo "status $status" >"$GT/kit.status"
	find "$GT/kitsub" -type f -exec md5sum {} + | sort >"$GT/kit.sums-after"
}

# ---- reading the reports -------------------------------------------------

# score OUT LESSON: "SCORE MAX" of LESSON in OUT/scores.tsv.
score() {
	awk -F'\t' -v l="$2" '$1 == l { print $2, $3 }' "$1/scores.tsv"
}

# result OUT LESSON NAME-PATTERN: status and why of the matching tests.
result() {
	awk -F'\t' -v l="$2" -v n="$3" '$1 == l && $8 ~ n { print $3 ": " $7 }' \
		"$1/tests.tsv"
}

# left_running DIR: the processes (not zombies) whose program is in DIR,
# "PID PROGRAM" a line.  (A zombie has no /proc/PID/exe to match.)
left_running() {
	find /proc/[0-9]*/exe -maxdepth 0 -lname "$1/*" -printf '%h %l\n' \
		2>/dev/null | sed 's|^/proc/||'
}

# The number of tests of LESSON that bats selects with these options.
bats_count() {
	local lesson=$1
	shift
	"$BATS_ROOT/bin/bats" --count "$@" "$LAB_ROOT/tests/$lesson.bats"
}

valid_json() {
	command -v jq >/dev/null || skip "needs jq (apt-get install jq)"
	jq -e '.score != null and (.tests | type == "array")' "$1" >/dev/null ||
		fail "$1 is not valid JSON: $(jq . "$1" 2>&1 | tail -3)"
}

valid_xml() {
	command -v xmllint >/dev/null ||
		skip "needs xmllint (apt-get install libxml2-utils)"
	run xmllint --noout "$1"
	assert_success
}

# ---- a class: fully solved and untouched ---------------------------------
# (Exercise tests only, to be quick.  That a submission with every lesson
# solved gets full marks on every test is .ci/run's `make grade
# SUBMISSION=solutions STRICT=1`; that a starter passes every test but
# the exercises is tests/prove.bash's.)

@test "grade-all: a fully solved submission gets full marks" {
	assert_equal "$(cat "$GT/class.status")" "status 0"
	local out=$GT/class.out/jo__solved
	read -r got max < <(score "$out" "$L1")
	assert_equal "$got" "$max"
	grep -q points: "$LAB_ROOT/tests/$L1.bats" ||
		assert_equal "$max" "$L1_TESTS"
	run cat "$out/report.txt"
	assert_line --regexp "^$L1 +$max / $max +done"
	assert_line --regexp "^total +$max / $max$"
}

@test "grade-all: the untouched starter loses exercise tests, one line each" {
	local out=$GT/class.out/starter
	read -r got max < <(score "$out" "$L1")
	((got < max)) || fail "the untouched starter scored $got of $max"
	run grep -c $'\tfailed\t' "$out/tests.tsv"
	assert_equal "$output" "$((max - got))"
	run cat "$out/report.txt"
	assert_line --regexp "^$L1 +$got / $max +$((max - got)) failed"
}

@test "grade-all: grades.csv has a row a submission, names quoted" {
	run cat "$GT/class.out/grades.csv"
	assert_line --index 0 "submission,$L1,total,max"
	local solved starter
	read -r solved max < <(score "$GT/class.out/jo__solved" "$L1")
	read -r starter _ < <(score "$GT/class.out/starter" "$L1")
	assert_line --index 1 "grades.csv,,,"
	assert_line --index 2 "\"jo, solved\",$solved,$solved,$max"
	assert_line --index 3 "starter,$starter,$starter,$max"
	assert_line --index 4 "x y,0,0,$max"
	assert_line --index 5 "x_y,,,"
	assert_equal "${#lines[@]}" 6
}

@test "grade-all: clashing names are reported for that submission only" {
	run cat "$GT/class.log"
	assert_line --regexp "^  grades.csv +not graded: its name 'grades.csv' is one of the grader's own files: rename it$"
	assert_line --regexp "^  x_y +not graded: graded as 'x_y' like x y: rename one$"
	assert_line --regexp "^  x_y +0 / [0-9]+$"
	assert_line --regexp "^  starter +[0-9]+ / [0-9]+$"
	[[ -f $GT/class.out/grades.csv ]]
}

@test "grading never changes the submission" {
	run diff "$GT/class.sums" "$GT/class.sums-after"
	assert_success
	run diff "$GT/kit.sums" "$GT/kit.sums-after"
	assert_success
	[[ -s $GT/class.sums ]]
}

@test "results.json is valid JSON in Gradescope's shape" {
	local out=$GT/class.out/starter
	valid_json "$out/results.json"
	run jq -r '[.score, (.tests | length), (.tests[0] | [has("name",
		"score", "max_score", "status", "output")] | all)] | @tsv' \
		"$out/results.json"
	read -r got _ < <(score "$out" "$L1")
	assert_output "$got	$L1_TESTS	true"
	run jq -r '[.tests[] | select(.status == "failed")] | length' \
		"$out/results.json"
	assert_output "$(grep -c $'\tfailed\t' "$out/tests.tsv")"
}

@test "junit.xml is valid XML with a testcase a test" {
	valid_xml "$GT/class.out/starter/junit.xml"
	run grep -c '<testcase ' "$GT/class.out/starter/junit.xml"
	assert_output "$L1_TESTS"
	valid_xml "$GT/class.out/jo__solved/junit.xml"
}

@test "the raw TAP is kept" {
	run head -1 "$GT/class.out/starter/tap/$L1.tap"
	assert_output "1..$L1_TESTS"
}

# ---- on a leash: hangs, crashes, daemons ---------------------------------

@test "a program that hangs is killed at its limit and the test says so" {
	assert_equal "$(cat "$GT/kit.status")" "status 0"
	run result "$GT/kit.out" 99-beta '^hangs$'
	assert_output --regexp '^failed: timed out'
	run grep -h 'did not finish within 1 s' "$GT/kit.out/results.json"
	assert_success
}

@test "a program that crashes is reported with its signal's name" {
	run result "$GT/kit.out" 99-beta '^crashes$'
	# Under SANITIZE=1, AddressSanitizer catches the SIGSEGV and aborts.
	assert_output --regexp '^failed: crashed with SIG(SEGV|ABRT)$'
	run grep -cE 'crashed with SIG(SEGV|ABRT)' "$GT/kit.out/junit.xml"
	assert_success
}

@test "a daemon the program leaves running is killed; its test still passes" {
	run result "$GT/kit.out" 99-beta 'closes every fd'
	assert_output "passed: passed"
	run left_running "$GT"
	assert_output ""
	# The check can fail: the same program run here, without the
	# grader (nor bounded, which would kill the daemon if it had not
	# left the process group yet), leaves its daemon behind.
	local bin=$GT/work/alpha/bin/99-beta/beta
	timeout -k 1 "$LAB_TIMEOUT" "$bin" vanish >/dev/null
	run left_running "$GT/work/alpha"
	assert_output --partial "$bin"
	kill -KILL "${output%% *}"
}

@test "nothing of any submission is left running" {
	run left_running "$GT"
	assert_output ""
}


# ---- attacks: what they got ----------------------------------------------

# attack_score NAME: its score on L1 ("" if it was not graded).
attack_score() {
	awk -F'\t' -v l="$L1" '$1 == l { print $2 }' \
		"$GT/attacks.out/$1/scores.tsv" 2>/dev/null
}

require_attacks() {
	[[ -f $GT/attacks.status ]] ||
		skip "the grader cannot separate tests and student code here (not root, or no namespaces)"
}

@test "attacks: none scores more than the untouched starter" {
	require_attacks
	assert_equal "$(cat "$GT/attacks.status")" "status 0"
	local starter name got
	starter=$(attack_score starter)
	[[ -n $starter ]]
	for name in include exec-reference forge links leak leak-bare hang \
		neighbour; do
		got=$(attack_score "$name")
		[[ -n $got ]] || fail "$name was not graded"
		((got <= starter)) ||
			fail "$name scored $got, the untouched starter $starter"
	done
}

@test "attacks: without namespaces, tests and student code still run as two users" {
	require_attacks
	run cat "$GT/plain.out/forge/report.txt"
	assert_line --partial "through grader/jail"
	assert_line --partial "Not isolated: no namespaces here"
	local starter got
	starter=$(awk -F'\t' '{ print $2 }' "$GT/plain.out/starter/scores.tsv")
	got=$(awk -F'\t' '{ print $2 }' "$GT/plain.out/forge/scores.tsv")
	((got <= starter)) || fail "forge scored $got, the starter $starter"
	run grep -c forged "$GT/plain.out/forge/tap/$L1.tap"
	assert_output 0
}

@test "attacks: a neighbour that attacks cannot lower the victim's score" {
	require_attacks
	read -r got max < <(score "$GT/attacks.out/victim" "$L1")
	assert_equal "$got" "$max"
	run grep -c owned "$GT/attacks.out/victim/results.json"
	assert_output 0
}

@test "attacks: the reference and the neighbours cannot be included" {
	require_attacks
	# They compiled (the starter), and pass what the starter passes.
	local name starter
	starter=$(grep -c '^ok ' "$GT/attacks.out/starter/tap/$L1.tap" || true)
	run grep -c '^ok ' "$GT/attacks.out/include/tap/$L1.tap"
	assert_output "$starter"
}

@test "attacks: no link is followed, and each is named in the report" {
	require_attacks
	run cat "$GT/attacks.out/links/report.txt"
	assert_line --regexp "^$L1 +0 / [0-9]+ +missing"
	run cat "$GT/attacks.out/links/grade.log"
	assert_output --partial "$GT/attacks/links/$L1 is a link: not followed."
	assert_output --partial "$GT/attacks/links/lessons is a link: not followed."
	assert_output --partial "$GT/attacks/links/$P1.c is a link: not followed."
	run cat "$GT/attacks.out/leak/build/$L1.log"
	assert_line "not copied (a link, not followed): secret.h"
	assert_line "not copied (a link, not followed): environ.h"
	assert_line "not copied (a hard link: a second name of a file): hard.h"
	assert_line "not copied (not a regular file): fifo"
}

@test "attacks: nothing outside a submission is read through it" {
	require_attacks
	run grep -rl "TOPSECRET" "$GT/attacks.out" "$GT/work"
	assert_output ""
	[[ ! -e $GT/work/leak/src/$L1/secret.h && ! -e $GT/work/leak/src/$L1/hard.h ]]
	run cat "$GT/attacks.out/leak-bare/report.txt"
	assert_line --regexp "^$L1 +0 / [0-9]+ +did not compile"
}

@test "attacks: every test of a program that always hangs times out, and only the first two wait" {
	require_attacks
	local out=$GT/attacks.out/hang waited
	run cut -f7 "$out/tests.tsv"
	refute_line --regexp '^(passed|failed)$'
	assert_line "timed out"
	# ms: only LAB_HANGS_MAX (2) tests waited out the 5 s limit.
	waited=$(awk -F'\t' '$6 >= 5000' "$out/tests.tsv" | wc -l)
	((waited <= 2)) || fail "$waited tests waited for the hung program"
	run grep -c 'not run again, it timed out' "$out/results.json"
	refute_output 0
}

@test "attacks: nothing is left running or lying in /tmp, /var/tmp, /dev/shm" {
	require_attacks
	run left_running "$GT"
	assert_output ""
	run find /tmp /var/tmp /dev/shm -maxdepth 1 -name "litter-*"
	assert_output ""
	# The run's student users own nothing of the submissions once done
	# (but the sanitizers' reports of their programs, under SANITIZE=1).
	run find "$GT/work" -name sanitizer -prune -o -uid +65519 -uid -65534 \
		-print
	assert_output ""
}

@test "make grade stopped by SIGTERM stops everything it started, at once" {
	require_attacks
	# A pool of its own (uids nobody has), to tell its processes from
	# any other grading's; TMPDIR of its own, to see what is left.
	local pool=65500-65501 harness=65502 pid i status=0 tmp=$GT/kill.tmp
	mkdir -p "$tmp"
	(
		export LEASH_UIDS=$pool LEASH_HARNESS=$harness TMPDIR=$tmp \
			GRADE_NAME=killed
		clean --exec make -s -C "$LAB_ROOT" --no-print-directory grade \
			SUBMISSION="$GT/attacks/hang" OUT="$GT/killed.out" \
			LESSONS="${L1%%-*}"
	) >"$GT/killed.log" 2>&1 3>&- 4>&- &
	pid=$!	# make's
	# Wait (bounded: 45 s, for a loaded machine) for its tests to run:
	# bats has begun its report, as the tests' user.  (That user alone
	# is no sign: the leash first tries, for a moment, what it can read.)
	local tap=$GT/killed.out/tap/$L1.tap
	for ((i = 0; i < 900; i++)); do
		[[ -s $tap ]] && uid_running "$harness" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	[[ -s $tap ]] && uid_running "$harness" || {
		kill -TERM "$pid"
		fail "$(printf '%s\n' "the grading never ran its tests:" \
			"$(cat "$GT/killed.log")")"
	}
	kill -TERM "$pid"
	for ((i = 0; i < 200; i++)); do	# (bounded: 10 s at most)
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" &&
		fail "make grade still ran 10 s after SIGTERM"
	wait "$pid" || status=$?
	((status != 0)) || fail "make grade exited 0 when stopped"
	run uid_running 65500 65501 "$harness"
	assert_failure
	run left_running "$GT/work/killed"
	assert_output ""
	run ls -A "$tmp"
	assert_output ""
}

# uid_running UID...: does any of these users run a process?  (Not a
# zombie: it is dead, only not reaped yet by whoever inherited it.)
uid_running() {
	local uid file
	for uid in "$@"; do
		for file in $(grep -ls "^Uid:[[:blank:]]*${uid}[[:blank:]]" \
			/proc/[0-9]*/status); do
			grep -qs '^State:[[:blank:]]*Z' "$file" || return 0
		done
	done
	return 1
}

# ---- several lessons: one solved, one not compiling ----------------------

@test "a lesson that does not compile scores 0 with the compiler's message; the others are graded" {
	[[ -n $L2 ]] || skip "needs two lessons"
	# STRICT=1: make grade fails unless every test passed.
	assert_equal "$(cat "$GT/broken.status")" "status 2"
	read -r got1 max1 < <(score "$GT/broken.out" "$L1")
	read -r got2 max2 < <(score "$GT/broken.out" "$L2")
	assert_equal "$got1" 0
	assert_equal "$max1" "$L1_TESTS"
	assert_equal "$got2" "$max2"
	assert_equal "$max2" "$L2_TESTS"
	run cat "$GT/broken.out/report.txt"
	assert_line --regexp "^$L1 +0 / $max1 +did not compile"
	assert_line --regexp "^$L2 +$max2 / $max2 +done"
	assert_line --regexp "^total +$max2 / $((max1 + max2))$"
	assert_line --partial "error:"
	# The compiler's messages are the test's output (jq, where it is
	# installed, reads them from their place; else they are in the file).
	if command -v jq >/dev/null; then
		run jq -r '.tests[0].output' "$GT/broken.out/results.json"
		assert_line --partial "int oops = ;"
	else
		run grep -c -F "int oops = ;" "$GT/broken.out/results.json"
		assert_success
	fi
	# The link to /etc/passwd was not copied.
	[[ ! -e $GT/work/broken/src/$L2/passwd ]]
	run cat "$GT/broken.out/build/$L2.log"
	assert_line "not copied (a link, not followed): passwd"
}

# ---- the made-up toolkit: points, skips, weird bytes, limits -------------

@test "points tags weigh tests; a skipped test gives its points" {
	assert_equal "$(cat "$GT/kit.status")" "status 0"
	run result "$GT/kit.out" 98-alpha .
	assert_equal "${lines[0]}" "passed: passed"
	assert_equal "${lines[1]}" "failed: failed"
	assert_equal "${lines[2]}" "skipped: skipped: the machine lacks a tool"
	if [[ $("$LAB_BATS" --version) == "Bats 1.13."* ]]; then
		# The grader runs bats 1.13 without BATS_TEST_TIMEOUT.
		assert_equal "${lines[3]}" "skipped: skipped: no test time limit"
		run score "$GT/kit.out" 98-alpha
		assert_output "6 7"
	else
		assert_regex "${lines[3]}" "^failed: timed out"
		run score "$GT/kit.out" 98-alpha
		assert_output "5 7"
	fi
}

@test "weird bytes in a test's output still make valid JSON and XML" {
	valid_json "$GT/kit.out/results.json"
	valid_xml "$GT/kit.out/junit.xml"
	run jq -r '.tests[1].output' "$GT/kit.out/results.json"
	assert_output --partial 'quote " back \ lt < amp &'
}

@test "a fork bomb, a disk filler and a busy loop each cost their own test; a daemon nothing" {
	run result "$GT/kit.out" 99-beta .
	assert_equal "${#lines[@]}" 9
	if [[ $(id -u) != 0 ]] || grep -qE 'as a uid of its own' \
		"$GT/kit.log"; then
		assert_equal "${lines[0]}" "passed: passed"
	fi
	assert_equal "${lines[1]}" "failed: crashed with SIGXFSZ"
	assert_equal "${lines[2]}" "failed: crashed with SIGXCPU"
	# 3 and 4: the hang and the crash (above).
	assert_equal "${lines[5]}" "passed: passed"
	assert_equal "${lines[6]}" "passed: passed"
	assert_equal "${lines[7]}" "passed: passed"
	run left_running "$GT/work"
	assert_output ""
}

@test "student code gets no descriptor but 0, 1 and 2" {
	grep -q 'the tests ran as uid' "$GT/kit.log" ||
		skip "the grader cannot separate tests and student code here"
	run result "$GT/kit.out" 99-beta 'descriptor'
	assert_output "passed: passed"
}

# ---- two gradings under one name ----------------------------------------

@test "a second grading under the same name waits for the first" {
	# We hold the name's lock, as a first grading would, and wait (no
	# sleep) for the second one to say it waits; then let it go.
	local lock fd rd fifo=$BATS_TEST_TMPDIR/stderr line pid status=0
	mkfifo "$fifo"
	exec {lock}>>"$GT/work/twice.lock"
	flock "$lock"
	GRADE_NAME=twice gmake grade SUBMISSION="$GT/class/starter" \
		OUT="$GT/twice.out" LESSONS="${L1%%-*}" FILTER=no-test-is-named-so \
		>"$GT/twice.log" 2>"$fifo" 3>&- 4>&- {lock}>&- &
	pid=$!
	exec {rd}<"$fifo"
	IFS= read -r -t 20 line <&"$rd" || true
	exec {lock}>&-	# (before the cat, which would hold it too)
	cat <&"$rd" >>"$GT/twice.log" 3>&- 4>&- &
	fd=$!
	exec {rd}<&-
	wait "$pid" || status=$?
	wait "$fd"
	assert_equal "$line" "Another grading of 'twice' is running; waiting for it (GRADE_NAME=other-name grades under another name)"
	assert_equal "$status" 0
	[[ -s $GT/twice.out/report.txt ]]
}

# ---- usage ---------------------------------------------------------------

@test "make grade without a submission, or with a bad lesson, is a usage error" {
	run gmake grade
	assert_failure 2
	assert_output --partial "make grade: say which submission"
	run gmake grade SUBMISSION="$GT/class/starter" LESSONS=77
	assert_failure 2
	assert_output --partial "there is no lesson '77' here"
}

@test "OUT inside the submission is refused" {
	run gmake grade SUBMISSION="$GT/class/starter" OUT="$GT/class/starter/out"
	assert_failure 2
	assert_output --partial "which must stay untouched"
	[[ ! -e $GT/class/starter/out ]]
}
