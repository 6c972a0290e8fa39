// The rule groups of a big zone on two threads.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/lint.hpp"

#include <vector>

namespace mxsteer::lint {

// What run_rules() returns, byte for byte. From 50,000 records the groups are split over the
// calling thread and one more (when the machine has a second CPU and a thread can be had):
// they only read the zone, and each keeps its own findings, joined in group order.
[[nodiscard]] std::vector<Diagnostic> run_rules_threaded(const Zone& zone,
                                                         const LintOptions& options);

} // namespace mxsteer::lint
