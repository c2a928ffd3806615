#!/bin/bash
# Fails when a symbol listed in docs/PORTING.md no longer occurs in code of the file the
# table names: the reviewer map may not go stale. Comments do not count (a symbol kept
# only in a comment is gone), so the file is read with // comments and the lines of
# /* */ blocks removed.
set -uo pipefail
map="$TEST_SRCDIR/uk/docs/PORTING.md"
root="$TEST_SRCDIR/uk"
# The file without comments: // to the end of a line, and lines inside /* ... */.
code_of() {
  sed -E -e 's:/\*.*\*/::g' -e '\:/\*:,\:\*/:d' -e 's://.*$::' "$1"
}
checked=0
missing=0
while IFS= read -r line; do
  # | patch | 2.6.24 | `file` | `symbol` |
  IFS='|' read -r _ _ _ file symbol _ <<<"$line"
  file=$(sed -e 's/^ *`//' -e 's/` *$//' <<<"$file")
  symbol=$(sed -e 's/^ *`//' -e 's/` *$//' <<<"$symbol")
  [[ "$file" == */* ]] || continue
  checked=$((checked + 1))
  if [[ ! -f "$root/$file" ]]; then
    echo "MISSING FILE: $file (for $symbol)"
    missing=$((missing + 1))
  elif ! grep -qF -- "$symbol" <<<"$(code_of "$root/$file")"; then
    echo "MISSING SYMBOL: $symbol in $file"
    missing=$((missing + 1))
  fi
done < <(grep '^| ' "$map")
echo "checked $checked symbols, $missing missing"
[[ $checked -gt 50 && $missing -eq 0 ]]
