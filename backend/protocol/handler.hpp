// The request handler: one pdns request line in, one reply line out, answered from a store.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/answer_store.hpp"

#include <string>
#include <string_view>

namespace mxsteer::protocol {

// Answers one request line. Never throws: a malformed request, an unknown method or an unknown
// zone is {"result":false,"log":["..."]}, which pdns logs and treats as "nothing".
[[nodiscard]] std::string handle_request(std::string_view line, const core::AnswerStore& store);

} // namespace mxsteer::protocol
