#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, when it builds the
# autograder's image (Ubuntu 22.04 or 24.04): it installs what grading
# needs and builds the toolkit, which `make autograder` put in
# source/tcp-labs.  AUTOGRADER_ROOT moves /autograder (for a test).
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
toolkit=$root/source/tcp-labs

# What `make grade` needs, and the peers that let every test run
# (the report says which tests could not run where one is missing).
packages=(build-essential bats bats-support bats-assert socat ncat
	iproute2 util-linux procps)
missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cd "$toolkit"
# bats must be 1.8 or newer; Ubuntu 22.04's is older.  Then
# tests/bats.bash takes a pinned one from npm, now, while the image
# is built with a network.
if ! tests/bats.bash --version >/dev/null 2>&1; then
	command -v npm >/dev/null || {
		echo "setup.sh: installing npm, for a bats newer than Ubuntu's"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q --no-install-recommends npm
	}
	tests/bats.bash --version
fi
make --no-print-directory -j"$(nproc)" all
# The grader runs student code as users of its own, who must be able
# to read the toolkit.
chmod a+rx "$root" "$root/source"
chmod -R a+rX "$toolkit"
echo "setup.sh: tcp-labs is ready in $toolkit"
