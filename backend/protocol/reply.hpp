// pdns remote-backend replies: exactly one JSON object and a newline per request.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/json_text.hpp"

#include <span>
#include <string>
#include <string_view>

namespace mxsteer::protocol {

// {"result":true}\n or {"result":false}\n, with an optional "log" array of messages.
[[nodiscard]] std::string reply_bool(bool result, std::span<const std::string> log = {});
// {"result":<value>}\n where `json_value` is already valid JSON (an array or object).
[[nodiscard]] std::string reply_value(std::string_view json_value);
// JSON string literals, shared with the answer store.
using core::append_json_string;
using core::json_string;

} // namespace mxsteer::protocol
