// Test helpers: load master-file text and lint it.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/lint.hpp"
#include "zone_loader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint::test {

// Loads `text` as the zone `origin`, shown as file "test.zone".
inline LoadResult load(std::string_view text, std::string_view origin = "example.com.") {
    return load_zone_text(text, "test.zone", origin);
}

// Loader findings plus every rule's findings, sorted.
inline std::vector<Diagnostic> lint(std::string_view text, const LintOptions& options = {},
                                    std::string_view origin = "example.com.") {
    auto loaded = load(text, origin);
    auto found = run_rules(loaded.zone, options);
    found.insert(found.end(), loaded.diagnostics.begin(), loaded.diagnostics.end());
    sort_findings(found);
    return found;
}

// Findings of one rule.
inline std::vector<Diagnostic> only(const std::vector<Diagnostic>& all, std::string_view rule) {
    std::vector<Diagnostic> out;
    std::copy_if(all.begin(), all.end(), std::back_inserter(out),
                 [&](const Diagnostic& d) { return d.rule == rule; });
    return out;
}

// Findings of the rule group whose ids start with `prefix` ("dkim-").
inline std::vector<Diagnostic> with_prefix(const std::vector<Diagnostic>& all,
                                           std::string_view prefix) {
    std::vector<Diagnostic> out;
    std::copy_if(all.begin(), all.end(), std::back_inserter(out),
                 [&](const Diagnostic& d) { return d.rule.starts_with(prefix); });
    return out;
}

// `options` plus steering: `owner` may be given each of `exchanges`, which "mxsteer.toml"
// names on lines 20, 21, ... at column 15 (as in `exchanges = ["mx3.example.com.", ...]`).
inline constexpr std::string_view steer_file = "mxsteer.toml";
inline constexpr std::uint32_t steer_first_line = 20;
inline constexpr std::uint32_t steer_column = 15;
inline LintOptions steering(const std::string& owner, const std::vector<std::string>& exchanges,
                            LintOptions options = {}) {
    auto& members = options.steered[owner];
    for (const auto& exchange : exchanges) {
        members.push_back(SteeredExchange{
            exchange, std::string{steer_file},
            steer_first_line + static_cast<std::uint32_t>(members.size()), steer_column});
    }
    return options;
}

inline bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// A minimal valid zone head: SOA, NS and a name server address.
inline constexpr std::string_view soa = "$TTL 3600\n"
                                        "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                                        "@ IN NS ns1\n"
                                        "ns1 IN A 192.0.2.53\n";

// All findings for the zone head `soa` (4 lines) followed by `records`, so the first record is
// on line 5. The input must load cleanly: a parse error would hide the rule under test.
inline std::vector<Diagnostic> run(std::string_view records) {
    auto all = lint(std::string{soa} + std::string{records});
    CHECK(only(all, "parse-error").empty());
    return all;
}

inline std::vector<Diagnostic> run(std::string_view records, std::string_view rule) {
    return only(run(records), rule);
}

} // namespace mxsteer::lint::test
