// Reads of small host files (/proc, /sys): the one place that does it, for the
// subsystems, the scheduler and the launcher.
#pragma once

#include <optional>
#include <string>

namespace uk {

// The whole file, or nullopt if it cannot be opened or read or is empty.
std::optional<std::string> read_host_file(const std::string& path);

}  // namespace uk
