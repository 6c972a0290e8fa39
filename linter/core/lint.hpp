// Running every rule over a zone and applying per-rule settings and inline suppressions.
// SPDX-License-Identifier: MIT
#pragma once

#include "diagnostic.hpp"
#include "rules.hpp"
#include "zone.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mxsteer::lint {

// `; mxlint: disable=rule-a,rule-b` found in a comment at file:line. It silences those rules
// for a finding on that line or on the next one.
struct Suppression {
    std::string file;
    std::uint32_t line = 0;
    std::vector<std::string> rules;
};

// Per-rule setting: nullopt = off, else the severity to report with.
using RuleSettings = std::map<std::string, std::optional<Severity>, std::less<>>;

// All rule groups over one zone, one after the other; findings sorted by file, line, column.
// (rules_runner.hpp runs the groups of a big zone on two threads, with the same result.)
[[nodiscard]] std::vector<Diagnostic> run_rules(const Zone& zone, const LintOptions& options);

// The rule groups, in the order run_rules() runs them. Each only reads the zone.
using RuleGroup = std::vector<Diagnostic> (*)(const Zone&, const LintOptions&);
[[nodiscard]] std::span<const RuleGroup> rule_groups();
// The findings of every group, given in rule_groups() order, joined and sorted as run_rules()
// returns them.
[[nodiscard]] std::vector<Diagnostic> join_findings(std::vector<std::vector<Diagnostic>> per_group);

// Applies settings (severity overrides, rules turned off) and inline suppressions.
[[nodiscard]] std::vector<Diagnostic> apply_settings(std::vector<Diagnostic> findings,
                                                     const RuleSettings& settings,
                                                     const std::vector<Suppression>& suppressions);

// Sorts findings by file, line, column, rule.
void sort_findings(std::vector<Diagnostic>& findings);

} // namespace mxsteer::lint
