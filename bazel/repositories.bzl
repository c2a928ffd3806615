"""uk_repositories(): the repositories a workspace that depends on @uk must declare.

In the user's WORKSPACE, after the repository holding uk is declared as "uk":

    load("@uk//bazel:repositories.bzl", "uk_repositories")

    uk_repositories()

Each repository is declared only if the workspace has not declared it already, so a
declaration of the user's own (written before the call) always wins.
"""

def _uk_stub_impl(rctx):
    # The stub's files inside @uk, wherever @uk lives (a checkout, an http_archive).
    src = rctx.path(Label("//bazel:BUILD.bazel")).dirname.dirname
    for part in ["third_party", "bazel", rctx.attr.stub]:
        src = src.get_child(part)
    for f in src.readdir():
        rctx.symlink(f, f.basename)

_uk_stub = repository_rule(
    implementation = _uk_stub_impl,
    attrs = {"stub": attr.string(mandatory = True)},
    local = True,
)

def uk_repositories(platforms_path = "/usr/share/bazel/tools/platforms"):
    """Declares what uk's build needs and the workspace lacks.

    rules_cc, rules_java and remote_coverage_tools are uk's offline stubs for Bazel
    4.2.3's bazel_tools (third_party/bazel/README.md); platforms is a local checkout.

    Args:
      platforms_path: the directory of the platforms repository (default: Debian's
        bazel-platforms package).
    """
    for stub in ["rules_cc", "rules_java", "remote_coverage_tools"]:
        if not native.existing_rule(stub):
            _uk_stub(name = stub, stub = stub)
    if not native.existing_rule("platforms"):
        native.local_repository(name = "platforms", path = platforms_path)
