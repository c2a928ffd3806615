// The factory of every subsystem named in uk/container_subsys.h: `<x>_subsys_create`
// for each SUBSYS(x) line. registry.cc expands the X-macro list over these.
#pragma once

#include <memory>

#include "uk/kernel.h"
#include "uk/subsystem.h"

namespace uk {

#define SUBSYS(x) std::unique_ptr<container_subsys> x##_subsys_create(kernel& k);
#include "uk/container_subsys.h"
#undef SUBSYS

}  // namespace uk
