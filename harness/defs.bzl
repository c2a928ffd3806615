"""Bazel rules for users: tests that run under uk-run.

    load("@uk//harness:defs.bzl", "uk_sh_test", "uk_cc_test")  # "//harness:..." inside uk

    uk_sh_test(
        name = "my_test",
        srcs = ["my_test.sh"],
        mounts = ["container:cpu,cpuacct:cpu"],   # TYPE:OPTIONS:DIR
        groups = ["cpu:/"],                       # -g: start in an existing container
    )

A mount DIR that is relative is placed under the test's own $TEST_TMPDIR, so a test
needs no host state and runs the same on any machine; the test finds it as
$UK_MOUNTS/<DIR>. uk-run and the test body are declared as data. shard_count works:
each shard runs its own uk-run.

What the macros need of the machine that runs the test: the macros tag it "local" (no
sandbox, no remote execution), because uk-run needs what sandboxes and remote executors
usually withhold: /dev/fuse, opened read-write; seccomp user notification (uk-run answers
opens with SECCOMP_ADDFD_FLAG_SEND, Linux 5.14+); new mount and pid namespaces, which
take root or, for any other user, unprivileged user namespaces (restricted by default on
some systems, e.g. through AppArmor on Ubuntu 23.10+). A container runtime's seccomp
profile may refuse unshare(2) or mount(2) as well. The macros are tested with Bazel
4.2.3 as root on Linux 6.18 (examples/, tests/external/); uk-run itself also runs as an
unprivileged user (tests/e2e:nonroot_fuse_test).
"""

# Label(): resolved in the repository that defines this file (@uk), not in the one
# whose BUILD file calls the macros.
_UK_RUN = Label("//harness:uk-run")
_RUNNER = Label("//harness:uk_test_runner.sh")

def _runner_args(name, mounts, groups):
    args = ["$(location %s)" % _UK_RUN]
    for m in mounts:
        args += ["--mount", m]
    for g in groups:
        args += ["-g", g]
    return args + ["--", "$(location :%s_body)" % name]

def _uk_test(name, body_rule, mounts, groups, tags, **kwargs):
    native.sh_test(
        name = name,
        srcs = [_RUNNER],
        args = _runner_args(name, mounts, groups),
        data = [_UK_RUN, ":%s_body" % name],
        # uk-run needs /dev/fuse, seccomp notification and namespaces.
        tags = tags + ["local"],
        **kwargs
    )

def uk_sh_test(name, srcs, mounts = [], groups = [], data = [], deps = [], tags = [], **kwargs):
    """An sh_test whose script runs under uk-run with `mounts` mounted first."""
    native.sh_binary(
        name = name + "_body",
        srcs = srcs,
        data = data,
        deps = deps,
        testonly = True,
    )
    _uk_test(name, name + "_body", mounts, groups, tags, **kwargs)

def uk_cc_test(name, srcs, mounts = [], groups = [], deps = [], data = [], copts = [], tags = [], **kwargs):
    """A cc_test (e.g. GoogleTest) whose binary runs under uk-run."""
    native.cc_binary(
        name = name + "_body",
        srcs = srcs,
        deps = deps,
        data = data,
        copts = copts,
        testonly = True,
    )
    _uk_test(name, name + "_body", mounts, groups, tags, **kwargs)
