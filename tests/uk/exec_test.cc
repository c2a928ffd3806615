// do_exec: the new comm, and close-on-exec descriptors closed in the exec'ing task's own
// table only (flush_old_exec() unshares a CLONE_FILES table first: unshare_files()).
#include "tests/uk/kernel_fixture.h"

namespace uk::testing {
namespace {

TEST_F(KernelTest, ExecSetsCommToTheBaseNameCutToFifteenBytes) {
  task_struct& t = spawn(init());
  k().do_exec(&t, "/usr/bin/a-program-with-a-long-name");
  EXPECT_EQ(t.get_task_comm(), "a-program-with-");
}

TEST_F(KernelTest, ExecClosesCloseOnExecDescriptorsOnly) {
  task_struct& t = spawn(init());
  long keep = sys_open(t, "/", O_RDONLY | O_DIRECTORY);
  long drop = sys_open(t, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(keep, 0);
  ASSERT_GE(drop, 0);
  k().do_exec(&t, "/bin/sh");
  EXPECT_EQ(sys_close(t, static_cast<int>(drop)), -EBADF);
  EXPECT_EQ(sys_close(t, static_cast<int>(keep)), 0);
}

TEST_F(KernelTest, ExecUnsharesACloneFilesTableBeforeClosing) {
  task_struct& parent = spawn(init());
  task_struct& sharer = spawn(parent, CLONE_FILES);
  ASSERT_EQ(sharer.files, parent.files);
  long fd = sys_open(parent, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  k().do_exec(&sharer, "/bin/true");
  EXPECT_NE(sharer.files, parent.files);
  EXPECT_EQ(sys_close(sharer, static_cast<int>(fd)), -EBADF);  // gone with the old image
  EXPECT_EQ(sys_close(parent, static_cast<int>(fd)), 0);       // the other sharer keeps it
}

}  // namespace
}  // namespace uk::testing
