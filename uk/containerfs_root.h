// struct containerfs_root: one hierarchy (2.6.24 cgroupfs_root).
//
// Ownership: container_core::roots holds every root (shared, so that open files on
// the root directory keep it readable after kill_sb); the hierarchy's super_block
// holds its root in s_fs_info. Guarded by container_mutex.
#pragma once

#include <list>
#include <memory>
#include <string>

#include "uk/container.h"

namespace uk {

class container_core;
struct super_block;

// Root flags bits. The cgroup flavour's xattr, cpuset_v2_mode and favordynmods are
// accepted, shown and compared at remount as the host does, and otherwise ignored.
enum { ROOT_NOPREFIX = 0, ROOT_XATTR = 1, ROOT_CPUSET_V2_MODE = 2, ROOT_FAVOR_DYNMODS = 3 };

struct containerfs_root {
  container_core* core = nullptr;
  super_block* sb = nullptr;
  // Keeps the super_block while the hierarchy lives (until kill_sb), also when no
  // mount is left but child containers pin it.
  std::shared_ptr<super_block> sb_owner;
  // Subsystems the mount asked for (matched on reuse, printed in /proc/containers).
  unsigned long subsys_bits = 0;
  // Subsystems currently bound.
  unsigned long actual_subsys_bits = 0;
  // Bound subsystems, descending subsys_id (head insertion while ids go up).
  std::list<container_subsys*> subsys_list;
  container top_container;
  // Containers in the hierarchy including the root.
  int number_of_containers = 1;
  unsigned long flags = 0;         // ROOT_NOPREFIX
  std::string release_agent_path;  // at most PATH_MAX - 1 bytes; empty by default
  // The mount flavour that made it (uk/container_flavour.h), fixed at mount: every
  // flavour-dependent answer for this hierarchy comes from this table.
  const struct container_flavour* flavour = nullptr;
  // The cgroup v1 flavour's extras: the hierarchy id shown in /proc/cgroups and
  // /proc/<pid>/cgroup (0 for the dummy hierarchy; never reused, as the host's cyclic
  // ids), and the name= of a named hierarchy (empty if none).
  int hierarchy_id = 0;
  std::string name;
};

}  // namespace uk
