"""e2e_test: a shell test driving the built uk-run on real processes."""

def e2e_test(name, data, size = "small", alone = False, **kwargs):
    """<name>.sh as an sh_test outside the sandbox ("local": /dev/fuse, seccomp, namespaces).

    Args:
      name: the test; its script is <name>.sh.
      data: what the script runs (uk-run, lib.sh, helper programs).
      size: the Bazel test size.
      alone: run with no other test beside it ("exclusive"): it uses fixed host paths,
        measures time or CPU shares, or loads the machine.
      **kwargs: passed to sh_test.
    """
    native.sh_test(
        name = name,
        size = size,
        srcs = [name + ".sh"],
        data = data,
        tags = ["exclusive", "local"] if alone else ["local"],
        **kwargs
    )
