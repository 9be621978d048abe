#!/usr/bin/env bash
# tests/gates/twins.bash [DIR] - every README.md and its Russian twin,
# README.ru.md, say the same thing in the same shape (`make lint` runs it
# on the whole project; tests/twins.bats runs it on made-up folders):
#
#   1. every README.md under DIR has a README.ru.md beside it, and every
#      README.ru.md a README.md;
#   2. line 1 of each links to the other: `](README.ru.md)` in the
#      English, `](README.md)` in the Russian;
#   3. the same sections: the same headings (`#` to `######` outside
#      code blocks), level by level, in the same order;
#   4. the same fenced code blocks (``` or ~~~, also inside a `>` quote),
#      byte for byte, in the same order: commands, pasted output and C
#      stay as they are in both languages, so a program whose output
#      changed needs both texts updated.
#
# build/ and .git are not looked into; a README anywhere else is, so a
# lesson added later is checked with no list to update.
# Exit status: 0 all twins agree, 1 something differs (each difference
# on a line of its own, naming the file and line), 2 usage error.
set -uo pipefail

dir=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
[[ $# -le 1 && -d $dir ]] || {
	echo "usage: tests/gates/twins.bash [DIR]" >&2
	exit 2
}
cd "$dir" || exit 2

# The shape of one README, one record a line:
#   H <line> <level>           a heading
#   B <line> <n> <hex>         code block n starts at line; hex: its bytes
#   L1 <text>                  line 1
# Fences follow CommonMark: up to 3 spaces, then 3 or more ` or ~; the
# block ends at a fence of the same character at least as long, with
# nothing after it.  A `>` quote prefix is looked through.
shape() {
	LC_ALL=C awk '
	function hex(s,   i, out) {
		out = ""
		for (i = 1; i <= length(s); i++)
			out = out sprintf("%02x", ord[substr(s, i, 1)])
		return out
	}
	BEGIN {
		for (i = 1; i < 256; i++)
			ord[sprintf("%c", i)] = i
		fence = ""; n = 0
	}
	NR == 1 { print "L1 " $0 }
	{
		line = $0
		sub(/\r$/, "", line)
		bare = line
		while (match(bare, /^ ? ? ?> ?/))
			bare = substr(bare, RLENGTH + 1)
		if (fence == "") {
			if (match(bare, /^ ? ? ?(```+|~~~+)/)) {
				f = substr(bare, 1, RLENGTH)
				sub(/^ */, "", f)
				info = substr(bare, RLENGTH + 1)
				# the info string of a ``` fence has no `
				if (substr(f, 1, 1) == "~" ||
				    index(info, "`") == 0) {
					fence = f; start = NR; body = $0 "\n"
					next
				}
			}
			if (match(bare, /^ ? ? ?##?#?#?#?#?( |$)/)) {
				h = bare; sub(/^ */, "", h)
				match(h, /^#+/)
				print "H " NR " " RLENGTH
			}
			next
		}
		body = body $0 "\n"
		c = substr(fence, 1, 1)
		if (match(bare, "^ ? ? ?" (c == "`" ? "`" : "~") "+ *$")) {
			t = bare; gsub(/ /, "", t)
			if (length(t) >= length(fence)) {
				print "B " start " " ++n " " hex(body)
				fence = ""
			}
		}
	}
	END {
		if (fence != "")
			print "B " start " " ++n " " hex(body) " unclosed"
	}' "$1"
}

problems=0
say() {
	printf '%s\n' "$*"
	problems=$((problems + 1))
}

# Compare one pair: en and ru are the paths.
compare() {
	local en=$1 ru=$2 se sr i n
	local -a he hr be br
	local diff
	se=$(shape "$en") sr=$(shape "$ru")

	grep -q '^L1 .*](README\.ru\.md)' <<<"$se" ||
		say "$en:1: line 1 does not link to README.ru.md" \
			"(e.g. [Русский](README.ru.md) · English)"
	grep -q '^L1 .*](README\.md)' <<<"$sr" ||
		say "$ru:1: line 1 does not link to README.md" \
			"(e.g. [English](README.md) · Русский)"

	# Headings, "LINE LEVEL": the levels, in order.
	mapfile -t he < <(awk '$1 == "H" { print $2, $3 }' <<<"$se")
	mapfile -t hr < <(awk '$1 == "H" { print $2, $3 }' <<<"$sr")
	n=$((${#he[@]} > ${#hr[@]} ? ${#he[@]} : ${#hr[@]}))
	for ((i = 0; i < n; i++)); do
		[[ -n ${he[i]:-} && -n ${hr[i]:-} &&
			${he[i]#* } == "${hr[i]#* }" ]] && continue
		if [[ -z ${he[i]:-} || -z ${hr[i]:-} ]]; then
			diff="one has a heading where the other has none"
		else
			diff="line ${he[i]% *} (level ${he[i]#* })"
			diff+=" against line ${hr[i]% *} (level ${hr[i]#* })"
		fi
		say "$ru: its sections differ from $en's: ${#hr[@]} headings" \
			"against ${#he[@]}, the first that differs: $diff"
		break
	done

	# Code blocks, "B LINE N HEX [unclosed]": each, byte for byte, in
	# order.
	mapfile -t be < <(awk '$1 == "B"' <<<"$se")
	mapfile -t br < <(awk '$1 == "B"' <<<"$sr")
	((${#be[@]} == ${#br[@]})) ||
		say "$ru: ${#br[@]} code blocks, $en has ${#be[@]}"
	unclosed "$en" "${be[@]}"
	unclosed "$ru" "${br[@]}"
	for ((i = 0; i < ${#be[@]} && i < ${#br[@]}; i++)); do
		local -a e r
		read -ra e <<<"${be[i]}"
		read -ra r <<<"${br[i]}"
		[[ ${e[3]} == "${r[3]}" ]] ||
			say "$ru:${r[1]}: code block $((i + 1)) differs" \
				"from $en:${e[1]} (its twin must be byte for" \
				"byte the same)"
	done
}

# unclosed FILE RECORD...: a code block with no closing fence.
unclosed() {
	local file=$1 rec
	shift
	for rec in "$@"; do
		[[ $rec == *' unclosed' ]] || continue
		rec=${rec#B }
		say "$file:${rec%% *}: a code block that is never closed"
	done
}

pairs=0
while IFS= read -r -d '' f; do
	f=${f#./}
	case $f in
	*README.md)
		twin=${f%README.md}README.ru.md
		[[ -f $twin ]] || {
			say "$f: no Russian twin beside it ($twin)"
			continue
		}
		compare "$f" "$twin"
		pairs=$((pairs + 1))
		;;
	*README.ru.md)
		[[ -f ${f%README.ru.md}README.md ]] ||
			say "$f: no README.md beside it"
		;;
	esac
done < <(find . \( -name .git -o -path ./build \) -prune -o \
	\( -name README.md -o -name README.ru.md \) -type f -print0 | sort -z)

if ((problems > 0)); then
	echo "twins: $problems difference(s) between the READMEs and their" \
		"Russian twins"
	exit 1
fi
echo "twins: $pairs README(s), each with its Russian twin: same sections," \
	"same code blocks"
