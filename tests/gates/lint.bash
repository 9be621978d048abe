#!/usr/bin/env bash
# tests/gates/lint.bash - `make lint`: the static checks of the toolkit.
#
#   1. every C source compiled by gcc and by clang with -Werror and the
#      lint warnings (LINT_WARNINGS, from the Makefile);
#   2. cppcheck on common/, lessons/, solutions/ (and bench/, tests/*.c);
#   3. shellcheck on every script (tests/*.bash, .ci/run, bench/*.bash)
#      and on the bats files (shellcheck reads bats since 0.7).
#
# The Makefile passes what to check in the environment: LINT_SRCS,
# LINT_SCRIPTS, LINT_BATS, LINT_CPPFLAGS, LINT_WARNINGS.  A missing tool
# is installed with apt-get when we are root; otherwise we stop and say
# which package to install.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 1
out=build/lint
read -ra srcs <<<"${LINT_SRCS:?run this through make lint}"
read -ra scripts <<<"${LINT_SCRIPTS:-}"
read -ra bats_files <<<"${LINT_BATS:-}"
read -ra cppflags <<<"${LINT_CPPFLAGS:-}"
read -ra warnings <<<"${LINT_WARNINGS:-}"
problems=0

say() { printf 'lint: %s\n' "$*"; }

# ---- the tools: command -> Debian package
declare -A package=([gcc]=gcc [clang]=clang [cppcheck]=cppcheck
	[shellcheck]=shellcheck)
missing=()
for tool in gcc clang cppcheck shellcheck; do
	command -v "$tool" >/dev/null || missing+=("${package[$tool]}")
done
if ((${#missing[@]} > 0)); then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		say "installing ${missing[*]} (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >/dev/null || {
			say "apt-get install ${missing[*]} failed"
			exit 1
		}
	else
		say "make lint needs ${missing[*]}: install with"
		say "  sudo apt-get install ${missing[*]}   (Debian, Ubuntu)"
		exit 1
	fi
fi

# ---- 1. both compilers, warnings as errors
# One compile: quiet when clean, its messages and the file when not.
compile() {
	local cc=$1 src=$2 obj=$out/$1/${2%.c}.o log
	mkdir -p "${obj%/*}"
	log=$("$cc" -std=c11 "${cppflags[@]}" -O2 "${warnings[@]}" -Werror \
		-c "$src" -o "$obj" 2>&1) && return 0
	printf '%s\n' "FAIL $cc $src" "$log"
	return 1
}

say "gcc and clang -Werror ${warnings[*]}"
results=$out/compile.results
mkdir -p "$out" && : >"$results"
jobs=0
for cc in gcc clang; do
	for src in "${srcs[@]}"; do
		{ compile "$cc" "$src" || echo FAILED; } >>"$results.$cc.${src//\//_}" &
		if ((++jobs >= $(nproc))); then
			wait -n
			jobs=$((jobs - 1))
		fi
	done
done
wait
cat "$results".* >"$results" 2>/dev/null
rm -f "$results".*
if grep -q '^FAILED$' "$results"; then
	grep -v '^FAILED$' "$results" | sed 's/^/  /'
	problems=$((problems + $(grep -c '^FAILED$' "$results")))
else
	say "  ${#srcs[@]} sources clean with both compilers"
fi

# ---- 2. cppcheck
# What we switch off, and why:
#   variableScope: the toolkit declares locals at the top of a function,
#     kernel style, on purpose;
#   *Called (getservbyport, ...): "not reentrant" matters to threaded
#     programs; ours have one thread;
#   missingIncludeSystem: cppcheck need not read the system headers;
#   knownConditionTrueFalse in peer.c: cppcheck does not see that
#     echo_short() runs only after its limit was parsed.
# -D__GNUC__ lets it see die()'s noreturn (die.h), so it knows that
# nothing runs after die().
say "cppcheck $(cppcheck --version | sed 's/^Cppcheck //')"
if cppcheck -q --std=c11 --library=posix --inline-suppr \
	--enable=warning,style,performance,portability --error-exitcode=1 \
	"${cppflags[@]}" -D__GNUC__ \
	--suppress=missingIncludeSystem --suppress=variableScope \
	--suppress=getservbyportCalled --suppress=getservbynameCalled \
	--suppress=gethostbynameCalled --suppress=strtokCalled \
	--suppress=localtimeCalled --suppress=strerrorCalled \
	--suppress=knownConditionTrueFalse:tools/peer.c \
	"${srcs[@]}" 2>"$out/cppcheck.log"; then
	say "  ${#srcs[@]} sources clean"
else
	sed 's/^/  /' "$out/cppcheck.log"
	problems=$((problems + 1))
fi

# ---- 3. shellcheck
# Severity warning and up (info and style notes are advice, not bugs).
# SC1007 (`x= y`) is off everywhere: the scripts write `local a= b=` for
# "empty" on purpose.
#   scripts: -x follows what they source;
#   bats files: SC2154 is off because bats' run sets $stderr and
#     $stderr_lines, which shellcheck 0.9 does not know (it knows
#     $output, $status and $lines);
#   libraries (a .bash file that is not executable: it is sourced, as
#     helper.bash is): SC2034 (assigned, never used) and SC2154 (used,
#     never assigned) are off: what they set is used, and what they use
#     is set, by the tests that load them (SERVER_PORT, PEER; $output).
say "shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
shell_ok=1
for script in "${scripts[@]}"; do
	extra=()
	[[ -x $script ]] || extra=("--exclude=SC2034,SC2154")
	shellcheck -x --severity=warning --exclude=SC1007 "${extra[@]}" \
		"$script" ||
		shell_ok=0
done
if ((${#bats_files[@]} > 0)); then
	shellcheck --shell=bats --severity=warning --exclude=SC1007,SC2154 \
		"${bats_files[@]}" || shell_ok=0
fi
if ((shell_ok)); then
	say "  ${#scripts[@]} scripts and ${#bats_files[@]} bats files clean"
else
	problems=$((problems + 1))
fi

if ((problems > 0)); then
	say "FAILED ($problems problem(s) above)"
	exit 1
fi
say "all clean"
