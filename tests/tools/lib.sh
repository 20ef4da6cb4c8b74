# lib.sh: what the course command's end-to-end tests share: a student's copy of the repository, expectations.
# Sourced by test_course_command.sh and test_check_verdicts.sh; the caller sets `tool` and `source_root`.

failures=0
pass() { echo "ok:   $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() {  # expect DESCRIPTION TEXT PATTERN: TEXT contains the fixed string PATTERN
  if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1: no '$3' in:"; sed 's/^/    | /' <<<"$2"; fi
}
expect_not() {
  if grep -qF -- "$3" <<<"$2"; then fail "$1: unexpected '$3' in:"; sed 's/^/    | /' <<<"$2"; else pass "$1"; fi
}
expect_status() {  # expect_status DESCRIPTION WANTED GOT OUTPUT
  if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1: status $3, wanted $2:"; sed 's/^/    | /' <<<"$4"; fi
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
# student_copy DIR: the sources as a student has them (no build, no progress), made a git
# repository with one commit, as a clone would be.
student_copy() {
  mkdir -p "$1"
  tar -C "$source_root" --exclude=./build --exclude=./.course --exclude=./.git -cf - . | tar -C "$1" -xf -
  git -C "$1" init -q
  git -C "$1" add -A
  git -C "$1" -c user.name=student -c user.email=student@example.org commit -qm "the course" --no-gpg-sign
}
# edit FILE OLD NEW: replaces the first OLD with NEW in FILE, or fails the test loudly.
edit() {
  python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
if old not in text:
    sys.exit(f"edit: {path} has no {old!r}")
open(path, 'w').write(text.replace(old, new, 1))
PY
}
finish() {
  echo
  ((failures == 0)) && echo "all checks passed" || echo "$failures check(s) failed"
  ((failures == 0))
}
