"""Bazel rules for users: tests that run under uk-run.

    load("//harness:defs.bzl", "uk_sh_test", "uk_cc_test")

    uk_sh_test(
        name = "my_test",
        srcs = ["my_test.sh"],
        mounts = ["container:cpu,cpuacct:cpu"],   # TYPE:OPTIONS:DIR
        groups = ["cpu:/"],                       # -g: start in an existing container
    )

A mount DIR that is relative is placed under the test's own $TEST_TMPDIR, so a test
needs no host state and runs the same on any machine, shard or remote executor; the
test finds it as $UK_MOUNTS/<DIR>. Everything the test needs (uk-run, the test body)
is declared as data, so shard_count and remote execution work as for any test.
"""

def _runner_args(name, mounts, groups):
    args = ["$(location //harness:uk-run)"]
    for m in mounts:
        args += ["--mount", m]
    for g in groups:
        args += ["-g", g]
    return args + ["--", "$(location :%s_body)" % name]

def _uk_test(name, body_rule, mounts, groups, tags, **kwargs):
    native.sh_test(
        name = name,
        srcs = ["//harness:uk_test_runner.sh"],
        args = _runner_args(name, mounts, groups),
        data = ["//harness:uk-run", ":%s_body" % name],
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
