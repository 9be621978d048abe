#!/usr/bin/env bash
# tests/bats.bash - run bats with bats-support and bats-assert, first
# setting them up when this machine lacks them.  Arguments go to bats.
#
# Where bats comes from, in this order:
#   1. the system: bats >= 1.8 with bats-support and bats-assert;
#   2. npm: the pinned versions below, installed without root into
#      build/tools (git-ignored; `make clean` removes it);
#   3. apt-get, when running as root: Debian's bats packages;
#   4. otherwise: stop and print the commands that would install it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=$root/build/tools
pins=(bats@1.13.0 bats-support@0.3.0 bats-assert@2.2.4)

say() { printf 'tests/bats.bash: %s\n' "$*" >&2; }

# Directories where bats_load_library may find the two libraries.
lib_dirs=("${BATS_LIB_PATH:-}" /usr/lib/bats /usr/local/lib/bats
	/opt/homebrew/lib "$tools/node_modules")

# Is $1 a bats of version 1.8 or newer?
bats_ok() {
	local version
	version=$("$1" --version 2>/dev/null) || return 1
	version=${version#Bats }
	IFS=. read -r major minor _ <<<"$version"
	((major > 1 || (major == 1 && minor >= 8)))
}

# Print the first directory (of lib_dirs) that holds both libraries.
find_libs() {
	local dir
	for dir in "${lib_dirs[@]}"; do
		[[ -n $dir && -f $dir/bats-support/load.bash &&
			-f $dir/bats-assert/load.bash ]] && {
			printf '%s\n' "$dir"
			return 0
		}
	done
	return 1
}

# Set $bats and $libs if a usable bats is already here.
find_bats() {
	local candidate
	for candidate in "$(command -v bats)" \
		"$tools/node_modules/bats/bin/bats"; do
		if [[ -n $candidate && -x $candidate ]] && bats_ok "$candidate" &&
			libs=$(find_libs); then
			bats=$candidate
			return 0
		fi
	done
	return 1
}

install_bats() {
	if command -v npm >/dev/null; then
		say "bats >= 1.8 with bats-support and bats-assert not found;"
		say "installing ${pins[*]} from npm into build/tools"
		mkdir -p "$tools"
		npm install --silent --no-audit --no-fund --save-exact \
			--prefix "$tools" \
			"${pins[@]}" >&2 && return 0
		say "npm install failed"
	fi
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		say "installing Debian's bats, bats-support and bats-assert (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				bats bats-support bats-assert >&2 && return 0
		say "apt-get install failed"
	fi
	cat >&2 <<-EOF
	tests/bats.bash: cannot set up bats (>= 1.8) with bats-support and bats-assert.
	Install them with one of these, then run the command again:
	  Debian, Ubuntu:  sudo apt-get install bats bats-support bats-assert
	  macOS:           brew install bats-core bats-support bats-assert
	  Fedora:          sudo dnf install bats nodejs-npm, then the npm line
	  anywhere npm is: npm install --prefix build/tools ${pins[*]}
	EOF
	exit 1
}

find_bats || { install_bats && find_bats; } || {
	say "bats was installed but is still not usable; see the messages above"
	exit 1
}

export BATS_LIB_PATH=$libs
# The backstop for a test that hangs; every program a test runs has its
# own, shorter bound (see tests/helper.bash).  From bats 1.11 on, a set
# BATS_TEST_TIMEOUT makes every failed or skipped test wait the whole
# timeout (bats-core issues 1067 and 1206), so there the per-program
# bounds must do.
if [[ $("$bats" --version) =~ ^Bats\ 1\.(8|9|10)\. ]]; then
	export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}
fi
exec "$bats" "$@"
