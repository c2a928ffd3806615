// uk's release version: what `uk-run --version` prints. A release archive is made from
// the commit that sets it (README.md, "Releases").
#ifndef UK_HARNESS_VERSION_H_
#define UK_HARNESS_VERSION_H_

namespace ukrun {

inline constexpr char kVersion[] = "0.6.0";

}  // namespace ukrun

#endif  // UK_HARNESS_VERSION_H_
