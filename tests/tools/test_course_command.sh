#!/usr/bin/env bash
# test_course_command.sh: the course command on a temporary copy of the repository, used as a student would.
# Usage: test_course_command.sh COURSE_TOOL SOURCE_ROOT
set -euo pipefail
tool=$(readlink -f "$1")
source_root=$(readlink -f "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
pass() { echo "ok:   $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() {  # expect DESCRIPTION TEXT PATTERN: TEXT contains the fixed string PATTERN
  if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1: no '$3' in:"; sed 's/^/    | /' <<<"$2"; fi
}
expect_not() {
  if grep -qF -- "$3" <<<"$2"; then fail "$1: unexpected '$3'"; else pass "$1"; fi
}
# run STATUS_VAR OUTPUT_VAR COMMAND...: captures stdout+stderr and the exit status
run() {
  local -n status_ref=$1 output_ref=$2
  shift 2
  set +e
  output_ref=$("$@" 2>&1 </dev/null)
  status_ref=$?
  set -e
}

# A student's copy: the sources, without any build or progress.
tar -C "$source_root" --exclude=./build --exclude=./.course --exclude=./.git -cf - . | tar -C "$work" -xf -
cd "$work"
export COURSE_ROOT=$work COURSE_BUILD_DIR=$work/build/dev
unset NO_COLOR

run status out "$tool"
expect "the map lists chapter 01" "$out" "01 Processes"
expect "every exercise starts not started" "$out" "not started  exit_code"
expect_not "nothing is passed on a fresh copy" "$out" "passed "
expect "the map says what to do next" "$out" "check  ./course check 01/exit_code"

run status out env -u COURSE_ROOT sh -c "cd '$work/exercises/01_processes' && '$tool' map"
[[ $status == 0 ]] && expect "the command works from a folder inside the repository" "$out" "01 Processes"

run status out "$tool" check 01/exit_coed
[[ $status == 2 ]] && pass "a misspelt exercise is an error (status 2)" || fail "misspelt exercise gave status $status"
expect "a misspelt exercise gets a suggestion" "$out" "Did you mean exit_code?"
run status out "$tool" check 9
expect "an unknown chapter is named and the chapters listed" "$out" "there is no chapter '9'"
run status out "$tool" run 01/99
expect "an unknown example lists the chapter's examples" "$out" "05_exit_status"

# exit_code's test cases, however many its test file has.
cases=$(grep -c '^TEST_CASE(' tests/01_processes/test_exit_code.cpp)

run status out "$tool" check 01/exit_code
[[ $status == 1 ]] && pass "the stub's check fails (status 1)" || fail "stub check gave status $status"
expect "the stub's verdicts say it is not written yet" "$out" "not written yet: TODO: exit_code.hpp"
expect "the stub passes no test case" "$out" "0 of $cases test cases pass"
expect "a failing check points to the hint command" "$out" "./course hint 01/exit_code"

cp solutions/01_processes/exit_code.hpp exercises/01_processes/exit_code.hpp
run status out "$tool" check 01/exit_code
[[ $status == 0 ]] && pass "the solution's check passes (status 0)" || fail "solution check gave status $status: $out"
expect "every test case passes" "$out" "$cases of $cases test cases pass"
expect "the next exercise is suggested" "$out" "Next: 01/workers"
run status out "$tool"
expect "the map shows the progress" "$out" "passed       exit_code"
expect "the chapter's count moves" "$out" "1/4"

run status out "$tool" hint 01/workers
expect "the first hint comes first" "$out" "Hint 1 of 3 for 01/workers"
expect_not "only the first hint is shown" "$out" "Hint 2 of 3"
run status out "$tool" hint workers
expect "the next call shows the next hint" "$out" "Hint 2 of 3 for 01/workers"
"$tool" hint 01/workers >/dev/null
run status out "$tool" hint 01/workers
expect "after the last hint it says so" "$out" "That was the last hint"

# An edit that deadlocks: call() reads from a pipe nobody writes, for one input only.
python3 - <<'PY'
s = open('solutions/01_processes/exit_code.hpp').read()
s = s.replace('#include <spawn.h>', '#include <spawn.h>\n#include <unistd.h>')
s = s.replace('    int status = 0;\n    while (waitpid',
              '    int never[2];\n    if (argv[0] == "false" && pipe(never) == 0) {\n'
              '        char byte;\n        [[maybe_unused]] auto n = read(never[0], &byte, 1);\n    }\n'
              '    int status = 0;\n    while (waitpid', 1)
open('exercises/01_processes/exit_code.hpp', 'w').write(s)
PY
started=$SECONDS
run status out "$tool" check 01/exit_code --time-limit 2
expect "a deadlock is a timeout" "$out" "TIMEOUT"
expect "a timeout suggests a deadlock" "$out" "probably a deadlock"
expect "the blocked thread and its call are shown" "$out" "main thread is blocked in read()"
expect "the line where it blocks is shown" "$out" "in course::call() at exit_code.hpp:"
(( SECONDS - started < 30 )) && pass "the deadlocked check ends on time" || fail "the deadlocked check took $((SECONDS - started)) s"
expect "the other test cases still run" "$out" "$((cases - 1)) of $cases test cases pass"

echo 'this is not C++' >>exercises/01_processes/exit_code.hpp
run status out "$tool" check 01
expect "a compile error is a build verdict" "$out" "BUILD"
expect "the compiler's message is shown" "$out" "error:"
workers_cases=$(grep -c '^TEST_CASE(' tests/01_processes/test_workers.cpp)
expect "the chapter's other exercises are still checked" "$out" "0 of $workers_cases test cases pass"

run status out "$tool" reset 01/exit_code
[[ $status == 2 ]] && pass "reset without a terminal asks for --yes" || fail "reset gave status $status"
expect "reset explains how to confirm" "$out" "--yes"
run status out "$tool" reset 01/exit_code --yes
cmp -s exercises/01_processes/exit_code.hpp "$source_root/exercises/01_processes/exit_code.hpp" &&
  pass "reset restores the original stub" || fail "reset did not restore the stub"
ls .course/backups/01_processes/exit_code.hpp.* >/dev/null 2>&1 &&
  pass "reset keeps the student's version" || fail "no backup after reset"

# watch: a first check at once, another when the file is saved, q to quit.
wait_for() {  # wait_for FILE TEXT: until FILE holds TEXT, for at most 60 s
  local deadline=$((SECONDS + 60))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
mkfifo "$work/watch.in"
"$tool" watch 01/exit_code <"$work/watch.in" >"$work/watch.out" 2>&1 &
watcher=$!
exec 3>"$work/watch.in"
wait_for "$work/watch.out" "Watching exercises/01_processes/exit_code.hpp" &&
  pass "watch checks at once and then waits" || fail "watch did not start: $(cat "$work/watch.out")"
expect "watch's first check is the stub's" "$(cat "$work/watch.out")" "0 of $cases test cases pass"
cp solutions/01_processes/exit_code.hpp exercises/01_processes/exit_code.hpp
wait_for "$work/watch.out" "$cases of $cases test cases pass" &&
  pass "saving the file checks it again" || fail "no re-check after saving: $(cat "$work/watch.out")"
echo q >&3
exec 3>&-
deadline=$((SECONDS + 30))
while kill -0 "$watcher" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
kill -0 "$watcher" 2>/dev/null && { fail "watch did not quit on q"; kill "$watcher"; } || pass "q quits watch"
"$tool" reset 01/exit_code --yes >/dev/null

run status out "$tool" run 01/05
expect "run builds and runs one example" "$out" "== 01/05_exit_status =="
expect "an example's non-zero exit is shown" "$out" "(exit status 1, as this program means to)"
[[ $status == 0 ]] && pass "an exit status the program means is no failure" || fail "run gave status $status"

# grade from the command line: --fail-under decides the exit status, each --format is readable.
grade=("$tool" grade --only 01/exit_code --no-tsan --quiet)
run status out "${grade[@]}" --format json --output "$work/grade.json" --fail-under 1
[[ $status == 1 ]] && pass "a score below --fail-under exits with status 1" || fail "--fail-under 1 on a stub gave status $status: $out"
python3 - "$work/grade.json" "$cases" <<'PY' && pass "the JSON report reads back: a stub scores 0 of its cases" || fail "the JSON report is wrong"
import json, sys
report = json.load(open(sys.argv[1]))
(exercise,) = report["exercises"]
assert exercise["exercise"] == "01/exit_code" and report["score"] == 0 and report["max_score"] > 0, report
assert len(exercise["cases"]) == int(sys.argv[2]), len(exercise["cases"])
PY
run status out "${grade[@]}" --format table --fail-under 0
[[ $status == 0 ]] && pass "a score at --fail-under exits with status 0" || fail "--fail-under 0 gave status $status"
expect "the table names the exercise" "$out" "01/exit_code"
expect "the table gives the total" "$out" "total 0.0 / "
run status out "${grade[@]}" --format gradescope
python3 -c 'import json, sys; r = json.loads(sys.stdin.read()); assert r["score"] == 0 and r["tests"]' <<<"$out" &&
  pass "the Gradescope report is JSON with its tests" || fail "the Gradescope report does not read: $out"
run status out "${grade[@]}" --format junit --output "$work/grade.xml"
grep -qF '<testsuites' "$work/grade.xml" && pass "the JUnit report is written" || fail "no JUnit report"
if command -v xmllint >/dev/null; then
  xmllint --noout "$work/grade.xml" && pass "the JUnit report is valid XML" || fail "the JUnit report is not valid XML"
fi
run status out "${grade[@]}" --format yaml
[[ $status != 0 ]] && expect "an unknown --format is refused" "$out" "yaml" || fail "--format yaml was accepted"

for command in "" map run check watch hint reset; do
  run status out "$tool" $command --help
  [[ $status == 0 ]] && expect "--help for '${command:-course}'" "$out" "Usage" || fail "--help for '$command' gave status $status"
done

if command -v script >/dev/null; then
  out=$(script -qec "'$tool' map" /dev/null </dev/null)
  expect "colour on a terminal" "$out" $'\033['
  out=$(NO_COLOR=1 script -qec "'$tool' map" /dev/null </dev/null)
  expect_not "no colour with NO_COLOR" "$out" $'\033['
fi
out=$("$tool" map)
expect_not "no colour into a pipe" "$out" $'\033['

# The course script at the top builds the tool on first use; its messages and the build's go to
# stderr, so that a report asked for on stdout is the report alone. Stand-ins for cmake, ninja
# and the tool play a first run, then a later one.
fake=$work/fake-bin
mkdir -p "$fake"
cat >"$fake/cmake" <<'EOF'
#!/bin/sh
# cmake's stand-in: talks on stdout and stderr, and makes the build folder it is given (-B).
echo "-- Configuring done"
echo "CMake Warning: a stand-in" >&2
while [ $# -gt 0 ]; do [ "$1" = -B ] && dir=$2; shift; done
mkdir -p "$dir/tools" && : >"$dir/build.ninja"
EOF
cat >"$fake/ninja" <<'EOF'
#!/bin/sh
# ninja's stand-in: builds, once, a course tool that prints its arguments as JSON.
tool=$2/tools/course-tool
[ -x "$tool" ] && { echo "ninja: no work to do."; exit 0; }
echo "[1/1] Linking CXX executable tools/course-tool"
printf '#!/bin/sh\necho "{\\"args\\": \\"$*\\"}"\n' >"$tool" && chmod +x "$tool"
EOF
chmod +x "$fake/cmake" "$fake/ninja"
for which_run in "the first run" "a later run"; do
  set +e
  stdout=$(PATH=$fake:$PATH COURSE_BUILD_DIR=$work/fresh-build ./course grade --only 01/exit_code --format json \
           2>"$work/stderr.$which_run" </dev/null)
  status=$?
  set -e
  [[ $status == 0 && $stdout == '{"args": "grade --only 01/exit_code --format json"}' ]] &&
    pass "on $which_run, ./course writes only the tool's output to stdout" ||
    fail "on $which_run, ./course wrote to stdout (status $status): $stdout"
done
stderr=$(cat "$work/stderr.the first run")
expect "the first run says it sets up the build, on stderr" "$stderr" "First run: setting up the build"
expect "the first run says it builds the tool, on stderr" "$stderr" "Building the course tool"
expect "the build's progress is on stderr" "$stderr" "[1/1] Linking CXX executable tools/course-tool"
[[ ! -s "$work/stderr.a later run" ]] && pass "a later run builds nothing and says nothing" ||
  fail "a later run said: $(cat "$work/stderr.a later run")"

echo
((failures == 0)) && echo "all course command checks passed" || echo "$failures course command check(s) failed"
((failures == 0))
