// MTA-STS policy files (RFC 8461 §3.2): parsing and mx pattern matching.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

// A policy body larger than this is rejected whole, unread (hostile input cap; a real policy
// is a few hundred bytes).
inline constexpr std::size_t max_mta_sts_policy_bytes = 64 * 1024;
// The largest max_age RFC 8461 §3.2 allows: one year in seconds.
inline constexpr std::uint32_t max_mta_sts_max_age_s = 31'557'600;

// "mode" of a policy (RFC 8461 §5).
enum class MtaStsMode : std::uint8_t { enforce, testing, none };
[[nodiscard]] std::string_view to_string(MtaStsMode mode);

// A policy that parsed without errors.
struct MtaStsPolicy {
    std::string version; // always "STSv1", the only version defined
    MtaStsMode mode = MtaStsMode::none;
    std::uint32_t max_age_s = 0;
    std::vector<std::string> mx_patterns; // as written, in file order; may be empty for none
};

struct MtaStsPolicyError {
    std::uint32_t line = 0; // 1-based; 0 means the policy as a whole (size, missing keys)
    std::string message;    // lowercase, user bytes quoted through escape_bytes: ASCII only
};

struct MtaStsPolicyParse {
    std::optional<MtaStsPolicy> policy; // set exactly when `errors` is empty
    std::vector<MtaStsPolicyError> errors;
};

// Parses a policy body: "key: value" lines ended by LF or CRLF (the last line may lack one).
// Keys are case-sensitive; version, mode and max_age must appear once, mx at least once
// unless mode is none; unknown keys are extensions and are ignored once their syntax checks.
// Blank lines are tolerated. Never throws on any input; errors come back in file order and
// are capped (the last one then says so). Pure: no I/O.
[[nodiscard]] MtaStsPolicyParse parse_mta_sts_policy(std::string_view text);

// True when the mx `pattern` of a policy matches the MX host name `exchange` (RFC 8461 §4.1):
// ASCII case-insensitive, one trailing dot on either side ignored, and a leading "*." matches
// exactly one label ("*.example.com" matches "mx1.example.com", not "a.b.example.com" nor
// "example.com"). `exchange` may carry RFC 1035 §5.1 escapes; an escaped dot is no separator.
[[nodiscard]] bool mx_pattern_matches(std::string_view pattern, std::string_view exchange);

} // namespace mxsteer::lint
