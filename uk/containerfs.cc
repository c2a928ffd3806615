// The container filesystem: mount (get_sb), kill_sb, remount, the directory
// operations that create and remove containers, and the root's population
// (the patch's container_get_sb, container_kill_sb, container_remount,
// container_mkdir/rmdir/rename, container_populate_dir, container_add_file).
#include "uk/containerfs.h"

#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "uk/container_core.h"
#include "uk/container_files.h"
#include "uk/containerfs_root.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "uk/task.h"
#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace uk {

namespace {

containerfs_root* sb_root(super_block& sb) {
  return static_cast<containerfs_root*>(sb.s_fs_info.get());
}

std::shared_ptr<inode> container_new_inode(super_block* sb, umode_t mode) {
  auto i = std::make_shared<inode>();
  i->i_ino = sb->get_next_ino();
  i->i_mode = mode;
  const vfs_task* t = current();
  i->i_uid = t != nullptr ? t->fsuid.load() : 0;
  i->i_gid = t != nullptr ? t->fsgid.load() : 0;
  i->i_sb = sb;
  i->i_atime = i->i_mtime = i->i_ctime = current_fs_time(sb);
  return i;
}

vfs& sb_vfs(container_core& core) { return core.k().vfs(); }

}  // namespace

container* __d_cont(const dentry* d) {
  return static_cast<container*>(d->d_inode->i_private.get());
}

const cftype* __d_cft(const dentry* d) {
  return static_cast<const cftype*>(d->d_inode->i_private.get());
}

// --- Directory population ---

Errno container_add_file(container* cont, container_subsys* ss, const cftype* cft) {
  dentry* dir = cont->dentry;
  containerfs_root* root = cont->root;
  std::string name = root->flavour->file_name(*root, ss, *cft);
  auto i = container_new_inode(dir->d_sb, S_IFREG | root->flavour->file_mode(*cft));
  i->i_fop = &container_file_operations();
  i->i_op = &container_file_inode_operations();
  // The cftype outlives the file: it belongs to the subsystem or the core.
  i->i_private = std::shared_ptr<void>(std::shared_ptr<void>(), const_cast<cftype*>(cft));
  std::shared_ptr<dentry> self = dir->shared_from_this();
  auto d = d_alloc(self, name);
  d->d_inode = std::move(i);
  absl::MutexLock l(&sb_vfs(*root->core).dcache_lock);
  if (!dir->d_subdirs.emplace(name, d).second) return Errno(EEXIST);
  return kOk;
}

// cgroup_addrm_files(): a CFTYPE_ONLY_ON_ROOT file is made at the top only.
Errno container_add_files(container* cont, container_subsys* ss, std::span<const cftype> cfts) {
  for (const cftype& cft : cfts) {
    if ((cft.flags & CFTYPE_ONLY_ON_ROOT) && cont->parent != nullptr) continue;
    UK_TRY(container_add_file(cont, ss, &cft));
  }
  return kOk;
}

// container_populate_dir(): clears the files (not the child directories) and adds the
// core's files (the flavour's table; CFTYPE_ONLY_ON_ROOT ones at the top only), then
// each bound subsystem's, in subsys_list order. Errors are ignored as in the patch:
// the directory is then partly filled.
static void container_populate_dir(container* cont) {
  dentry* dir = cont->dentry;
  {
    absl::MutexLock l(&sb_vfs(*cont->root->core).dcache_lock);
    for (auto it = dir->d_subdirs.begin(); it != dir->d_subdirs.end();) {
      if (it->second->d_inode && !it->second->d_inode->is_dir()) {
        it->second->d_deleted = true;
        it = dir->d_subdirs.erase(it);
      } else {
        ++it;
      }
    }
  }
  (void)container_add_files(cont, nullptr, cont->root->flavour->files);
  for (container_subsys* ss : cont->root->subsys_list) (void)ss->populate(cont);
}

// --- Directory operations ---

namespace {

class container_dir_inode_operations final : public inode_operations {
 public:
  ErrorOr<std::shared_ptr<inode>> lookup(inode& dir, std::string_view name) const override;
  Errno mkdir(inode& dir, dentry& child, umode_t mode) const override;
  Errno rmdir(inode& dir, dentry& child) const override;
  Errno rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
               dentry& new_dentry) const override;
};

const container_dir_inode_operations container_dir_iops;

std::shared_ptr<inode> container_new_dir_inode(super_block* sb, umode_t mode,
                                               std::shared_ptr<container> cont) {
  auto i = container_new_inode(sb, S_IFDIR | (mode & 07777));
  i->i_nlink = 2;
  i->i_op = &container_dir_iops;
  i->i_fop = cont->root->flavour->dir_operations;
  i->i_private = std::move(cont);
  return i;
}

// Every name lives in the dcache (container_populate_dir, mkdir), so a miss is ENOENT;
// only the flavour's limit on a name's length differs (container_flavour).
ErrorOr<std::shared_ptr<inode>> container_dir_inode_operations::lookup(
    inode& dir, std::string_view name) const {
  const container* cont = static_cast<const container*>(dir.i_private.get());
  if (cont->root->flavour->lookup_name_max) return inode_operations::lookup(dir, name);
  return Errno(ENOENT);
}

// container_create(): each bound subsystem's create() in list order (a failure
// destroys those already made and is mkdir's errno), then the directory and its files.
Errno container_dir_inode_operations::mkdir(inode& dir, dentry& child, umode_t mode) const {
  container* parent = static_cast<container*>(dir.i_private.get());
  containerfs_root* root = parent->root;
  container_core& core = *root->core;
  if (root->flavour->reject_newline_in_name && child.d_name.find('\n') != std::string::npos) {
    return Errno(EINVAL);
  }
  auto cont = std::make_shared<container>();
  absl::MutexLock l(&core.container_mutex);
  cont->parent = parent;
  cont->root = root;
  cont->top_container = parent->top_container;
  std::vector<container_subsys*> created;
  for (container_subsys* ss : root->subsys_list) {
    Errno err = ss->create(cont.get());
    if (!err.ok()) {
      for (container_subsys* done : created) done->destroy(cont.get());
      return err;
    }
    container_subsys_state* css = cont->subsys[ss->subsys_id];
    css->container = cont.get();
    created.push_back(ss);
  }
  for (container_subsys* ss : created) {
    cont->subsys[ss->subsys_id]->id = core.css_id_alloc(ss->subsys_id);
  }
  for (int bit : {CONT_NOTIFY_ON_RELEASE, CONT_CLONE_CHILDREN}) {
    if ((root->flavour->inherited_flags & (1UL << bit)) && parent->test_flag(bit)) {
      cont->set_flag(bit);
    }
  }
  parent->children.push_front(cont.get());
  cont->sibling = parent->children.begin();
  root->number_of_containers++;
  // cgroup.clone_children: the subsystems copy the parent's configuration as for
  // container_clone (cpuset: cpus and mems, unless a sibling is exclusive).
  if (parent->test_flag(CONT_CLONE_CHILDREN)) {
    for (container_subsys* ss : root->subsys_list) ss->post_clone(cont.get());
  }
  // A child pins the super_block: the hierarchy outlives its last mount.
  root->sb->s_active.fetch_add(1);
  child.d_inode = container_new_dir_inode(dir.i_sb, mode, cont);
  dir.i_nlink++;  // cgroup_create_dir(): inc_nlink(parent), for the child's ".."
  cont->dentry = &child;
  container_populate_dir(cont.get());
  // cgroup_create_file(): the name appears under container_mutex, the mkdir's commit
  // point (vfs/entry_recorder.h), so an rmdir's check for children and a lookup of
  // the name see the same order (vfs_mkdir's own d_pin then finds it pinned).
  d_pin(child.shared_from_this());
  return kOk;
}

// container_rmdir(): busy while a task (count), a child or a subsystem pin remains.
Errno container_dir_inode_operations::rmdir(inode& dir, dentry& child) const {
  container* cont = __d_cont(&child);
  container* parent = cont->parent;
  containerfs_root* root = cont->root;
  container_core& core = *root->core;
  {
    absl::MutexLock l(&core.container_mutex);
    core.commit_point();  // busy with children or pins, as mkdir and css_get left it
    if (!cont->children.empty()) return Errno(EBUSY);
    for (container_subsys* ss : root->subsys_list) {
      if (cont->subsys[ss->subsys_id]->refcnt.load() != 0) return Errno(EBUSY);
    }
    {
      // The commit point: busy with tasks or not, as attach and exit left it; if
      // not, the name goes in the same breath (cgroup_d_remove_dir, under the lock
      // attach, fork and a tasks open hold), so a lookup, a tasks open and an attach
      // each come wholly before or wholly after it. vfs_rmdir's own d_delete then
      // finds the name gone.
      absl::MutexLock cl(&core.css_group_lock);
      core.commit_point();
      if (cont->count.load() != 0) return Errno(EBUSY);
      cont->set_flag(CONT_UNLINKED);
      d_delete(child);
      if (dir.i_nlink > 2) dir.i_nlink--;  // remove_dir(): simple_rmdir's drop_nlink(dir)
    }
    for (container_subsys* ss : root->subsys_list) {
      core.css_id_remove(ss->subsys_id, cont->subsys[ss->subsys_id]->id);
      ss->destroy(cont);
    }
    {
      absl::MutexLock rl(&core.release_list_lock);
      cont->set_flag(CONT_REMOVED);
      if (cont->on_release_list) {
        core.release_list_remove(cont);
      }
    }
    parent->children.erase(cont->sibling);
    {
      absl::MutexLock dl(&sb_vfs(core).dcache_lock);
      cont->dentry = nullptr;
    }
    root->number_of_containers--;
    parent->set_flag(CONT_RELEASABLE);
    core.check_for_release(parent);
  }
  deactivate_super(*root->sb);
  return kOk;
}

// container_rename(): directories only, within one parent, onto a free name.
Errno container_dir_inode_operations::rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
                                             dentry& new_dentry) const {
  if (!old_dentry.d_inode->is_dir()) return Errno(ENOTDIR);
  if (new_dentry.d_inode) return Errno(EEXIST);
  if (&old_dir != &new_dir) return Errno(EIO);
  return kOk;
}

class container_super_operations final : public super_operations {
 public:
  Errno remount_fs(super_block& sb, int* flags, const char* data) const override;
  void show_options(std::string& out, vfsmount& mnt) const override;
  Errno statfs(dentry& d, struct statfs* buf) const override;
};
const container_super_operations container_sops;

// simple_statfs(), and under the cgroup flavour kernfs_statfs()'s f_fsid. The kernel's
// s_uuid is random; here it is a mix of the hierarchy's id and device, as unrelated to
// either as the kernel's, and the same at every read (a run replays exactly).
Errno container_super_operations::statfs(dentry& d, struct statfs* buf) const {
  UK_TRY(super_operations::statfs(d, buf));
  const containerfs_root* root = sb_root(*d.d_sb);
  if (root->flavour->hierarchy_fsid) {
    uint64_t z = mix64((static_cast<uint64_t>(root->hierarchy_id) << 32) ^ d.d_sb->s_dev);
    memcpy(&buf->f_fsid, &z, sizeof buf->f_fsid);
  }
  return kOk;
}

// container_remount(): same flags (noprefix) or EINVAL, then the flavour's rule
// (container_flavour::remount); on success the root directory is repopulated.
Errno container_super_operations::remount_fs(super_block& sb, int* flags, const char* data) const {
  containerfs_root* root = sb_root(sb);
  container_core& core = *root->core;
  absl::MutexLock dl(&sb.s_root->d_inode->i_mutex);
  absl::MutexLock l(&core.container_mutex);
  UK_ASSIGN_OR_RETURN(containerfs_options opts, root->flavour->parse_options(core, data));
  if (opts.flags != root->flags) return Errno(EINVAL);
  *flags =
      static_cast<int>((static_cast<unsigned long>(*flags) & ~opts.sb_flags_mask) | opts.sb_flags);
  UK_TRY(root->flavour->remount(core, root, opts));
  container_populate_dir(&root->top_container);
  return kOk;
}

void container_super_operations::show_options(std::string& out, vfsmount& mnt) const {
  containerfs_root* root = sb_root(*mnt.mnt_sb);
  absl::MutexLock l(&root->core->container_mutex);
  root->flavour->show_options(out, *root);
}

}  // namespace

// --- The filesystem type ---

containerfs_type::containerfs_type(container_core& core, const container_flavour& flavour)
    : file_system_type(flavour.fs_name), core_(core), flavour_(flavour) {}

// container_get_sb(): reuse the hierarchy the flavour's rule picks
// (container_flavour::root_to_use), else build one: bind the subsystems (EBUSY if any is bound
// elsewhere), link every css_group to the new top container (so every task is in it), populate the
// root.
ErrorOr<std::shared_ptr<super_block>> containerfs_type::get_sb(int flags, std::string_view dev_name,
                                                               const char* data) {
  return get_sb_(flags, data, false);
}

ErrorOr<std::shared_ptr<super_block>> containerfs_type::get_sb_exact(int flags,
                                                                     std::string_view dev_name,
                                                                     const char* data) {
  return get_sb_(flags, data, true);
}

ErrorOr<std::shared_ptr<super_block>> containerfs_type::get_sb_(int flags, const char* data,
                                                                bool exact_flags) {
  UK_ASSIGN_OR_RETURN(containerfs_options opts, flavour_.parse_options(core_, data));
  absl::MutexLock l(&core_.container_mutex);
  UK_ASSIGN_OR_RETURN(containerfs_root * reuse,
                      flavour_.root_to_use(core_, flavour_, opts, exact_flags));
  if (reuse != nullptr) return reuse->sb_owner;
  auto root = std::make_shared<containerfs_root>();
  root->core = &core_;
  root->flags = opts.flags;
  root->flavour = &flavour_;
  if (opts.name) root->name = *opts.name;
  container* top = &root->top_container;
  top->root = root.get();
  top->top_container = top;

  auto sb = std::make_shared<super_block>();
  sb->s_type = this;
  sb->s_magic = CONTAINER_SUPER_MAGIC;
  sb->s_simple_xattrs = flavour_.simple_xattrs;
  // Only a new super_block takes the options' flags (today's kernfs_get_tree() reuses a
  // hierarchy's super_block as it is).
  sb->s_flags = (static_cast<unsigned long>(flags) & ~opts.sb_flags_mask) | opts.sb_flags;
  sb->s_op = &container_sops;
  sb->s_fs_info = root;
  root->sb = sb.get();
  sb->s_root = d_alloc_root(
      container_new_dir_inode(sb.get(), flavour_.root_mode, std::shared_ptr<container>(root, top)),
      sb.get());
  top->dentry = sb->s_root.get();

  UK_TRY(core_.rebind_subsystems(root.get(), opts.subsys_bits));
  root->sb_owner = sb;
  if (opts.release_agent) root->release_agent_path = *opts.release_agent;
  if (opts.clone_children) top->set_flag(CONT_CLONE_CHILDREN);
  root->hierarchy_id = core_.alloc_hierarchy_id();
  core_.roots.push_front(root);
  core_.root_count++;
  core_.link_all_css_groups(top);
  container_populate_dir(top);
  return sb;
}

// container_kill_sb(): no mount and no child is left: unbind every subsystem, unlink
// the css_groups from the top container, forget the hierarchy.
void containerfs_type::kill_sb(super_block& sb) {
  containerfs_root* root = sb_root(sb);
  std::shared_ptr<super_block> keep;
  {
    absl::MutexLock l(&core_.container_mutex);
    UK_CHECK(core_.rebind_subsystems(root, 0).ok());
    core_.unlink_all_css_groups(&root->top_container);
    core_.roots.remove_if([root](const auto& r) { return r.get() == root; });
    core_.root_count--;
    keep = std::move(root->sb_owner);
  }
  kill_litter_super(sb);
  // Our caller still uses `sb`: free it (and the root it holds) later, as the kernel
  // frees a super_block after deactivate_super returns.
  core_.k().schedule_work([keep = std::move(keep)] {});
}

}  // namespace uk

namespace uk {

ErrorOr<std::shared_ptr<super_block>> cpuset_fs_type::get_sb(int flags, std::string_view dev_name,
                                                             const char* data) {
  auto* cgroup = dynamic_cast<containerfs_type*>(vfs_.get_fs_type("cgroup"));
  if (cgroup == nullptr) return Errno(ENODEV);
  static constexpr char kOptions[] = "cpuset,noprefix,release_agent=/sbin/cpuset_release_agent";
  return cgroup->get_sb_exact(flags, dev_name, kOptions);
}

}  // namespace uk
