#!/usr/bin/env bash
# //tests/lint:host_calls — fails when the kernel's layers (uk/, vfs/, subsys/, sched/)
# make a host call that concerns processes, files under /proc or /sys, or clocks, on a
# non-comment line (issue 18 §1). What they need of the host comes through a seam the
# lower layer declares and harness/ implements (harness/README.md, Files):
#   signals, process state     -> freezer_hooks, sched::host_ops (harness/*_host)
#   affinity                   -> cpuset's affinity_hooks (harness/affinity_host)
#   topology                   -> kernel_config::topo (harness/host_topology)
#   CPU time                   -> cpuacct's cputime_hooks (harness/cputime_host)
#   clocks                     -> vfs/clock.h clock_source (harness/host_clock)
#   /proc, /sys files          -> harness/host_file, harness/host_threads
#
# Usage: host_calls_test.sh [ROOT]. Without ROOT (under bazel test) the source tree is
# found as //tests/lint:format finds it; with ROOT, that tree is checked.
set -euo pipefail

if [[ $# -ge 1 ]]; then
  root=$1
else
  runfile="${TEST_SRCDIR:?not run by bazel test}/${TEST_WORKSPACE:?}/tools/format"
  root=$(dirname "$(dirname "$(readlink -f "$runfile")")")
fi
if [[ ! -f "$root/WORKSPACE" || ! -d "$root/uk" ]]; then
  echo "host_calls_test: no source tree at $root" >&2
  exit 1
fi

cd "$root"
# One hit per line: FILE<TAB>LINE<TAB>MATCHED<TAB>TEXT. Comments are removed first (a
# trailing // comment, and /* */ blocks), so prose that names a call is no hit.
hits=$(find uk vfs subsys sched -type f \( -name '*.cc' -o -name '*.h' \) | sort |
  xargs perl -ne '
    BEGIN { $in_block = 0; }
    if (eof) { $last = 1 } else { $last = 0 }
    my $line = $_;
    chomp $line;
    my $code = $line;
    if ($in_block) {
      if ($code =~ s{^.*?\*/}{}) { $in_block = 0 } else { $code = "" }
    }
    $code =~ s{/\*.*?\*/}{}g;
    if ($code =~ s{/\*.*$}{}) { $in_block = 1 }
    $code =~ s{//.*$}{};
    while ($code =~ m{
        (?<![.>\w])(?:::)?\b(kill|tgkill|tkill|getrusage|ptrace|clock_gettime|clock_getres
          |clock_getcpuclockid|pthread_getcpuclockid|gettimeofday|times|sysconf|waitpid|waitid
          |wait4|fopen|opendir|access|syscall|prctl|pidfd_\w+|process_vm_\w+
          |sched_(?:getaffinity|setscheduler|getscheduler|setparam|getparam|setattr|getattr
          |yield|rr_get_interval))\s*\(
        | (?<![\w:])::sched_\w+\s*\(
        | \b(?:cpu_set_t|CPU_SET|CPU_ZERO|CPU_ISSET|CPU_ALLOC)\b
        | \b(std::)?[io]?fstream\b
        | "/(?:proc|sys)/
        | (?<![\w:])::(?:open|openat|read|pread|close|stat|lstat|readlink)\s*\(
        | \bCLOCK_[A-Z_]+
        | \b(?:system_clock|steady_clock|high_resolution_clock)\b
        | \babsl::Now\s*\(
      }xg) {
      my $m = $&;
      $m =~ s/^::|\s*\($//g;
      $m =~ s/^std:://;
      print "$ARGV\t$.\t$m\t$line\n";
    }
    close ARGV if eof;
  ')

if [[ -n "$hits" ]]; then
  echo "host calls in the kernel's layers (use a seam that harness/ installs):" >&2
  while IFS=$'\t' read -r file line match text; do
    echo "$file:$line: $match: $text" >&2
  done <<<"$hits"
  exit 1
fi
echo "no host calls in uk/ vfs/ subsys/ sched/"
