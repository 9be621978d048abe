# tcp-labs: one Makefile for every lesson.  `make help` lists the targets.
#
# Adding lesson NN is one word in LESSONS plus its folders:
#   lessons/NN-slug/<prog>.c, solutions/NN-slug/<prog>.c, tests/NN-slug.bats
#
# The rooms, each a kind of code:
#   common/   the library every program links: sock_util, die (libcommon.a)
#   demo/     the lessons' demo machinery: what a demo needs that is not
#             the lesson's point (libdemo.a)
#   tools/    programs and shims the tests and students use: peer, shortio,
#             names
#   grader/   the instructors' grader: grade, grade-all, score, the leash
#   tests/    the lessons' tests and their harness; tests/gates/ the
#             quality gates (lint, memcheck, soak, sanitizers)
#   bench/    make bench

LESSONS := 01-ports 02-handshake 03-client 04-server 05-partial-reads \
	06-partial-writes 07-teardown 08-many-clients 09-lines 10-latency

# Compiler and flags.  Override any of them: make CC=clang CFLAGS=-O0
CC       ?= cc
CFLAGS   ?= -O2 -g
CPPFLAGS ?=
LDFLAGS  ?=
LDLIBS   ?=
WARNINGS := -Wall -Wextra -Wpedantic
# What the toolkit needs whatever the user overrides: C11 and POSIX.1-2008.
LAB_CFLAGS   := -std=c11 $(WARNINGS)
LAB_CPPFLAGS := -D_POSIX_C_SOURCE=200809L -Icommon -Idemo

# Every output goes under OUT.  SANITIZE=1 builds everything with
# AddressSanitizer and UndefinedBehaviorSanitizer, in a tree of its own.
OUT := build
ifeq ($(SANITIZE),1)
OUT := build/sanitize
LAB_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# Lesson "NN-slug" -> its program's name, read from the single .c file
# in its folder (lessons/01-ports/ports.c -> ports).
prog_of = $(basename $(notdir $(firstword $(wildcard lessons/$(1)/*.c))))
# Tree (lessons or solutions) and lesson -> the binary's path.
bin_of = $(OUT)/$(1)/$(2)/$(call prog_of,$(2))
# "05" -> "05-partial-reads"
lesson_of = $(filter $(1)-%,$(LESSONS))

STARTERS  := $(foreach l,$(LESSONS),$(call bin_of,lessons,$(l)))
SOLUTIONS := $(foreach l,$(LESSONS),$(call bin_of,solutions,$(l)))
# tools/ holds programs of their own (they have a main), listed here,
# and the short-I/O shim, a preload library with rules of its own below.
TOOL_SRCS := tools/peer.c tools/crowd.c
TOOLS     := $(patsubst %.c,$(OUT)/%,$(TOOL_SRCS))
# The two libraries, as static archives: a program links only the
# objects it uses.  libdemo.a comes first on the command line, as it
# calls into libcommon.a.
LIBCOMMON := $(OUT)/common/libcommon.a
LIBDEMO   := $(OUT)/demo/libdemo.a
LIBS      := $(LIBDEMO) $(LIBCOMMON)
# Test files that belong to no lesson (they run with the solutions):
# the toolkit's own, in make test, and the grader's and the student
# loop's, which grade whole trees many times over (minutes, not
# seconds), in make test-grader.
EXTRA_TESTS := tests/shortio.bats tests/shims.bats tests/twins.bats \
	tests/readme.bats
GRADER_TESTS := tests/grade.bats tests/verdict.bats tests/student.bats
# The scripts under tests/ find the binaries here.
export LAB_OUT := $(abspath $(OUT))
BATS := tests/bats.bash

.DELETE_ON_ERROR:
.PHONY: all help clean test test-starters check grade

# A quiet build: one short line a file ("CC lessons/01-ports/ports.c"),
# the compiler's warnings and errors as it prints them; `make V=1` shows
# the full commands (the Linux kernel's and git's convention).  The
# libraries' objects are not the student's: their archive's line stands
# for them (so `make lesson-01` on a clean clone says 5 lines before the
# demo).  $(call quiet,WHAT,FILE) goes first on a recipe's line.
V ?= 0
ifeq ($(V),1)
quiet =
else
quiet = @printf '%s %s\n' $(1) $(2);
endif
lib_src = $(filter common/% demo/%,$(1))

## make                 build every starter, every solution and the tools
## make V=1             show the full commands (by default, one short line a file)
all: $(STARTERS) $(SOLUTIONS) $(TOOLS)

# Every object from its source, with header dependencies (-MMD -MP).
$(OUT)/%.o: %.c
	@mkdir -p $(@D)
	$(if $(call lib_src,$<),$(if $(quiet),@),$(call quiet,CC,$<))$(CC) $(LAB_CPPFLAGS) $(CPPFLAGS) $(LAB_CFLAGS) $(CFLAGS) -MMD -MP \
		-c $< -o $@

# Each library from the objects of its folder.
$(LIBCOMMON): $(patsubst %.c,$(OUT)/%.o,$(wildcard common/*.c))
$(LIBDEMO): $(patsubst %.c,$(OUT)/%.o,$(wildcard demo/*.c))
$(LIBCOMMON) $(LIBDEMO):
	@rm -f $@
	$(call quiet,AR,$@)$(AR) rcs $@ $^

# A program is its own object plus what it uses of the libraries.
$(STARTERS) $(SOLUTIONS) $(TOOLS): %: %.o $(LIBS)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The dependency files, only where objects are built: tests make other
# folders under build/ (a file of theirs must not be read as one).
-include $(wildcard $(foreach d,common demo tools grader bench,$(OUT)/$(d)/*.d) \
	$(OUT)/lessons/*/*.d $(OUT)/solutions/*/*.d)

# Each lesson program a second time, <prog>-san beside <prog>, built
# with AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer:
# each lesson's exercise tests run it (tests/sanitized.bash), so that an
# overrun, a leak or undefined behaviour in the exercise fails
# `make check-NN` with a message.  Where the compiler has no sanitizer
# runtime, <prog>-san.missing says so instead and that test skips.
# (grader/grade.bash builds a submission's the same way, SAN_FLAGS.)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SANITIZED := $(addsuffix -san,$(STARTERS) $(SOLUTIONS))
all: $(SANITIZED)
$(OUT)/%-san: %.c $(LIBS)
	@mkdir -p $(@D)
	@rm -f $@.missing
	$(call quiet,CC,$@)$(CC) $(LAB_CPPFLAGS) $(CPPFLAGS) $(LAB_CFLAGS) $(CFLAGS) $(SAN_FLAGS) \
		-MMD -MP -MF $@.d $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@ \
		2>$@.log || { echo 'int main(void){return 0;}' | \
		$(CC) -x c - $(SAN_FLAGS) -o $@.probe 2>/dev/null && \
		{ rm -f $@.probe; cat $@.log; exit 1; }; \
		echo "$(CC) cannot build with $(SAN_FLAGS) here (no sanitizer runtime)" \
		>$@.missing; }

# The short-I/O shim (tools/shortio.c, lessons 05 and 06) is a shared
# library for LD_PRELOAD, not a program.  -ldl: before glibc 2.34 dlsym
# lives there.  `make lesson-NN SHORTIO=N` runs lesson NN under it with at
# most N bytes per socket call (and a report of what it did at exit).
SHORTIO_SO := $(OUT)/tools/shortio.so
all: $(SHORTIO_SO)
$(SHORTIO_SO): tools/shortio.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(LAB_CPPFLAGS) $(CPPFLAGS) $(LAB_CFLAGS) $(CFLAGS) -fPIC -shared \
		$(LDFLAGS) $< -ldl -o $@
## make lesson-NN SHORTIO=N  run it under the short-I/O shim: N bytes at most per socket call
ifneq ($(SHORTIO),)
SHORTIO_DEP := $(SHORTIO_SO)
# (SANITIZE=1 exports ASAN_OPTIONS with verify_asan_link_order=0: the
# sanitizer runtime wants to come first in LD_PRELOAD, and comes second.)
SHORTIO_RUN := LD_PRELOAD=$(abspath $(SHORTIO_SO)) SHORTIO_MAX=$(SHORTIO) \
	SHORTIO_VERBOSE=1
endif

# The name interposer (tools/names.c), a preload library too: it answers
# getaddrinfo() for the names a test gives it
# (NAMES='lab-both=127.0.0.2,127.0.0.1'), so that no test needs an
# /etc/hosts of its own (root, or a user namespace).  It may go into any
# program (getent, in tests/shims.bats), so it is never built with the
# sanitizers, as loop6.so below: a sanitizer runtime would report the
# leaks of a program that was not built for it.
NAMES_SO := $(OUT)/tools/names.so
all: $(NAMES_SO)

# The IPv6 loopback shim (tools/loop6.c), a preload library too: on a
# machine without ::1, the IPv6 exercise tests run their programs under
# it, IPv6 carried over IPv4's loopback, instead of not being graded.
# Every program such a test runs gets it, the shell's tools too: so it is
# never built with the sanitizers (a sanitizer runtime in `cat` would
# report cat's leaks).
LOOP6_SO := $(OUT)/tools/loop6.so
all: $(LOOP6_SO)
# Both, never sanitized, from their one source each.
$(NAMES_SO) $(LOOP6_SO): $(OUT)/tools/%.so: tools/%.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(LAB_CPPFLAGS) $(CPPFLAGS) -std=c11 $(WARNINGS) $(CFLAGS) -fPIC \
		-shared $< -ldl -o $@

# tests/shortio.bats tests the shim as built by each compiler there is,
# at -O0 and at -O2 -D_FORTIFY_SOURCE=2 and =3 (glibc then calls
# __recv_chk and friends; =3 is Ubuntu's default since 24.04), with a
# probe built the same ways: built here, once, not by every run of the
# tests.  Each build's messages go to a .log beside it (the tests check
# that it is empty: no warnings).
SHORTIO_CCS := $(foreach c,gcc clang,$(if $(shell command -v $(c)),$(c)))
SHORTIO_VARIANTS := $(foreach c,$(SHORTIO_CCS),$(c)-O0 $(c)-fortify \
	$(c)-fortify3)
SHORTIO_TESTS := $(foreach v,$(SHORTIO_VARIANTS),\
	$(OUT)/tests/shortio/shortio-$(v).so $(OUT)/tests/shortio/probe-$(v))
variant_cc = $(word 1,$(subst -, ,$(1)))
variant_opt = $(word 2,$(subst -, ,$(1)))
variant_flags = -std=c11 $(WARNINGS) -D_POSIX_C_SOURCE=200809L \
	$(if $(filter fortify,$(call variant_opt,$(1))),-O2 -D_FORTIFY_SOURCE=2,\
	$(if $(filter fortify3,$(call variant_opt,$(1))),-O2 -D_FORTIFY_SOURCE=3,-O0))
$(OUT)/tests/shortio/shortio-%.so: tools/shortio.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(call variant_cc,$*) $(call variant_flags,$*) -fPIC -shared $< -ldl \
		-o $@ 2>$@.log || { cat $@.log; exit 1; }
$(OUT)/tests/shortio/probe-%: tests/shortio-probe.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(call variant_cc,$*) $(call variant_flags,$*) $< -o $@ 2>$@.log || \
		{ cat $@.log; exit 1; }

# The student's loop (check, progress, watch, hint, reset) is
# tools/student.bash: it runs the grader (grader/score.bash, which needs
# the solutions, the tools and the grader's escape) and keeps each
# lesson's result with a hash of its program, for make progress.
STUDENT = LESSONS='$(LESSONS)' MAKE='$(MAKE)' tools/student.bash
CHECK_DEPS := $(SOLUTIONS) $(TOOLS) $(SHORTIO_SO) $(NAMES_SO) $(LOOP6_SO) \
	$(OUT)/grader/escape

## make lesson-NN       build your lesson NN and run its demo (ARGS="..." for the program)
## make solution-NN     the same with the reference solution
## make check-NN        run lesson NN's tests against your lesson: "am I done?"
## make watch-NN        re-check lesson NN every time you save it (make watch: any lesson)
## make hint-NN         the next hint for lesson NN, one at a time (N=2: hint 2 again)
## make reset-NN        lesson NN's untouched starter back; yours is saved under build/reset/
define lesson_rules
lesson-$(1): $(call bin_of,lessons,$(call lesson_of,$(1))) $(SHORTIO_DEP)
	$$(strip $(SHORTIO_RUN) $$< $$(ARGS))
solution-$(1): $(call bin_of,solutions,$(call lesson_of,$(1))) $(SHORTIO_DEP)
	$$(strip $(SHORTIO_RUN) $$< $$(ARGS))
check-$(1): all
	@LAB=lessons $$(TEST_WRAP) $(BATS) tests/$(call lesson_of,$(1)).bats
watch-$(1): $(CHECK_DEPS)
	@$$(STUDENT) watch $(call lesson_of,$(1))
hint-$(1):
	@$$(STUDENT) hint $(call lesson_of,$(1)) $$(N)
reset-$(1):
	@$$(STUDENT) reset $(call lesson_of,$(1)) $$(FROM)
.PHONY: lesson-$(1) solution-$(1) check-$(1) watch-$(1) hint-$(1) reset-$(1)
endef
$(foreach l,$(LESSONS),$(eval $(call lesson_rules,$(firstword $(subst -, ,$(l))))))

# Any other number: say so instead of "No rule to make target".
lesson-% solution-% check-% watch-% hint-% reset-%:
	@echo "make: there is no lesson $* here; the lessons are: $(LESSONS)" >&2
	@exit 2

## make check           every lesson of your tree, ending in a score table and what to do next
## make progress        that table again, re-running only the lessons changed since
## make watch           re-check the lesson whose file you save, every time (Ctrl-C stops)
# A lesson that does not compile scores 0 without stopping the others:
# each starter is linked anew (no stale binary is graded), keeping going.
check: $(CHECK_DEPS)
	@rm -f $(STARTERS) $(addsuffix -san,$(STARTERS))
	-@$(MAKE) --no-print-directory -k $(STARTERS) $(addsuffix -san,$(STARTERS))
	@LAB=lessons $(TEST_WRAP) $(STUDENT) check
progress: $(CHECK_DEPS)
	@LAB=lessons $(TEST_WRAP) $(STUDENT) progress
watch: $(CHECK_DEPS)
	@$(STUDENT) watch
.PHONY: progress watch
# reset-NN's copy of each untouched starter, for a folder that is not a
# git checkout: taken when the lesson is first built, never refreshed.
$(foreach l,$(LESSONS),$(eval $(call bin_of,lessons,$(l)): | \
	build/starters/$(l)/$(call prog_of,$(l)).c))
build/starters/%: | lessons/%
	@mkdir -p $(@D) && cp $| $@

## make test            the toolkit's proof: solutions pass every test, starters fail their exercises
test: all $(SHORTIO_TESTS)
	@$(TEST_WRAP) tests/prove.bash $(LESSONS) $(EXTRA_TESTS)

## make test-starters   and each starter passes every test but its exercises (CI runs both)
test-starters: all
	@$(TEST_WRAP) tests/prove.bash --starters all --no-solutions $(LESSONS)

## make test-grader     the grader, its verdict on a bare machine, and the student's loop (CI runs it)
test-grader: all
	@$(TEST_WRAP) tests/prove.bash $(GRADER_TESTS)
.PHONY: test-grader

## make test-mutants    each lesson's known-wrong solutions fail its tests (5 runs of 5), the correct ones pass
# tests/mutants/NN-slug/{wrong,right}-*.patch, built as the student's
# program under build/mutants/ (see tests/mutants.bash).
test-mutants: all
	@MUT_CC='$(CC)' MUT_CPPFLAGS='$(LAB_CPPFLAGS) $(CPPFLAGS)' \
		MUT_CFLAGS='$(LAB_CFLAGS) $(CFLAGS)' MUT_LDFLAGS='$(LDFLAGS)' \
		MUT_LDLIBS='$(LDLIBS)' MUT_LIBS='$(LIBS)' \
		MUT_SANFLAGS='$(SAN_FLAGS)' tests/mutants.bash
.PHONY: test-mutants

# ---- Grading (grader/grade.bash; README "For instructors") ------------
## make grade SUBMISSION=DIR [OUT=DIR] [LESSONS="01 05"]  grade one student's submission
## make grade-all SUBMISSIONS=DIR [OUT=DIR]  grade every submission folder in DIR, in parallel
## make autograder [LESSONS=...] [OUT=FILE.zip]  a Gradescope autograder zip (build/autograder.zip)
## make classroom [LESSONS=...] [TOOLKIT=org/repo]  a GitHub Classroom workflow (build/classroom/)
# FILTER=RE grades only the tests whose name matches; STRICT=1 makes
# `make grade` fail unless every test passed (GitHub Classroom).
# OUT and LESSONS are also this Makefile's build folder and lesson list,
# which command-line values would replace; so grade and grade-all hand
# them on under other names to a fresh make without them (the compiler
# settings still reach it through the environment, see ?= above), nor
# what this make exported from the wrong OUT.
GRADE_ESCAPE := $(OUT)/grader/escape
GRADE_JAIL := $(OUT)/grader/jail
all: $(GRADE_ESCAPE) $(GRADE_JAIL)
$(GRADE_ESCAPE) $(GRADE_JAIL): %: %.o $(LIBCOMMON)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@
grade_given = $(if $(filter command line,$(origin $(1))),$($(1)))
# (exec: so that a SIGTERM that make passes on reaches the grader.)
grade grade-all autograder classroom:
	@exec env -u LESSONS -u OUT -u LAB_OUT -u LAB_SAN_LOGS -u ASAN_OPTIONS \
		-u UBSAN_OPTIONS MAKEFLAGS= $(MAKE) --no-print-directory \
		GRADE_PICK='$(call grade_given,LESSONS)' \
		GRADE_OUT='$(call grade_given,OUT)' grade-run-$@
grade-run-grade grade-run-grade-all grade-run-autograder grade-run-classroom: \
		grade-run-%: all
	@exec env GRADE_LESSONS='$(LESSONS)' GRADE_CC='$(CC)' \
		GRADE_CPPFLAGS='$(LAB_CPPFLAGS) $(CPPFLAGS)' \
		GRADE_CFLAGS='$(LAB_CFLAGS) $(CFLAGS)' \
		GRADE_LDFLAGS='$(LDFLAGS)' GRADE_LDLIBS='$(LDLIBS)' \
		GRADE_SANFLAGS='$(SAN_FLAGS)' \
		GRADE_COMMON='$(abspath $(LIBS))' \
		$(if $(filter 1,$(SANITIZE)),LEASH_MEMORY=0) \
		$(if $(filter autograder classroom,$*),grader/export.bash $*,grader/$*.bash)
## make test-autograder  the autograder zip and the Classroom workflow, end to end (CI runs it)
test-autograder: all
	@$(TEST_WRAP) tests/prove.bash tests/autograder.bats
.PHONY: grade-all autograder classroom test-autograder grade-run-grade grade-run-grade-all \
	grade-run-autograder grade-run-classroom

# ---- Quality gates and the benchmark ---------------------------------
# make test SANITIZE=1, make lint, make memcheck, make soak: what .ci/run
# checks after make test.  make bench: a benchmark (no test asserts speed).

# SANITIZE=1: any sanitizer report fails the run.  UBSan stops at its
# first report as ASan does (by default it prints and carries on); every
# sanitized program aborts on a report (SIGABRT: never a plain exit 1,
# which a test might expect) and writes it to a file under LAB_SAN_LOGS
# whatever a test does with its stderr; tests/gates/sanitizers.bash wraps the
# suite and fails it if any file is there.  verify_asan_link_order=0: the
# short-I/O shim is preloaded ahead of the ASan runtime.  gcc's UBSan
# ignores log_path unless its runtime is linked statically.
ifeq ($(SANITIZE),1)
LAB_CFLAGS += -fno-sanitize-recover=all
SAN_STATIC := $(shell echo 'int main(void){return 0;}' | $(CC) -x c - \
	-fsanitize=undefined -static-libubsan -o /dev/null 2>/dev/null \
	&& echo -static-libubsan)
LDLIBS += $(SAN_STATIC)
export LAB_SAN_LOGS := $(abspath $(OUT))/sanitizer-reports
SAN_OPTIONS := halt_on_error=1:abort_on_error=1:log_path=$(LAB_SAN_LOGS)/report
export ASAN_OPTIONS := $(SAN_OPTIONS):detect_leaks=1:verify_asan_link_order=0$(if $(ASAN_OPTIONS),:$(ASAN_OPTIONS))
export UBSAN_OPTIONS := $(SAN_OPTIONS):print_stacktrace=1$(if $(UBSAN_OPTIONS),:$(UBSAN_OPTIONS))
TEST_WRAP := tests/gates/sanitizers.bash
endif

## make lint            every source through gcc and clang -Werror, cppcheck, shellcheck; README twins
# -Wconversion -Wsign-conversion are in: the toolkit is clean under them,
# and byte counts (ssize_t, size_t) and ports (uint16_t) are where socket
# code truncates silently.  Only lint uses them: a student's `make` keeps
# the project's WARNINGS, and their edits need no casts to build.
# -Wno-format-nonliteral: die.c passes its caller's format to vfprintf.
LINT_WARNINGS := $(WARNINGS) -Wshadow -Wconversion -Wsign-conversion \
	-Wformat=2 -Wno-format-nonliteral \
	-Wstrict-prototypes -Wold-style-definition -Wmissing-prototypes \
	-Wpointer-arith -Wundef -Wwrite-strings -Wcast-qual -Wvla \
	-Wnull-dereference -Wdouble-promotion -Wredundant-decls
LINT_SRCS := $(sort $(wildcard common/*.c demo/*.c tools/*.c grader/*.c \
	bench/*.c tests/*.c) \
	$(foreach l,$(LESSONS),$(wildcard lessons/$(l)/*.c solutions/$(l)/*.c)))
LINT_SCRIPTS := $(wildcard tests/*.bash tests/gates/*.bash grader/*.bash \
	tools/*.bash bench/*.bash .ci/run)
LINT_BATS := $(foreach l,$(LESSONS),tests/$(l).bats) $(EXTRA_TESTS) \
	$(GRADER_TESTS) tests/autograder.bats
lint:
	@LINT_SRCS="$(LINT_SRCS)" LINT_SCRIPTS="$(LINT_SCRIPTS)" \
		LINT_BATS="$(LINT_BATS)" LINT_CPPFLAGS="$(LAB_CPPFLAGS)" \
		LINT_WARNINGS="$(LINT_WARNINGS)" tests/gates/lint.bash

## make memcheck        every demo, and lesson 04's server after many clients, under valgrind
# In a tree of its own, built with DWARF 4 (valgrind 3.19 cannot
# read all of clang's DWARF 5) and without sanitizers.
memcheck:
	@$(MAKE) --no-print-directory OUT=build/memcheck SANITIZE= \
		CFLAGS="-O2 -g -gdwarf-4" all >/dev/null
	@LAB_OUT=$(abspath build/memcheck) tests/gates/memcheck.bash $(LESSONS)

## make soak [N=20]     make test, test-starters and test-grader N times in a row, naming every test that failed
soak: N ?= 20
soak: all $(SHORTIO_TESTS)
	@$(TEST_WRAP) tests/gates/soak.bash $(N) --starters all $(LESSONS) \
		$(EXTRA_TESTS) $(GRADER_TESTS)

## make bench           sock_send_all/sock_recv_all throughput vs iperf3; echo latency vs socat;
##                      echo round trips with 1 to 1000 clients, lessons 04 and 08
BENCH_PROGS := $(OUT)/bench/throughput $(OUT)/bench/latency
# The throughput tool counts send() and recv() calls by wrapping them
# at link time (see bench/throughput.c).
$(OUT)/bench/throughput: LDFLAGS += -Wl,--wrap=send,--wrap=recv
$(BENCH_PROGS): %: %.o $(LIBCOMMON)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@
bench: all $(BENCH_PROGS)
	@bench/run.bash
	@bench/many-clients.bash
.PHONY: lint memcheck soak bench

## make clean           remove build/ (every output) and nothing else
clean:
	rm -rf $(OUT)

## make help            this list
##
## Where things live: lessons/ (your programs), solutions/, common/ (the
## library: sock_util, die), demo/ (the demos' machinery), tools/ (peer,
## the shortio shim, the names interposer), grader/, tests/ (tests/gates/:
## the quality gates).
help:
	@sed -n 's/^## \{0,1\}//p' $(MAKEFILE_LIST)
