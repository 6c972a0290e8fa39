// The records of one lookup: the name's pre-rendered static records plus, for a steered name,
// the MX RRset chosen for this client.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/answer_store.hpp"
#include "core/steer.hpp"
#include "protocol/request.hpp"

#include <cstdint>
#include <string>

namespace mxsteer::protocol {

// The JSON array of records for a lookup request. Steered MX records carry the answer's TTL and
// its scopeMask (when not 0); static records carry neither scopeMask nor auth (defaults 0, 1).
[[nodiscard]] std::string lookup_records(const Request& request, const core::AnswerStore& store,
                                         const core::HealthSnapshot& health, std::int64_t now_s);

// Prometheus text of the steered answers given since start, by region and decision
// (mxsteer_answers_total). Safe from any thread.
[[nodiscard]] std::string answer_metrics();

} // namespace mxsteer::protocol
