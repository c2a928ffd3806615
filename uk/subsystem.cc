#include "uk/subsystem.h"

namespace uk {

#define SUBSYS(x) #x,
const std::array<const char*, CONTAINER_SUBSYS_COUNT> container_subsys_names = {
#include "uk/container_subsys.h"
};
#undef SUBSYS

}  // namespace uk
