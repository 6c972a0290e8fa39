// Loading the served zone files: through the linter's loader and rules, then rendered.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/answer_store.hpp"
#include "core/config.hpp"
#include "core/steer_config.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mxsteer::io {

struct ZoneSetResult {
    std::shared_ptr<const core::AnswerStore> store;
    std::shared_ptr<const core::Steering> steering; // never null; no rules without [[steer]]
    std::size_t refused = 0; // zone files not served: unreadable, or with lint errors
    // The steering config could not be bound (its findings are logged): nothing is served.
    bool steering_failed = false;
};

// Loads, lints and renders every zone file. A zone's origin is its configured `origin`, else a
// leading $ORIGIN in the file, else the file name. Findings are logged with file:line; a zone
// with errors is refused (and not served), a zone with warnings is served, and so is only the
// first of two zones with the same origin. Never throws for a bad zone; the result says how
// many were refused.
//
// Then the steering config is bound to the loaded zones: networks files and the geo database
// are read, the Steering rules of RULES.md are checked (findings logged with file:line:col),
// and on any error `steering_failed` is set.
[[nodiscard]] ZoneSetResult load_zone_set(const std::vector<core::ZoneSource>& zones,
                                          const core::SteeringConfig& steering = {},
                                          const std::string& config_file = "mxsteerd");

} // namespace mxsteer::io
