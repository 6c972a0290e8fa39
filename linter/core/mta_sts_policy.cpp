// MTA-STS policy parser and mx pattern matcher (RFC 8461 §3.2, §4.1).
// SPDX-License-Identifier: MIT
#include "mta_sts_policy.hpp"

#include "name.hpp"
#include "text.hpp"

#include <fmt/format.h>

#include <array>

namespace mxsteer::lint {

namespace {

// Garbage input must not yield a finding per line: 64 KiB of "x\n" would be 32768 of them.
constexpr std::size_t max_errors = 50;
// Values are quoted in messages up to this many bytes, so a 60 KiB line stays readable.
constexpr std::size_t max_quoted_bytes = 64;
// RFC 8461 §3.2 ABNF: sts-policy-max-age-value = 1*10(DIGIT).
constexpr std::size_t max_age_digits = 10;

bool is_blank(std::string_view text) {
    for (const char c : text) {
        if (!is_wsp(c)) {
            return false;
        }
    }
    return true;
}

// A user value in '...' quotes, escaped to ASCII and cut to a readable length.
std::string quoted_value(std::string_view value) {
    std::string out = "'" + escape_bytes(value.substr(0, max_quoted_bytes)) + "'";
    if (value.size() > max_quoted_bytes) {
        out += fmt::format("... ({} bytes)", value.size());
    }
    return out;
}

// RFC 8461 §3.2: sts-policy-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").
// The four defined keys fit this production too.
bool is_field_name(std::string_view key) {
    if (key.empty() || key.size() > 32 || !is_alnum(key.front())) {
        return false;
    }
    for (const char c : key) {
        if (!is_alnum(c) && c != '_' && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

// RFC 3629 §4 UTF8-char, for sts-policy-ext-value (RFC 8461 §3.2 allows UTF-8 there).
bool is_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        std::size_t tails = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            tails = 1;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            tails = 2;
            lo = b0 == 0xe0 ? 0xa0 : 0x80; // no overlong forms
            hi = b0 == 0xed ? 0x9f : 0xbf; // no surrogates
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            tails = 3;
            lo = b0 == 0xf0 ? 0x90 : 0x80;
            hi = b0 == 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
        } else {
            return false;
        }
        if (i + tails >= text.size()) {
            return false;
        }
        const auto b1 = static_cast<unsigned char>(text[i + 1]);
        if (b1 < lo || b1 > hi) {
            return false;
        }
        for (std::size_t k = 2; k <= tails; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if (b < 0x80 || b > 0xbf) {
                return false;
            }
        }
        i += tails + 1;
    }
    return true;
}

// Why an mx value is not ["*."] Domain (RFC 8461 §3.2 with the Domain of RFC 5321 §4.1.2:
// LDH labels that neither start nor end with '-'), or nullopt when it is fine.
std::optional<std::string> mx_pattern_problem(std::string_view pattern) {
    if (pattern.empty()) {
        return "the pattern is empty";
    }
    std::string_view host = pattern;
    if (host.starts_with("*.")) {
        host.remove_prefix(2);
    }
    if (host.empty()) {
        return "a host name must follow '*.'";
    }
    if (host.back() == '.') {
        return "the pattern must not end with '.'";
    }
    if (host.size() > 253) {
        return "a host name has at most 253 characters";
    }
    std::size_t start = 0;
    while (start <= host.size()) {
        auto end = host.find('.', start);
        if (end == std::string_view::npos) {
            end = host.size();
        }
        const auto label = host.substr(start, end - start);
        if (label.empty()) {
            return "a label is empty";
        }
        if (label.size() > 63) {
            return "a label has at most 63 characters";
        }
        for (const char c : label) {
            if (c == '*') {
                return "'*' is only allowed as the whole leftmost label";
            }
            if (!is_alnum(c) && c != '-') {
                return "a label holds only letters, digits and '-'";
            }
        }
        if (label.front() == '-' || label.back() == '-') {
            return "a label cannot start or end with '-'";
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::optional<MtaStsMode> parse_mode(std::string_view value) {
    // RFC 8461 §3.2: %s"enforce" / %s"testing" / %s"none", case-sensitive.
    if (value == "enforce") {
        return MtaStsMode::enforce;
    }
    if (value == "testing") {
        return MtaStsMode::testing;
    }
    if (value == "none") {
        return MtaStsMode::none;
    }
    return std::nullopt;
}

std::optional<std::uint32_t> parse_max_age(std::string_view value) {
    if (value.empty() || value.size() > max_age_digits) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    for (const char c : value) {
        if (!is_digit(c)) {
            return std::nullopt;
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n > max_mta_sts_max_age_s) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(n);
}

class PolicyParser {
public:
    MtaStsPolicyParse run(std::string_view text);

private:
    void error(std::uint32_t line, std::string message);
    void parse_line(std::uint32_t line, std::string_view content);
    bool first_time(std::optional<std::uint32_t>& seen, std::string_view key, std::uint32_t line);

    std::vector<MtaStsPolicyError> errors_;
    bool stopped_ = false;
    bool saw_field_ = false;
    std::optional<std::uint32_t> version_line_;
    std::optional<std::uint32_t> mode_line_;
    std::optional<std::uint32_t> max_age_line_;
    std::optional<MtaStsMode> mode_;
    std::uint32_t max_age_s_ = 0;
    bool saw_mx_ = false;
    std::vector<std::string> mx_patterns_;
};

void PolicyParser::error(std::uint32_t line, std::string message) {
    if (stopped_) {
        return;
    }
    if (errors_.size() == max_errors) {
        errors_.push_back(
            {line, fmt::format("cannot report more than {} errors: stopped here", max_errors)});
        stopped_ = true;
        return;
    }
    errors_.push_back({line, std::move(message)});
}

bool PolicyParser::first_time(std::optional<std::uint32_t>& seen, std::string_view key,
                              std::uint32_t line) {
    // RFC 8461 §3.2: version, mode and max_age are "required once"; a second value leaves
    // senders to pick one, so the operator's intent is unknowable.
    if (seen) {
        error(line, fmt::format("cannot repeat key '{}': already given on line {}", key, *seen));
        return false;
    }
    seen = line;
    return true;
}

void PolicyParser::parse_line(std::uint32_t line, std::string_view content) {
    // RFC 8461 §3.2 has no empty lines in its ABNF; we tolerate them (and trailing ones) since
    // they carry no field and the file is still unambiguous.
    if (is_blank(content)) {
        return;
    }
    saw_field_ = true;
    for (const char c : content) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
            error(line, fmt::format("cannot parse line {}: control byte \\{:03} is not allowed "
                                    "(lines end with LF or CRLF)",
                                    quoted_value(content), u));
            return;
        }
    }
    if (is_wsp(content.front())) {
        error(line, fmt::format("cannot parse line {}: a key must start at the beginning of "
                                "the line",
                                quoted_value(content)));
        return;
    }
    // RFC 8461 §3.2: sts-policy-field-delim = ":" *WSP; the field may be followed by *WSP.
    const auto colon = content.find(':');
    if (colon == std::string_view::npos) {
        error(line,
              fmt::format("cannot parse line {}: expected 'key: value'", quoted_value(content)));
        return;
    }
    const auto key = content.substr(0, colon);
    const auto value = trim_wsp(content.substr(colon + 1));
    if (!is_field_name(key)) {
        error(line, fmt::format("cannot parse key {}: expected a letter or digit, then up to 31 "
                                "letters, digits, '_', '-' or '.'",
                                quoted_value(key)));
        return;
    }

    if (key == "version") {
        if (first_time(version_line_, key, line) && value != "STSv1") {
            error(line, fmt::format("version must be 'STSv1', got {}", quoted_value(value)));
        }
        return;
    }
    if (key == "mode") {
        if (first_time(mode_line_, key, line)) {
            mode_ = parse_mode(value);
            if (!mode_) {
                error(line, fmt::format("mode must be 'enforce', 'testing' or 'none', got {}",
                                        quoted_value(value)));
            }
        }
        return;
    }
    if (key == "max_age") {
        if (first_time(max_age_line_, key, line)) {
            // RFC 8461 §3.2: non-negative integer seconds, at most 31557600.
            if (auto age = parse_max_age(value)) {
                max_age_s_ = *age;
            } else {
                error(line, fmt::format("max_age must be an integer from 0 to {}, got {}",
                                        max_mta_sts_max_age_s, quoted_value(value)));
            }
        }
        return;
    }
    if (key == "mx") {
        // RFC 8461 §3.2: mx may repeat; each value is ["*."] Domain.
        saw_mx_ = true;
        if (auto problem = mx_pattern_problem(value)) {
            error(line, fmt::format("mx must be a host name, optionally after '*.', got {}: {}",
                                    quoted_value(value), *problem));
        } else {
            mx_patterns_.emplace_back(value);
        }
        return;
    }

    // RFC 8461 §3.2 keys are %s"..." (case-sensitive, RFC 7405): "Mode" is an unknown extension
    // that senders skip, so the intended setting silently does not exist.
    constexpr std::array<std::string_view, 4> known{"version", "mode", "max_age", "mx"};
    const auto lower = ascii_lower(key);
    for (const auto k : known) {
        if (lower == k) {
            error(line, fmt::format("cannot use key {}: keys are case-sensitive, expected '{}'",
                                    quoted_value(key), k));
            return;
        }
    }
    // An extension (RFC 8461 §3.2 sts-policy-extension): ignored, but its value must exist
    // and be UTF-8.
    if (value.empty()) {
        error(line, fmt::format("cannot use extension key {} without a value", quoted_value(key)));
    } else if (!is_utf8(value)) {
        error(line, fmt::format("cannot use the value of extension key {}: {} is not UTF-8",
                                quoted_value(key), quoted_value(value)));
    }
}

MtaStsPolicyParse PolicyParser::run(std::string_view text) {
    MtaStsPolicyParse result;
    if (text.size() > max_mta_sts_policy_bytes) {
        result.errors.push_back(
            {0, fmt::format("cannot read a policy of {} bytes: the limit is {} bytes", text.size(),
                            max_mta_sts_policy_bytes)});
        return result;
    }

    std::size_t start = 0;
    if (text.starts_with("\xef\xbb\xbf")) {
        error(1, "cannot use a byte order mark (\\357\\273\\277) at the start of the policy");
        start = 3;
    }
    std::uint32_t line = 0;
    while (start < text.size() && !stopped_) {
        ++line;
        const auto newline = text.find('\n', start);
        const auto end = newline == std::string_view::npos ? text.size() : newline;
        auto content = text.substr(start, end - start);
        // RFC 8461 §3.2: sts-policy-term = LF / CRLF.
        if (content.ends_with('\r')) {
            content.remove_suffix(1);
        }
        parse_line(line, content);
        start = end + 1;
    }

    if (!saw_field_) {
        error(0, "cannot use an empty policy: expected 'version', 'mode', 'max_age' and 'mx' "
                 "lines");
    } else {
        if (!version_line_) {
            error(0, "cannot find key 'version': expected a line 'version: STSv1'");
        }
        if (!mode_line_) {
            error(0, "cannot find key 'mode': expected 'enforce', 'testing' or 'none'");
        }
        if (!max_age_line_) {
            error(0, fmt::format("cannot find key 'max_age': expected an integer from 0 to {}",
                                 max_mta_sts_max_age_s));
        }
        // RFC 8461 §3.2: mx is "required at least once, except when mode is 'none'".
        if (mode_ && *mode_ != MtaStsMode::none && !saw_mx_) {
            error(0, fmt::format("cannot find key 'mx': mode '{}' needs at least one mx pattern",
                                 to_string(*mode_)));
        }
    }

    if (errors_.empty()) {
        result.policy = MtaStsPolicy{"STSv1", *mode_, max_age_s_, std::move(mx_patterns_)};
    }
    result.errors = std::move(errors_);
    return result;
}

// True when text[pos] is preceded by an odd number of backslashes (RFC 1035 §5.1 escape).
bool escaped_at(std::string_view text, std::size_t pos) {
    std::size_t backslashes = 0;
    while (pos > 0 && text[pos - 1] == '\\') {
        ++backslashes;
        --pos;
    }
    return backslashes % 2 == 1;
}

std::string_view without_root_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.' && !escaped_at(name, name.size() - 1)) {
        name.remove_suffix(1);
    }
    return name;
}

} // namespace

std::string_view to_string(MtaStsMode mode) {
    switch (mode) {
    case MtaStsMode::enforce:
        return "enforce";
    case MtaStsMode::testing:
        return "testing";
    case MtaStsMode::none:
        return "none";
    }
    return "none";
}

MtaStsPolicyParse parse_mta_sts_policy(std::string_view text) {
    return PolicyParser{}.run(text);
}

bool mx_pattern_matches(std::string_view pattern, std::string_view exchange) {
    pattern = without_root_dot(pattern);
    exchange = without_root_dot(exchange);
    if (pattern.empty() || exchange.empty()) {
        return false;
    }
    if (!pattern.starts_with("*.")) {
        return iequals(pattern, exchange);
    }
    // RFC 8461 §4.1: the wildcard stands for exactly one label, the leftmost.
    const auto suffix = pattern.substr(1); // ".example.com"
    if (exchange.size() <= suffix.size()) {
        return false;
    }
    const auto split = exchange.size() - suffix.size();
    if (!iequals(exchange.substr(split), suffix) || escaped_at(exchange, split)) {
        return false;
    }
    const auto label = exchange.substr(0, split);
    for (std::size_t i = 0; i < label.size(); ++i) {
        if (label[i] == '.' && !escaped_at(label, i)) {
            return false;
        }
    }
    return true;
}

} // namespace mxsteer::lint
