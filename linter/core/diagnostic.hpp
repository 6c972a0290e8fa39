// Diagnostic: one finding of a lint rule or of config validation, as data.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxsteer::lint {

enum class Severity : std::uint8_t { info, warning, error };

[[nodiscard]] std::string_view to_string(Severity severity);
[[nodiscard]] std::optional<Severity> parse_severity(std::string_view text);

// A finding. `line` and `column` are 1-based; 0 means "the whole file". `rule` is a stable id
// from the rule table (RULES.md). `owner` is the record owner in presentation form, or empty.
struct Diagnostic {
    std::string rule;
    Severity severity = Severity::error;
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string owner;
    std::string message;
};

} // namespace mxsteer::lint
