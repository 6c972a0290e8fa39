// Rule runner, severity settings and inline suppressions.
// SPDX-License-Identifier: MIT
#include "lint.hpp"

#include "rule_table.hpp"

#include <algorithm>
#include <array>
#include <tuple>

namespace mxsteer::lint {

Diagnostic make_finding(std::string_view rule, const Zone& zone, const Record& record,
                        std::string message) {
    const RuleInfo* info = find_rule(rule);
    return Diagnostic{std::string{rule}, info != nullptr ? info->severity : Severity::error,
                      zone.file(record), record.line,
                      record.column,     std::string{zone.owner(record)},
                      std::move(message)};
}

Diagnostic make_zone_finding(std::string_view rule, const Zone& zone, std::string message) {
    const RuleInfo* info = find_rule(rule);
    return Diagnostic{std::string{rule},
                      info != nullptr ? info->severity : Severity::error,
                      zone.files().empty() ? std::string{} : zone.files().front(),
                      0,
                      0,
                      zone.origin(),
                      std::move(message)};
}

Diagnostic make_steered_finding(std::string_view rule, std::string_view owner,
                                const SteeredExchange& member, std::string message) {
    const RuleInfo* info = find_rule(rule);
    return Diagnostic{std::string{rule}, info != nullptr ? info->severity : Severity::error,
                      member.file,       member.line,
                      member.column,     std::string{owner},
                      std::move(message)};
}

void sort_findings(std::vector<Diagnostic>& findings) {
    std::stable_sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
        return std::tie(a.file, a.line, a.column, a.rule) <
               std::tie(b.file, b.line, b.column, b.rule);
    });
}

std::span<const RuleGroup> rule_groups() {
    static constexpr std::array<RuleGroup, 8> groups{check_input,   check_mx,   check_spf,
                                                     check_dmarc,   check_dkim, check_tlsrpt,
                                                     check_mta_sts, check_tlsa};
    return groups;
}

std::vector<Diagnostic> join_findings(std::vector<std::vector<Diagnostic>> per_group) {
    std::vector<Diagnostic> all;
    for (auto& part : per_group) {
        all.insert(all.end(), std::make_move_iterator(part.begin()),
                   std::make_move_iterator(part.end()));
    }
    sort_findings(all);
    return all;
}

std::vector<Diagnostic> run_rules(const Zone& zone, const LintOptions& options) {
    std::vector<std::vector<Diagnostic>> found;
    for (const RuleGroup group : rule_groups()) {
        found.push_back(group(zone, options));
    }
    return join_findings(std::move(found));
}

std::vector<Diagnostic> apply_settings(std::vector<Diagnostic> findings,
                                       const RuleSettings& settings,
                                       const std::vector<Suppression>& suppressions) {
    auto suppressed = [&](const Diagnostic& d) {
        return std::any_of(suppressions.begin(), suppressions.end(), [&](const Suppression& s) {
            return s.file == d.file && d.line != 0 && (s.line == d.line || s.line + 1 == d.line) &&
                   std::find(s.rules.begin(), s.rules.end(), d.rule) != s.rules.end();
        });
    };
    std::vector<Diagnostic> out;
    out.reserve(findings.size());
    for (auto& d : findings) {
        if (auto it = settings.find(d.rule); it != settings.end()) {
            if (!it->second) {
                continue;
            }
            d.severity = *it->second;
        }
        if (!suppressions.empty() && suppressed(d)) {
            continue;
        }
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace mxsteer::lint
