#!/usr/bin/env bats
# The twin check, tests/gates/twins.bash (`make lint` runs it): every
# README.md has a Russian twin, README.ru.md, with the same sections and
# the same code blocks byte for byte.  Each test makes a small tree of
# its own in $BATS_TEST_TMPDIR and changes one thing in it.

setup() {
	bats_require_minimum_version 1.5.0
	if ! declare -F assert_success >/dev/null; then
		bats_load_library bats-support
		bats_load_library bats-assert
	fi
	TWINS=$BATS_TEST_DIRNAME/gates/twins.bash
	TREE=$BATS_TEST_TMPDIR/tree
	mkdir -p "$TREE/lessons/01-x"
	# A pair that agrees: at the top, and in a lesson.
	for d in "$TREE" "$TREE/lessons/01-x"; do
		cat >"$d/README.md" <<'EOF'
[Русский](README.ru.md) · English

# Lesson

## Run it

```
$ make lesson-01
port 80: http
```

> ```python
> sock.listen(10)
> ```

## Pitfalls

~~~c
int fd = socket(AF_INET, SOCK_STREAM, 0);
~~~
EOF
		cat >"$d/README.ru.md" <<'EOF'
[English](README.md) · Русский

# Урок

## Запустите

```
$ make lesson-01
port 80: http
```

> ```python
> sock.listen(10)
> ```

## Ловушки

~~~c
int fd = socket(AF_INET, SOCK_STREAM, 0);
~~~
EOF
	done
}

twins() {
	run timeout -k 1 10 "$TWINS" "$TREE"
}

@test "twins that agree pass" {
	twins
	assert_success
	assert_output --partial "twins: 2 README(s), each with its Russian twin"
}

@test "a code block that differs by one byte fails, naming both lines" {
	sed -i 's/^port 80: http$/port 80: https/' "$TREE/lessons/01-x/README.ru.md"
	twins
	assert_failure 1
	assert_output --partial "lessons/01-x/README.ru.md:7: code block 1 differs from lessons/01-x/README.md:7"
}

@test "a block inside a quote counts, and trailing white space too" {
	sed -i 's/^> sock.listen(10)$/> sock.listen(10) /' "$TREE/README.ru.md"
	twins
	assert_failure 1
	assert_output --partial "README.ru.md:12: code block 2 differs"
}

@test "blocks in another order fail" {
	cat >>"$TREE/README.md" <<'EOF'

```
one
```

```
two
```
EOF
	cat >>"$TREE/README.ru.md" <<'EOF'

```
two
```

```
one
```
EOF
	twins
	assert_failure 1
	assert_output --partial "code block 4 differs"
	assert_output --partial "code block 5 differs"
}

@test "a code block missing from the twin fails" {
	printf '\n```\nmore output\n```\n' >>"$TREE/README.md"
	twins
	assert_failure 1
	assert_output --partial "README.ru.md: 3 code blocks, README.md has 4"
}

@test "a missing section, or one at another level, fails" {
	sed -i 's/^## Ловушки$/### Ловушки/' "$TREE/README.ru.md"
	sed -i '/^## Pitfalls$/d' "$TREE/lessons/01-x/README.md"
	twins
	assert_failure 1
	assert_output --partial "README.ru.md: its sections differ from README.md's: 3 headings against 3"
	assert_output --partial "lessons/01-x/README.ru.md: its sections differ from lessons/01-x/README.md's: 3 headings against 2"
}

@test "a heading inside a code block is not a section" {
	printf '\n```\n# not a heading\n```\n' | tee -a "$TREE/README.md" \
		>>"$TREE/README.ru.md"
	twins
	assert_success
}

@test "a README without its twin fails, either way round" {
	rm "$TREE/lessons/01-x/README.ru.md"
	mkdir "$TREE/lessons/02-y"
	echo '[English](README.md) · Русский' >"$TREE/lessons/02-y/README.ru.md"
	twins
	assert_failure 1
	assert_output --partial "lessons/01-x/README.md: no Russian twin beside it"
	assert_output --partial "lessons/02-y/README.ru.md: no README.md beside it"
}

@test "line 1 must link to the other language" {
	sed -i '1s/.*/# Lesson/' "$TREE/README.md"
	sed -i '1s/.*/Русский/' "$TREE/lessons/01-x/README.ru.md"
	twins
	assert_failure 1
	assert_output --partial "README.md:1: line 1 does not link to README.ru.md"
	assert_output --partial "lessons/01-x/README.ru.md:1: line 1 does not link to README.md"
}

@test "build/ is not looked into" {
	mkdir -p "$TREE/build/x"
	echo '# stray' >"$TREE/build/x/README.md"
	twins
	assert_success
}

@test "the project's READMEs and their twins agree" {
	run timeout -k 1 10 "$TWINS"
	assert_success
}
