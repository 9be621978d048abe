# tests/shortio.bash - run programs under the short-I/O shim
# (tools/shortio.c).  Load it after helper, from setup:
#
#   setup() { load helper; load shortio; lab_setup 05-partial-reads reader; }
#
#   run shortio SHORTIO_MAX=3 SHORTIO_SEED=2 "$PROG" 127.0.0.1 "$port"

SHORTIO_LIB=$LAB_OUT/tools/shortio.so

# shortio [NAME=VALUE...] CMD...: run CMD bounded, with the shim preloaded
# and the SHORTIO_* settings given.  Only CMD gets the shim, not
# timeout(1); it goes before what LD_PRELOAD holds already (use_ipv6's
# shim).  A sanitizer build's runtime wants to come first in
# LD_PRELOAD; verify_asan_link_order=0 lets it come second.
shortio() {
	[[ -f $SHORTIO_LIB ]] ||
		fail "$SHORTIO_LIB is not built: run 'make'"
	bounded env LD_PRELOAD="$SHORTIO_LIB${LD_PRELOAD:+ $LD_PRELOAD}" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$@"
}

# assert_no_busy_retry REPORT WAIT: REPORT, the stderr of a run with
# SHORTIO_EAGAIN and SHORTIO_VERBOSE=1, shows EAGAIN met and no call made
# again at once after it; else fail, naming WAIT, the call to make first.
assert_no_busy_retry() {
	[[ $1 =~ \ [1-9][0-9]*\ with\ EAGAIN.*\;\ ([0-9]+)\ retried\ at\ once ]] ||
		fail "the shim's report is missing: $1"
	((BASH_REMATCH[1] == 0)) || fail "send() was called again at once after EAGAIN, ${BASH_REMATCH[1]} times: a busy loop that burns a core while there is no room.  Wait for room first: $2."
}

# The maxima and seeds every "under the shim" test tries: each maximum
# from 1 to 7 bytes a call, with two seeds (different sizes each).
SHORTIO_MAXIMA=(1 2 3 4 5 6 7)
SHORTIO_SEEDS=(1 2)

# shortio_every CHECK [NAME=VALUE...] CMD...: run CMD under the shim with
# every maximum and seed above (and the settings given); after each run
# the function CHECK looks at $status and $output and returns 0 if all
# went right.  Fails naming every combination that went wrong, with the
# first one's output, so a student sees that it is not bad luck.
shortio_every() {
	local check=$1 max seed first= bad=()
	shift
	for max in "${SHORTIO_MAXIMA[@]}"; do
		for seed in "${SHORTIO_SEEDS[@]}"; do
			run shortio SHORTIO_MAX="$max" SHORTIO_SEED="$seed" "$@"
			"$check" && continue
			bad+=("SHORTIO_MAX=$max SHORTIO_SEED=$seed")
			[[ -n $first ]] || first="exit $status, output:"$'\n'$output
		done
	done
	((${#bad[@]} == 0)) && return 0
	fail "$(printf '%s\n' "wrong under the shim in ${#bad[@]} of" \
		"$((${#SHORTIO_MAXIMA[@]} * ${#SHORTIO_SEEDS[@]})) runs:" \
		"${bad[@]}" "" "the first ($(printf '%s' "${bad[0]}")) gave" \
		"$first")"
}
