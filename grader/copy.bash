#!/usr/bin/env bash
# grader/copy.bash FROM TO [NAME] - copy a lesson of a submission, as
# an unprivileged user (grader/grade.bash runs it so): the folders and
# regular files under FROM (or, with NAME, the one regular file
# FROM/NAME) into the folder TO.  Nothing is followed: a link, a hard
# link (a second name of a file that may be anyone's), a fifo, a socket
# or a device is not copied, and is named on stdout.  At most
# COPY_MAX_KIB KiB (4096) and COPY_MAX_FILES entries (1000) are copied.
# Exit status: 0 copied (perhaps refusing some entries), 1 if FROM
# cannot be read or the submission is over a limit.
set -uo pipefail

from=$1 to=$2 one=${3:-}
max_kib=${COPY_MAX_KIB:-4096}
max_files=${COPY_MAX_FILES:-1000}
total=0 files=0 status=0

cd -P -- "$from" 2>/dev/null || {
	echo "cannot read $from as an unprivileged user (make it readable by all)"
	exit 1
}
# One line a refused entry, for the lesson's report.
refuse() {
	printf 'not copied (%s): %s\n' "$1" "$2"
}

# %y type, %n links, %s size, %P the path under FROM.
if [[ -n $one ]]; then
	list=(find -P . -mindepth 1 -maxdepth 1 -name "$one")
else
	list=(find -P . -mindepth 1)
fi
while IFS= read -r -d '' entry; do
	read -r type links size <<<"${entry%%/*}"
	path=${entry#*/}
	files=$((files + 1))
	if ((files > max_files)); then
		echo "the submission holds over $max_files files: not copied"
		exit 1
	fi
	case $type in
	d) mkdir -p -- "$to/$path" || status=1 ;;
	f)
		if ((links > 1)); then
			refuse "a hard link: a second name of a file" "$path"
			continue
		fi
		total=$((total + size))
		if ((total > max_kib * 1024)); then
			echo "the submission is over $max_kib KiB: not copied"
			exit 1
		fi
		# -P: were it a link by now, the link itself (removed below).
		cp -P -- "$path" "$to/$path" 2>/dev/null ||
			refuse "cannot be read" "$path" ;;
	l) refuse "a link, not followed" "$path" ;;
	*) refuse "not a regular file" "$path" ;;
	esac
done < <("${list[@]}" -printf '%y %n %s/%P\0' 2>/dev/null)
# Whatever changed under our feet is not kept.
find "$to" -mindepth 1 ! -type f ! -type d -delete
chmod -R u+rwX,go-rwx "$to"
exit "$status"
