#!/usr/bin/env bash
# test_selftest.sh: the self-check's repeated mutant runs, their result files and the table made from them.
# Usage: test_selftest.sh COURSE_TOOL FIXTURES_DIR
set -euo pipefail
tool=$(readlink -f "$1")
fixtures=$(readlink -f "$2")/selfcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
pass() { echo "ok:   $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() {  # expect DESCRIPTION TEXT PATTERN: TEXT contains the fixed string PATTERN
  if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1: no '$3' in:"; sed 's/^/    | /' <<<"$2"; fi
}
expect_status() {  # expect_status DESCRIPTION WANTED GOT
  if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1: status $3, not $2"; fi
}
run() {  # run STATUS_VAR OUTPUT_VAR COMMAND...: captures stdout+stderr and the exit status
  local -n status_ref=$1 output_ref=$2
  shift 2
  set +e
  output_ref=$("$@" 2>&1 </dev/null)
  status_ref=$?
  set -e
}

# --- The table, from fixed result files ---------------------------------------------------
run status out "$tool" selftest table "$fixtures/caught"
expect_status "a table where every mutant was caught every time" 0 "$status"
expected=$(cat <<'EOF'
exercise         mutants  mutant                  kind            caught by                                     rate  seconds
---------------  -------  ----------------------  --------------  -------------------------------------------  -----  -------
01/exit_code           1  raw_wait_status         signal-status   failed (plain)                               20/20      4.3
03/safe_counter        2  counter_check_then_act  check-then-act  failed (plain)                               20/20     23.8
                          counter_without_lock    missing-lock    failed (plain) 17, race (ThreadSanitizer) 3  20/20     61.0

3 mutants of 2 exercises; 3 caught in every run; 89 s in all
EOF
)
if [[ $out == "$expected" ]]; then
  pass "the table lists each exercise once, its mutants sorted, their kinds, verdicts and rates"
else
  fail "the table differs from the expected one:"
  diff <(echo "$expected") <(echo "$out") | sed 's/^/    | /' || true
fi

run status out "$tool" selftest table "$fixtures/escaped"
expect_status "a mutant not caught in every run fails the table" 1 "$status"
expect "the escaped runs are counted" "$out" "failed (plain), NOT CAUGHT 2"
expect "the rate shows them" "$out" "18/20"
expect "a missing kind line is shown" "$out" "(no kind)"
expect "the summary names it" "$out" "1 NOT caught in every run"

mkdir "$work/empty"
run status out "$tool" selftest table "$work/empty"
expect_status "no results at all is an error" 1 "$status"
expect "and says where it looked" "$out" "no self-check results in $work/empty"

# --- Repeated mutant runs, with stand-in test binaries -------------------------------------
# A stand-in writes one test case to the course's report stream: failed when its script says
# so for this run (run numbers count up in a file), passed otherwise. It also records the
# schedule seed it was given, which must differ from run to run.
fake() {  # fake PATH FAILING_RUNS...: a binary that fails in the given runs (counted per binary)
  local path=$1
  shift
  cat >"$path" <<EOF
#!/usr/bin/env bash
count_file="$path.count"
run=\$(( \$(cat "\$count_file" 2>/dev/null || echo 0) + 1 ))
echo "\$run" >"\$count_file"
echo "\${COURSE_CHAOS_SEED:-none}" >>"$path.seeds"
passed=true
for failing in $*; do [[ \$run == "\$failing" ]] && passed=false; done
# Events signed as the test main signs them (report_stream.hpp), by Python's hmac module.
key=; [[ -n \${COURSE_REPORT_KEY_FD:-} ]] && key=\$(cat <&"\$COURSE_REPORT_KEY_FD")
seq=0
report() {
  local line=\$1
  if [[ -n \$key ]]; then
    local mac=\$(python3 -c 'import hashlib, hmac, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).hexdigest())' "\$key" "\$seq:\$line")
    line="\${line%\}},\"seq\":\$seq,\"mac\":\"\$mac\"}"
    seq=\$((seq + 1))
  fi
  echo "\$line" >&"\$COURSE_REPORT_FD"
}
report '{"event":"stream","version":4,"pid":'"\$\$"'}'
report '{"event":"schedule","seed":'"\${COURSE_CHAOS_SEED:-0}"'}'
report '{"event":"start","name":"only"}'
[[ \$passed == false ]] && report '{"event":"failure","file":"t.cpp","line":1,"message":"CHECK( total == 3 ) is NOT correct!"}'
report '{"event":"end","name":"only","passed":'"\$passed"',"seconds":0}'
report '{"event":"done","cases":1,"failed":0}'
EOF
  chmod +x "$path"
}
printf 'loses the last update\nkind: missing-lock\n' >"$work/mistake.txt"

# Plain catches runs 1 and 3; ThreadSanitizer catches run 2 (its only run: plain passed).
fake "$work/plain" 1 3
fake "$work/tsan" 1
run status out "$tool" selftest mutant --time-limit 60 --runs 3 --mistake "$work/mistake.txt" \
  --id 04.some_queue.lost_update --results "$work/results" "$work/plain" "$work/tsan"
expect_status "a mutant caught in every run passes" 0 "$status"
expect "the rate and who caught it" "$out" "caught in 3 of 3 runs (plain 2, ThreadSanitizer 1)"
expect "each run says what caught it" "$out" "run 2, seed"
expect "the ThreadSanitizer run is named" "$out" "caught by the ThreadSanitizer run: failed in \"only\""
[[ $(cat "$work/tsan.count") == 1 ]] && pass "the ThreadSanitizer build runs only when the plain one passed" ||
  fail "the ThreadSanitizer build ran $(cat "$work/tsan.count") times"
[[ $(sort -u "$work/plain.seeds" | wc -l) == 3 && $(grep -c none "$work/plain.seeds" || true) == 0 ]] &&
  pass "each run gets a schedule seed of its own" || fail "seeds given: $(tr '\n' ' ' <"$work/plain.seeds")"
result="$work/results/04.some_queue.lost_update.json"
if [[ -f $result ]]; then
  pass "the result file is named after the mutant"
  text=$(cat "$result")
  expect "it records the chapter" "$text" '"chapter": "04"'
  expect "the exercise" "$text" '"exercise": "some_queue"'
  expect "the kind from mistake.txt" "$text" '"kind": "missing-lock"'
  expect "the verdicts" "$text" '"failed (ThreadSanitizer)": 1'
  expect "the rate" "$text" '"caught": 3'
else
  fail "no result file $result"
fi

# A replayed seed is passed to every run; a run that nothing catches fails the check.
fake "$work/plain2" 1
fake "$work/tsan2"
run status out env COURSE_CHAOS_SEED=4242 "$tool" selftest mutant --time-limit 60 --runs 2 \
  --mistake "$work/mistake.txt" --id 04.some_queue.lucky --results "$work/results" "$work/plain2" "$work/tsan2"
expect_status "a mutant that escapes one run fails" 1 "$status"
expect "the rate says so" "$out" "caught in 1 of 2 runs (plain 1, ThreadSanitizer 0)"
expect "the escaping run is named with its seed" "$out" "run 2, seed 4242: NOT caught"
[[ $(sort -u "$work/plain2.seeds") == 4242 ]] && pass "COURSE_CHAOS_SEED replays one seed in every run" ||
  fail "seeds given: $(tr '\n' ' ' <"$work/plain2.seeds")"

run status out "$tool" selftest table "$work/results"
expect_status "the table of both fails" 1 "$status"
expect "it shows the mixed verdicts" "$out" "failed (plain) 2, failed (ThreadSanitizer) 1"
expect "and the escape" "$out" "failed (plain), NOT CAUGHT 1"

run status out "$tool" selftest mutant --runs 2 --mistake "$work/mistake.txt" "$work/plain" "$work/missing"
expect_status "a missing binary is an error, never a caught mutant" 3 "$status"

echo
if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
