#include "subsys/registry.h"

#include "subsys/subsystems.h"

namespace uk {

const subsys_registry& default_subsys_registry() {
#define SUBSYS(x) &x##_subsys_create,
  static const subsys_registry registry = {
#include "uk/container_subsys.h"
  };
#undef SUBSYS
  return registry;
}

}  // namespace uk
