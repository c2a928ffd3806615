# Sourced by conformance_test.sh and make_goldens.sh: the answers of one case out of a
# conform_run.sh output, and the comparisons. Needs GOLDENS (the golden directory).

# block OUT CASE: CASE's answers in OUT (the lines after its "== case" line).
block() {
  awk -v c="== case $2" '/^== case / { on = ($0 == c); next } /^exit: / { on = 0 } on' "$1"
}
# golden_body CASE: the golden's answers (its "# " header left out).
golden_body() { grep -v '^# ' "$GOLDENS/$1.out"; }
# golden_unmet CASE: prints why this host does not meet the golden's topology, if it does
# not (a header line "# requires: FILE=VALUE" names a host file and its content).
golden_unmet() {
  local req file
  grep '^# requires: ' "$GOLDENS/$1.out" | sed 's/^# requires: //' | while read -r req; do
    file=${req%%=*}
    [[ "$(cat "$file" 2>/dev/null)" == "${req#*=}" ]] || echo "$file is not ${req#*=}"
  done
}
# show_mismatch CASE WHO-A A WHO-B B: the case's name and both answers.
show_mismatch() {
  echo "FAIL $1: $2 and $4 differ"
  echo "--- $2"
  echo "$3"
  echo "--- $4"
  echo "$5"
  echo "--- diff (- $2, + $4)"
  diff -U2 <(echo "$3") <(echo "$5") | tail -n +3
}

# against_golden CASE UK-ANSWERS WHO: compares with the golden; 0 if equal or skipped.
against_golden() {
  local unmet
  if [[ ! -f "$GOLDENS/$1.out" ]]; then
    echo "FAIL $1: no golden conform_goldens/$1.out (make_goldens.sh makes it)"
    return 1
  fi
  unmet=$(golden_unmet "$1")
  if [[ -n "$unmet" ]]; then
    echo "SKIP PART: $1: the golden's topology is not this host's ($unmet)"
    return 0
  fi
  if [[ "$(golden_body "$1")" == "$2" ]]; then
    echo "PASS $1 ($3 = golden, $(grep '^# kernel: ' "$GOLDENS/$1.out" | sed 's/^# kernel: //'))"
    return 0
  fi
  show_mismatch "$1" "golden" "$(golden_body "$1")" "$3" "$2"
  return 1
}

# compare_cases HOST-OUT UK-OUT CASE...: case by case; 1 if any differs.
compare_cases() {
  local host=$1 uk=$2 c h u rc=0
  shift 2
  for c in "$@"; do
    h=$(block "$host" "$c")
    u=$(block "$uk" "$c")
    if [[ "$h" == *"UNRUNNABLE on the host: "* ]]; then
      echo "host cannot run $c: $(grep -o 'UNRUNNABLE on the host: .*' <<<"$h" | sed 's/^[^:]*: //')"
      against_golden "$c" "$u" "uk-run" || rc=1
    elif [[ -z "$h" ]]; then
      echo "FAIL $c: the host gave no answer"
      tail -5 "$host"
      rc=1
    elif [[ "$h" == "$u" ]]; then
      echo "PASS $c ($(wc -l <<<"$h") lines)"
    else
      show_mismatch "$c" "host" "$h" "uk-run" "$u"
      rc=1
    fi
  done
  if ! diff -q <(grep '^exit: ' "$host") <(grep '^exit: ' "$uk") >/dev/null; then
    echo "FAIL: the runs ended differently: host $(grep '^exit: ' "$host"), uk-run $(grep '^exit: ' "$uk")"
    tail -5 "$uk"
    rc=1
  fi
  return $rc
}

# compare_goldens UK-OUT WHO CASE...: each case with its golden; 1 if any differs.
compare_goldens() {
  local out=$1 who=$2 c rc=0
  shift 2
  for c in "$@"; do
    against_golden "$c" "$(block "$out" "$c")" "$who" || rc=1
  done
  if ! grep -qx 'exit: 0' "$out"; then
    echo "FAIL: $who ended with $(grep '^exit: ' "$out"):"
    tail -5 "$out"
    rc=1
  fi
  return $rc
}
