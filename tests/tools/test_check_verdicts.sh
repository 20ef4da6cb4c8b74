#!/usr/bin/env bash
# test_check_verdicts.sh: verdicts a student can trust: races, crashes, deadlocks, odd bytes, slow cases, compile errors, reset.
# Usage: test_check_verdicts.sh COURSE_TOOL SOURCE_ROOT
set -euo pipefail
tool=$(readlink -f "$1")
source_root=$(readlink -f "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

student_copy "$work/course"
cd "$work/course"
export COURSE_ROOT=$work/course COURSE_BUILD_DIR=$work/course/build/dev NO_COLOR=1

# 8 first, since it needs a copy where the course has never run: an edit made before the
# first ./course is not the original, and reset puts the stub back.
stub=$(cat exercises/01_processes/exit_code.hpp)
echo '// my first try' >>exercises/01_processes/exit_code.hpp
run status out "$tool" reset 01/exit_code --yes
expect_status "reset after an edit made before the first run succeeds" 0 "$status" "$out"
[[ $(cat exercises/01_processes/exit_code.hpp) == "$stub" ]] && pass "reset restores the repository's stub" ||
  fail "reset restored something other than the stub"
expect "reset says where the stub came from" "$out" "from the repository's git history"
ls .course/backups/01_processes/exit_code.hpp.* >/dev/null 2>&1 && pass "reset keeps the student's version" ||
  fail "no backup after reset"
# Without git, the copy kept while the file was untouched serves; without either, a clear error.
mkdir "$work/nogit" && tar -C "$work/course" --exclude=./.git --exclude=./build --exclude=./.course -cf - . | tar -C "$work/nogit" -xf -
echo '// edited before the course first ran' >>"$work/nogit/exercises/01_processes/workers.hpp"
nogit() { env COURSE_ROOT="$work/nogit" COURSE_BUILD_DIR="$work/course/build/dev" "$tool" "$@"; }
run status out nogit map
echo '// edited after' >>"$work/nogit/exercises/01_processes/exit_code.hpp"
run status out nogit reset 01/exit_code --yes
expect_status "without git, the copy kept while the file was untouched serves" 0 "$status" "$out"
expect "and reset says so" "$out" ".course/originals"
run status out nogit reset 01/workers --yes
expect_status "without git or a kept copy, reset refuses" 2 "$status" "$out"
expect "and says why" "$out" "cannot find the original"

# 1. A race that gives the right answer is not a pass, and the map keeps it.
cp solutions/03_locks/safe_counter.hpp exercises/03_locks/
edit exercises/03_locks/safe_counter.hpp $'    long value() const {\n        std::lock_guard lock(mutex_);' $'    long value() const {'
run status out "$tool" check 03/safe_counter
expect_status "a racy value() fails the check" 1 "$status" "$out"
expect "the plain run passes" "$out" "test cases pass"
expect "the race check runs by default" "$out" "Checking for data races with ThreadSanitizer"
expect "the race is a RACE verdict" "$out" "RACE"
expect "with the student's line" "$out" "safe_counter.hpp:"
expect_not "never 'Well done'" "$out" "Well done"
run status map "$tool"
expect "the map says race" "$map" "race         safe_counter"
run status out "$tool" check --no-tsan 03/safe_counter
run status map "$tool"
expect "a plain check does not forget the race" "$map" "race         safe_counter"
cp solutions/03_locks/safe_counter.hpp exercises/03_locks/
run status out "$tool" check --no-tsan 03/safe_counter
expect_status "--no-tsan passes a correct file" 0 "$status" "$out"
expect "but says it was not checked for races" "$out" "not checked for races"
run status map "$tool"
expect "the map says passed, not checked for races" "$map" "passed, not checked for races"
run status out "$tool" check 03/safe_counter
expect_status "the full check passes a correct file" 0 "$status" "$out"
run status map "$tool"
expect "then the map says passed" "$map" "passed       safe_counter"

# 2 and 3. A null write names its line, plain and under ThreadSanitizer.
cp solutions/02_threads/parallel_sum.hpp exercises/02_threads/
edit exercises/02_threads/parallel_sum.hpp "        // Sum locally and write the slot once" \
  $'        std::int64_t* nowhere = nullptr;\n        if (end - begin > 100) *nowhere = 1;  // the null write\n        // Sum locally and write the slot once'
line=$(grep -n "the null write" exercises/02_threads/parallel_sum.hpp | cut -d: -f1)
run status out "$tool" check 02/parallel_sum
expect "a null write is a crash" "$out" "CRASH"
expect "it names the student's line" "$out" "parallel_sum.hpp:$line"
expect "it says null pointer" "$out" "a null pointer was used"
expect "it shows the line's code" "$out" "*nowhere = 1"
run status out "$tool" check --tsan 02/parallel_sum
expect "under ThreadSanitizer a segfault is a crash" "$out" "CRASH"
expect "at the same line" "$out" "parallel_sum.hpp:$line"
expect_not "never a race" "$out" "RACE"
expect_not "never a timeout" "$out" "TIMEOUT"

# 4. The argument-order deadlock: both locks, who holds each, who waits.
cp solutions/05_deadlocks/transfers.hpp exercises/05_deadlocks/
patch -s --fuzz=0 exercises/05_deadlocks/transfers.hpp "$source_root/tests/mutants/05_deadlocks/argument_order_locks/transfers.hpp.diff"
run status out "$tool" check --time-limit 3 05/transfers
expect "a deadlock is a timeout" "$out" "TIMEOUT"
expect "the cycle is told" "$out" "wait for each other in a cycle"
expect "who holds which lock" "$out" "holds mutex A"
expect "and waits for which" "$out" "waits for mutex B"
expect "and who holds that one" "$out" "which thread"
expect "the object locked is named" "$out" "to.mutex_"
expect "the first lock's line" "$out" "transfers.hpp:$(grep -n 'lock_from(from.mutex_)' exercises/05_deadlocks/transfers.hpp | cut -d: -f1)"
expect "the second lock's line" "$out" "transfers.hpp:$(grep -n 'lock_to(to.mutex_)' exercises/05_deadlocks/transfers.hpp | cut -d: -f1)"
expect_not "the tests' helpers are folded" "$out" "run_together(int, std::function"

# 5. A failed check whose value holds a byte that is not UTF-8 still fails, with the check.
cp solutions/01_processes/capture_output.hpp exercises/01_processes/
edit exercises/01_processes/capture_output.hpp "    return done;" $'    done.output += static_cast<char>(0xFF);\n    return done;'
run status out "$tool" check --no-tsan 01/capture_output
expect "the case fails" "$out" "FAIL"
expect "the failed check is shown" "$out" "CHECK( done.output =="
expect "the odd byte stays visible" "$out" '\xFF'
expect_not "the failure is never lost" "$out" "0 checks failed"

# 6. A slow case says it is alive within 2 s (plain lines into a pipe).
cp solutions/01_processes/exit_code.hpp exercises/01_processes/
edit exercises/01_processes/exit_code.hpp "#include <spawn.h>" $'#include <spawn.h>\n#include <thread>'
edit exercises/01_processes/exit_code.hpp "    int status = 0;" \
  $'    static bool slept = false;  // the first call takes 3 s\n    if (!slept) std::this_thread::sleep_for(std::chrono::seconds(3));\n    slept = true;\n    int status = 0;'
run status out "$tool" check --no-tsan 01/exit_code
expect "a slow case prints progress" "$out" "still running after 2 s"
expect "with which case and its limit" "$out" "(limit 10 s)"

# 7. A template error starts with the student's line.
cp solutions/05_deadlocks/transfers.hpp exercises/05_deadlocks/
edit exercises/05_deadlocks/transfers.hpp "std::scoped_lock both(from.mutex_, to.mutex_);" "std::scoped_lock both(from.mutex_, from);"
line=$(grep -n "both(from.mutex_, from)" exercises/05_deadlocks/transfers.hpp | cut -d: -f1)
run status out "$tool" check 05/transfers
first_error=$(grep -A1 "BUILD" <<<"$out" | tail -n1)
expect "the first error line is the student's" "$first_error" "transfers.hpp:$line: error:"
expect_not "no include chain through the precompiled header" "$out" "cmake_pch.hxx"
expect_not "no <command-line>" "$out" "<command-line>"
# Everything a student reads fits 80 columns.
wide=$(awk 'length > 80' <<<"$out")
[[ -z $wide ]] && pass "output fits 80 columns" || fail "lines wider than 80 columns:"$'\n'"$wide"
run status out "$tool" check -v 05/transfers
expect "-v shows everything" "$out" "required from here"

# 9. run's status says when a program crashed.
edit chapters/01_processes/01_what_is_a_process.cpp "int main() {" $'#include <csignal>\nint main() {\n    std::raise(SIGSEGV);'
run status out "$tool" run 01/01
expect_status "a crashed example makes run fail" 1 "$status" "$out"
expect "and run says how it died" "$out" "killed by SIGSEGV"

# 9. From a folder inside the repository, commands and paths are as typed from there.
run status out sh -c "cd exercises/05_deadlocks && '$tool' check 05/transfers"
expect "the file to edit is named from here" "$out" "Edit transfers.hpp"
expect "the command is typed from here" "$out" "../../course check 05/transfers"

finish
