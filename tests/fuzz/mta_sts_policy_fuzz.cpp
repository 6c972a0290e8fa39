// Fuzz target: untrusted MTA-STS policy bytes (RFC 8461 §3.2) through the parser and matcher.
// SPDX-License-Identifier: MIT
#include "core/mta_sts_policy.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mxsteer::lint;
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    const auto parsed = parse_mta_sts_policy(text);
    if (parsed.policy) {
        for (const auto& pattern : parsed.policy->mx_patterns) {
            (void)mx_pattern_matches(pattern, "mx1.example.com.");
            (void)mx_pattern_matches(pattern, text);
        }
    }
    return 0;
}
