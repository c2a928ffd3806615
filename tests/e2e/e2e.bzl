"""e2e_test: a shell test driving the built uk-run on real processes."""

def e2e_test(name, data, size = "small", alone = False, script = None, manual = False, **kwargs):
    """A shell script as an sh_test outside the sandbox ("local": /dev/fuse, seccomp, namespaces).

    Args:
      name: the test.
      data: what the script runs (uk-run, lib.sh, helper programs).
      size: the Bazel test size.
      alone: run with no other test beside it ("exclusive"): it uses fixed host paths,
        measures time or CPU shares, or loads the machine.
      script: the script; <name>.sh by default (a long variant reuses its short one's).
      manual: a soak that `//...` (and so CI) leaves out; run it by its label.
      **kwargs: passed to sh_test.
    """
    tags = ["exclusive", "local"] if alone else ["local"]
    native.sh_test(
        name = name,
        size = size,
        srcs = [script or name + ".sh"],
        data = data,
        tags = tags + ["manual"] if manual else tags,
        **kwargs
    )
