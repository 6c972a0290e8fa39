// pdns remote-backend replies: exactly one JSON object and a newline per request.
// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mxsteer::protocol {

// {"result":true}\n or {"result":false}\n, with an optional "log" array of messages.
[[nodiscard]] std::string reply_bool(bool result, std::span<const std::string> log = {});
// {"result":<value>}\n where `json_value` is already valid JSON (an array or object).
[[nodiscard]] std::string reply_value(std::string_view json_value);
// A JSON string literal, quotes included: '"', '\\' and control characters escaped, valid UTF-8
// kept, any other byte replaced by \ufffd so the output is always valid JSON.
[[nodiscard]] std::string json_string(std::string_view text);
// Appends json_string(text) to `out` in place. An exception to "no output parameters": building
// a reply of many records this way saves a temporary string per field (bench/json/RESULTS.md).
void append_json_string(std::string& out, std::string_view text);

} // namespace mxsteer::protocol
