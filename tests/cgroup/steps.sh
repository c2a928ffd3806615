# Sourced by the shell tests that run the same steps on the host kernel's cgroup v1 and
# under uk-run (scenarios.sh, conform_run.sh): each step prints its answer on one line,
# normalised so that both sides print the same text. The caller sets D (the group the
# paths are shown relative to), WORK (shown as W), ERR (a scratch file) and PIDS (pids it
# started, shown as pid1, pid2, ...).

# norm TEXT: TEXT with the pids of PIDS (whole numbers only) and WORK replaced.
norm() {
  local s=$1 i=0 p
  for p in $PIDS; do
    i=$((i + 1))
    s=$(sed -E "s/(^|[^0-9])$p([^0-9]|\$)/\1pid$i\2/g" <<<"$s")
  done
  s=${s//$WORK/W}
  echo "$s"
}
# w FILE VALUE: write VALUE (printf %s) to FILE, print the result as "ok" or errno text.
w() {
  # 2> first: a file that cannot be opened is reported there too.
  if printf '%s' "$2" 2>"$ERR" >"$1"; then
    norm "write ${1#"$D"/} <- '$2': ok"
  else
    norm "write ${1#"$D"/} <- '$2': $(sed 's/.*: //' "$ERR")"
  fi
}
# t CMD...: run CMD, print "ok" or its errno text (the part after the last ": ").
t() {
  if "$@" 2>"$ERR" >/dev/null; then
    echo "$(echo "$*" | sed "s|$D/||g; s|$D|D|g"): ok"
  else
    echo "$(echo "$*" | sed "s|$D/||g; s|$D|D|g"): $(sed 's/.*: //' "$ERR" | head -1)"
  fi
}
# r FILE: print FILE's content on one line, or the errno text if it cannot be read.
r() {
  local text
  if text=$(tr '\n' '|' 2>"$ERR" <"$1"); then
    norm "read ${1#"$D"/}: [$text]"
  else
    norm "read ${1#"$D"/}: $(sed 's/.*: //' "$ERR")"
  fi
}
# As uid and gid 65534 (setpriv): nw FILE VALUE and nt CMD..., as w and t. Paths must
# be searchable for that uid (differential_test.sh works under /tmp).
AS_OTHER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
nw() {
  if "${AS_OTHER[@]}" bash -c 'printf %s "$2" >"$1"' _ "$1" "$2" 2>"$ERR"; then
    norm "write as 65534 ${1#"$D"/} <- '$2': ok"
  else
    norm "write as 65534 ${1#"$D"/} <- '$2': $(sed 's/.*: //' "$ERR")"
  fi
}
nt() { t "${AS_OTHER[@]}" "$@" | sed 's/^setpriv [^ ]* [^ ]* [^ ]* /as 65534: /'; }
# gt CMD...: as nt, with supplementary group 1234.
gt() {
  t setpriv --reuid=65534 --regid=65534 --groups=1234 "$@" |
    sed 's/^setpriv [^ ]* [^ ]* [^ ]* /as 65534 in 1234: /'
}
