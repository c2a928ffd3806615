// The registry handed to the kernel at boot: one factory per SUBSYS() line of
// uk/container_subsys.h, in subsys_id order (the patch's subsys[] array).
#pragma once

#include "uk/subsystem.h"

namespace uk {

// Every compiled-in subsystem, ready for `kernel k(default_subsys_registry(), cfg)`.
const subsys_registry& default_subsys_registry();

}  // namespace uk
