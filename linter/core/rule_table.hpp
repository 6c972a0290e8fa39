// The rule catalog: stable ids, default severities, RFC references and help text.
// SPDX-License-Identifier: MIT
#pragma once

#include "diagnostic.hpp"

#include <span>
#include <string>
#include <string_view>

namespace mxsteer::lint {

struct RuleInfo {
    std::string_view id;      // stable kebab-case id, never reused
    Severity severity;        // default severity
    std::string_view rfc;     // "RFC 5321 §5.1", or empty
    std::string_view summary; // one line: what the rule catches
};

// Every rule, in catalog order.
[[nodiscard]] std::span<const RuleInfo> all_rules();
// The rule with this id, or nullptr.
[[nodiscard]] const RuleInfo* find_rule(std::string_view id);
// A link to the first RFC section a rule cites (rfc-editor.org), or empty.
[[nodiscard]] std::string rfc_url(const RuleInfo& rule);

} // namespace mxsteer::lint
