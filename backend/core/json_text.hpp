// JSON string literals for pdns replies: one escaper for the answer store and the protocol.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace mxsteer::core {

// A JSON string literal, quotes included: '"', '\\' and control characters escaped, valid UTF-8
// kept, any other byte replaced by \ufffd so the output is always valid JSON.
[[nodiscard]] std::string json_string(std::string_view text);
// Appends json_string(text) to `out` in place. An exception to "no output parameters": building
// a reply of many records this way saves a temporary string per field (bench/json/RESULTS.md).
void append_json_string(std::string& out, std::string_view text);

} // namespace mxsteer::core
