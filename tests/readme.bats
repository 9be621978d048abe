#!/usr/bin/env bats
# The READMEs' pasted runs are today's: tests/readme.bash re-runs every
# `$ command` block of README.md and lessons/*/README.md and compares
# the output with what is pasted (see its header for the markers and
# the masks).  The Russian twins share the blocks byte for byte, which
# a check of their own enforces, so the English ones stand for both.

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
}

@test "every pasted run in the READMEs matches what the programs print today" {
	# The check runs the tree's own build/ (make lesson-NN and the
	# pasted build/... paths); a sanitized or other build is not it.
	[[ ${LAB_OUT:-} == "" || $LAB_OUT -ef $BATS_TEST_DIRNAME/../build ]] ||
		skip "the READMEs paste build/'s runs; LAB_OUT is $LAB_OUT"
	# The runs were pasted on Linux 6.18.  Another kernel sizes buffers
	# and windows, and times SYN retries, its own way (lessons 02, 06
	# and 07 print them): tests/readme.bash shows the differences.
	local kernel
	kernel=$(uname -r)
	[[ $kernel == 6.18.* ]] ||
		skip "the READMEs' runs are Linux 6.18's; this is $kernel (tests/readme.bash shows what differs)"
	run timeout -k 1 300 "$BATS_TEST_DIRNAME/readme.bash"
	# Every skipped block, and why, in the TAP output.
	printf '# %s\n' "${lines[@]}" | grep -E 'skipped|checked|private' >&3 || true
	assert_success
	assert_line --regexp '^readme: [0-9]+ block\(s\) checked, [0-9]+ skipped; 0 differ$'
}
