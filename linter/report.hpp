// Renderers for findings: text, JSON and SARIF 2.1.0.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/diagnostic.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace mxsteer::lint {

enum class ReportFormat { text, json, sarif };

struct ReportInput {
    std::vector<Diagnostic> findings; // sorted
    std::size_t files = 0;            // zone files linted
    bool quiet = false;               // text: errors and warnings only, no summary
};

// `file:line:col: severity: message [rule-id]` lines and a per-rule summary.
[[nodiscard]] std::string render_text(const ReportInput& input);
// {"findings":[...],"summary":{...}} as in RULES.md.
[[nodiscard]] std::string render_json(const ReportInput& input);
// SARIF 2.1.0 for code scanning: every rule with help text and RFC link, relative paths.
[[nodiscard]] std::string render_sarif(const ReportInput& input, const std::string& version);

// Escapes a string for a JSON string literal (without the quotes).
[[nodiscard]] std::string json_escape(std::string_view text);

} // namespace mxsteer::lint
