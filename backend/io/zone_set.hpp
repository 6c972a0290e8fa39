// Loading the served zone files: through the linter's loader and rules, then rendered.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/answer_store.hpp"
#include "core/config.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mxsteer::io {

struct ZoneSetResult {
    std::shared_ptr<const core::AnswerStore> store;
    std::size_t refused = 0; // zone files not served: unreadable, or with lint errors
};

// Loads, lints and renders every zone file. A zone's origin is its configured `origin`, else a
// leading $ORIGIN in the file, else the file name. Findings are logged with file:line; a zone
// with errors is refused (and not served), a zone with warnings is served, and so is only the
// first of two zones with the same origin. Never throws for a bad zone; the result says how
// many were refused.
[[nodiscard]] ZoneSetResult load_zone_set(const std::vector<core::ZoneSource>& zones);

} // namespace mxsteer::io
