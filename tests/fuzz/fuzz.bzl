"""uk_fuzzer: one libFuzzer target that is also a regression test."""

# Bazel links with the C driver: clang then leaves out UBSan's C++ half (vptr checks).
_CLANG_CXX_SANITIZER_RUNTIME = ["-fsanitize-link-c++-runtime"]

def uk_fuzzer(name, runs = 2000, seeds = None, deps = []):
    """<name>: the fuzzer binary; <name>_test: its corpus (tests/fuzz/corpus/<name>) as a test.

    Args:
      name: the target; its source is <name>.cc, its seeds corpus/<name>/.
      runs: fixed-seed mutations the regression test adds to the corpus.
      seeds: the corpus directory's name if not <name> without "_fuzzer".
      deps: libraries beyond fuzz_kernel.
    """
    corpus = "corpus/" + (seeds or (name[:-len("_fuzzer")] if name.endswith("_fuzzer") else name))
    deps = [":fuzz_kernel"] + deps
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = [name + ".cc"],
        deps = deps + select({
            ":fuzzing": [],
            "//conditions:default": [":fuzz_main"],
        }),
        linkopts = select({
            ":fuzzing": ["-fsanitize=fuzzer"] + _CLANG_CXX_SANITIZER_RUNTIME,
            "//conditions:default": [],
        }),
    )
    native.cc_test(
        name = name + "_test",
        size = "small",
        srcs = [name + ".cc"],
        deps = deps + [":fuzz_main"],
        data = native.glob([corpus + "/**"]),
        args = ["-runs=%d" % runs, "tests/fuzz/" + corpus],
        linkopts = select({
            ":fuzzing": _CLANG_CXX_SANITIZER_RUNTIME,
            "//conditions:default": [],
        }),
    )
