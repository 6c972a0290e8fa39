// Tests of the MTA-STS policy parser (RFC 8461 §3.2) and mx pattern matching (§4.1).
// SPDX-License-Identifier: MIT
#include "core/mta_sts_policy.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::lint;

namespace {

constexpr std::string_view valid_policy = "version: STSv1\n"
                                          "mode: enforce\n"
                                          "mx: mx1.example.com\n"
                                          "mx: *.example.net\n"
                                          "max_age: 604800\n";

// A policy with the four required lines and one extra line in the middle.
std::string with_line(std::string_view extra) {
    return "version: STSv1\nmode: enforce\n" + std::string{extra} +
           "\nmx: mx1.example.com\nmax_age: 86400\n";
}

bool is_ascii_text(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u <= 0x7e;
    });
}

std::string read_policy(std::string_view name) {
    std::ifstream in(std::string{MXSTEER_TEST_DATA} + "/policies/" + std::string{name},
                     std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("mta-sts policy: a complete policy parses") {
    const auto parsed = parse_mta_sts_policy(valid_policy);
    REQUIRE(parsed.errors.empty());
    REQUIRE(parsed.policy.has_value());
    CHECK(parsed.policy->version == "STSv1");
    CHECK(parsed.policy->mode == MtaStsMode::enforce);
    CHECK(parsed.policy->max_age_s == 604800);
    CHECK(parsed.policy->mx_patterns ==
          std::vector<std::string>{"mx1.example.com", "*.example.net"});
}

TEST_CASE("mta-sts policy: line endings") {
    // RFC 8461 §3.2: sts-policy-term = LF / CRLF; the last line needs none.
    SUBCASE("CRLF") {
        const auto parsed = parse_mta_sts_policy(
            "version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n");
        REQUIRE(parsed.errors.empty());
        CHECK(parsed.policy->mode == MtaStsMode::testing);
        CHECK(parsed.policy->mx_patterns == std::vector<std::string>{"mx1.example.com"});
    }
    SUBCASE("mixed LF and CRLF") {
        const auto parsed = parse_mta_sts_policy(
            "version: STSv1\nmode: testing\r\nmx: mx1.example.com\nmax_age: 86400\r\n");
        CHECK(parsed.errors.empty());
    }
    SUBCASE("no newline at the end") {
        const auto parsed =
            parse_mta_sts_policy("version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 1");
        REQUIRE(parsed.errors.empty());
        CHECK(parsed.policy->max_age_s == 1);
    }
    SUBCASE("blank lines and trailing blanks are tolerated") {
        const auto parsed = parse_mta_sts_policy(
            "version: STSv1  \n\nmode:enforce\n\t\nmx:\t mx1.example.com\t\nmax_age: 86400\n\n\n");
        REQUIRE(parsed.errors.empty());
        CHECK(parsed.policy->mx_patterns == std::vector<std::string>{"mx1.example.com"});
    }
    SUBCASE("a bare CR is no line break") {
        const auto parsed = parse_mta_sts_policy(
            "version: STSv1\rmode: enforce\rmx: mx1.example.com\rmax_age: 86400\r");
        REQUIRE_FALSE(parsed.policy.has_value());
        REQUIRE(parsed.errors.size() == 4); // the control byte, then three keys missing
        CHECK(parsed.errors[0].line == 1);
        CHECK(parsed.errors[0].message.find("control byte \\013") != std::string::npos);
        CHECK(parsed.errors[1].message == "cannot find key 'version': expected a line 'version: "
                                          "STSv1'");
    }
    SUBCASE("line numbers count CRLF lines once") {
        const auto parsed = parse_mta_sts_policy(
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: x\r\n");
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 4);
    }
}

TEST_CASE("mta-sts policy: mode none needs no mx") {
    // RFC 8461 §3.2: mx is "required at least once, except when mode is 'none'".
    const auto parsed = parse_mta_sts_policy("version: STSv1\nmode: none\nmax_age: 86400\n");
    REQUIRE(parsed.errors.empty());
    CHECK(parsed.policy->mode == MtaStsMode::none);
    CHECK(parsed.policy->mx_patterns.empty());

    SUBCASE("but enforce and testing do") {
        for (const std::string mode : {"enforce", "testing"}) {
            CAPTURE(mode);
            const auto bad =
                parse_mta_sts_policy("version: STSv1\nmode: " + mode + "\nmax_age: 86400\n");
            REQUIRE(bad.errors.size() == 1);
            CHECK_FALSE(bad.policy.has_value());
            CHECK(bad.errors[0].line == 0);
            CHECK(bad.errors[0].message ==
                  "cannot find key 'mx': mode '" + mode + "' needs at least one mx pattern");
        }
    }
}

TEST_CASE("mta-sts policy: required keys") {
    struct Row {
        std::string_view text;
        std::string_view message;
    };
    const Row rows[] = {
        {"mode: enforce\nmx: mx1.example.com\nmax_age: 86400\n",
         "cannot find key 'version': expected a line 'version: STSv1'"},
        {"version: STSv1\nmx: mx1.example.com\nmax_age: 86400\n",
         "cannot find key 'mode': expected 'enforce', 'testing' or 'none'"},
        {"version: STSv1\nmode: enforce\nmx: mx1.example.com\n",
         "cannot find key 'max_age': expected an integer from 0 to 31557600"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        const auto parsed = parse_mta_sts_policy(row.text);
        CHECK_FALSE(parsed.policy.has_value());
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 0);
        CHECK(parsed.errors[0].message == row.message);
    }
}

TEST_CASE("mta-sts policy: version, mode and keys are case-sensitive") {
    SUBCASE("version") {
        for (const std::string_view value : {"STSv2", "stsv1", "STSV1", "STSv1 x", "1"}) {
            CAPTURE(value);
            const auto parsed = parse_mta_sts_policy(
                "version: " + std::string{value} + "\nmode: enforce\nmx: a.example\nmax_age: 1\n");
            REQUIRE(parsed.errors.size() == 1);
            CHECK(parsed.errors[0].line == 1);
            CHECK(parsed.errors[0].message ==
                  "version must be 'STSv1', got '" + std::string{value} + "'");
        }
    }
    SUBCASE("mode") {
        for (const std::string_view value : {"Enforce", "ENFORCE", "report", "", "enforce;"}) {
            CAPTURE(value);
            const auto parsed = parse_mta_sts_policy(
                "version: STSv1\nmx: a.example\nmax_age: 1\nmode: " + std::string{value} + "\n");
            REQUIRE(parsed.errors.size() == 1);
            CHECK(parsed.errors[0].line == 4);
            CHECK(parsed.errors[0].message ==
                  "mode must be 'enforce', 'testing' or 'none', got '" + std::string{value} + "'");
        }
    }
    SUBCASE("keys") {
        // "Mode" is an unknown extension to a sender: the line is silently ignored.
        const auto parsed = parse_mta_sts_policy(with_line("MX: mx2.example.com"));
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 3);
        CHECK(parsed.errors[0].message ==
              "cannot use key 'MX': keys are case-sensitive, expected 'mx'");
    }
}

TEST_CASE("mta-sts policy: max_age") {
    struct Row {
        std::string_view value;
        bool valid;
        std::uint32_t seconds;
    };
    const Row rows[] = {
        {"0", true, 0},
        {"86400", true, 86400},
        {"31557600", true, 31557600},
        {"0031557600", true, 31557600}, // 1*10 DIGIT: leading zeros are digits too
        {"31557601", false, 0},
        {"99999999999", false, 0},
        {"00000000001", false, 0}, // eleven digits
        {"4294967296", false, 0},  // wraps a 32-bit integer
        {"-1", false, 0},
        {"+86400", false, 0},
        {"1e6", false, 0},
        {"86400s", false, 0},
        {"86 400", false, 0},
        {"", false, 0},
    };
    for (const auto& row : rows) {
        CAPTURE(row.value);
        const auto parsed =
            parse_mta_sts_policy("version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: " +
                                 std::string{row.value} + "\n");
        if (row.valid) {
            REQUIRE(parsed.errors.empty());
            CHECK(parsed.policy->max_age_s == row.seconds);
        } else {
            CHECK_FALSE(parsed.policy.has_value());
            REQUIRE(parsed.errors.size() == 1);
            CHECK(parsed.errors[0].line == 4);
            CHECK(parsed.errors[0].message ==
                  "max_age must be an integer from 0 to 31557600, got '" + std::string{row.value} +
                      "'");
        }
    }
}

TEST_CASE("mta-sts policy: mx patterns") {
    SUBCASE("valid") {
        for (const std::string_view value : {"mx1.example.com", "*.example.com", "MX1.Example.COM",
                                             "localhost", "a-b.example", "0.example", "*.com"}) {
            CAPTURE(value);
            const auto parsed = parse_mta_sts_policy(with_line("mx: " + std::string{value}));
            REQUIRE(parsed.errors.empty());
            CHECK(parsed.policy->mx_patterns.front() == value);
        }
    }
    SUBCASE("invalid") {
        struct Row {
            std::string_view value;
            std::string_view reason;
        };
        const std::string long_label(64, 'a');
        const Row rows[] = {
            {"mx1.example.com.", "the pattern must not end with '.'"},
            {"a..example.com", "a label is empty"},
            {".example.com", "a label is empty"},
            {"*.", "a host name must follow '*.'"},
            {"*", "'*' is only allowed as the whole leftmost label"},
            {"*example.com", "'*' is only allowed as the whole leftmost label"},
            {"mx.*.example.com", "'*' is only allowed as the whole leftmost label"},
            {"*.*.example.com", "'*' is only allowed as the whole leftmost label"},
            {"mx_1.example.com", "a label holds only letters, digits and '-'"},
            {"mx1.example.com:25", "a label holds only letters, digits and '-'"},
            {"-mx.example.com", "a label cannot start or end with '-'"},
            {"mx-.example.com", "a label cannot start or end with '-'"},
            {"", "the pattern is empty"},
        };
        for (const auto& row : rows) {
            CAPTURE(row.value);
            const auto parsed = parse_mta_sts_policy(with_line("mx: " + std::string{row.value}));
            CHECK_FALSE(parsed.policy.has_value());
            REQUIRE(parsed.errors.size() == 1);
            CHECK(parsed.errors[0].line == 3);
            CHECK(parsed.errors[0].message ==
                  "mx must be a host name, optionally after '*.', got '" + std::string{row.value} +
                      "': " + std::string{row.reason});
        }
        const auto label = parse_mta_sts_policy(with_line("mx: " + long_label + ".example"));
        REQUIRE(label.errors.size() == 1);
        CHECK(label.errors[0].message.ends_with("a label has at most 63 characters"));
        std::string huge;
        while (huge.size() < 254) {
            huge += "abcdefgh.";
        }
        huge += "example";
        const auto name = parse_mta_sts_policy(with_line("mx: " + huge));
        REQUIRE(name.errors.size() == 1);
        CHECK(name.errors[0].message.ends_with("a host name has at most 253 characters"));
    }
    SUBCASE("one bad mx among good ones still invalidates the policy") {
        const auto parsed =
            parse_mta_sts_policy("version: STSv1\nmode: enforce\nmx: mx1.example.com\n"
                                 "mx: bad..example.com\nmax_age: 86400\n");
        CHECK_FALSE(parsed.policy.has_value());
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 4);
    }
}

TEST_CASE("mta-sts policy: duplicate keys") {
    struct Row {
        std::string_view extra;
        std::string_view message;
    };
    const Row rows[] = {
        {"version: STSv1", "cannot repeat key 'version': already given on line 1"},
        {"mode: testing", "cannot repeat key 'mode': already given on line 2"},
        {"max_age: 86400", "cannot repeat key 'max_age': already given on line 5"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.extra);
        // The duplicate goes last, on line 6.
        const auto parsed =
            parse_mta_sts_policy(with_line("mx: mx2.example.com") + std::string{row.extra} + "\n");
        CHECK_FALSE(parsed.policy.has_value());
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 6);
        CHECK(parsed.errors[0].message == row.message);
    }

    SUBCASE("mx may repeat, even with the same value") {
        const auto parsed = parse_mta_sts_policy(with_line("mx: mx1.example.com"));
        REQUIRE(parsed.errors.empty());
        CHECK(parsed.policy->mx_patterns.size() == 2);
    }
}

TEST_CASE("mta-sts policy: unknown keys are extensions") {
    SUBCASE("ignored when well formed") {
        for (const std::string_view line : {"x-note: any value; with = punctuation", "ext.v2_a: 1",
                                            "comment: caf\xc3\xa9 \xe2\x9c\x93",
                                            "a1234567890123456789012345678901: 32 characters"}) {
            CAPTURE(line);
            const auto parsed = parse_mta_sts_policy(with_line(line));
            REQUIRE(parsed.errors.empty());
            CHECK(parsed.policy->mx_patterns == std::vector<std::string>{"mx1.example.com"});
        }
    }
    SUBCASE("malformed") {
        struct Row {
            std::string_view line;
            std::string_view message;
        };
        const Row rows[] = {
            {"x-note:", "cannot use extension key 'x-note' without a value"},
            {"x-note: \xff\xfe", "cannot use the value of extension key 'x-note': '\\255\\254' is "
                                 "not UTF-8"},
            {"x-note: \xc0\xaf", "cannot use the value of extension key 'x-note': '\\192\\175' is "
                                 "not UTF-8"},
            {"x-note: \xed\xa0\x80", "cannot use the value of extension key 'x-note': "
                                     "'\\237\\160\\128' is not UTF-8"},
            {"x-note: \xe2\x9c", "cannot use the value of extension key 'x-note': '\\226\\156' is "
                                 "not UTF-8"},
            {"_x: 1", "cannot parse key '_x': expected a letter or digit, then up to 31 letters, "
                      "digits, '_', '-' or '.'"},
            {"a12345678901234567890123456789012: 33 characters",
             "cannot parse key 'a12345678901234567890123456789012': expected a letter or digit, "
             "then up to 31 letters, digits, '_', '-' or '.'"},
            {"mode : enforce",
             "cannot parse key 'mode ': expected a letter or digit, then up to 31 "
             "letters, digits, '_', '-' or '.'"},
            {"no colon here", "cannot parse line 'no colon here': expected 'key: value'"},
            {"  indented: 1", "cannot parse line '  indented: 1': a key must start at the "
                              "beginning of the line"},
        };
        for (const auto& row : rows) {
            CAPTURE(row.line);
            const auto parsed = parse_mta_sts_policy(with_line(row.line));
            CHECK_FALSE(parsed.policy.has_value());
            REQUIRE(parsed.errors.size() == 1);
            CHECK(parsed.errors[0].line == 3);
            CHECK(parsed.errors[0].message == row.message);
        }
    }
}

TEST_CASE("mta-sts policy: hostile input") {
    SUBCASE("empty") {
        for (const std::string_view text : {"", "\n", "\r\n\r\n", "  \n\t\n"}) {
            CAPTURE(text);
            const auto parsed = parse_mta_sts_policy(text);
            CHECK_FALSE(parsed.policy.has_value());
            REQUIRE(parsed.errors.size() == 1);
            CHECK(parsed.errors[0].line == 0);
            CHECK(parsed.errors[0].message == "cannot use an empty policy: expected 'version', "
                                              "'mode', 'max_age' and 'mx' lines");
        }
    }
    SUBCASE("1 MB is rejected unread") {
        std::string text(1024 * 1024, 'x');
        text.replace(0, valid_policy.size(), valid_policy);
        const auto parsed = parse_mta_sts_policy(text);
        CHECK_FALSE(parsed.policy.has_value());
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 0);
        CHECK(parsed.errors[0].message ==
              "cannot read a policy of 1048576 bytes: the limit is 65536 bytes");
    }
    SUBCASE("the size limit is inclusive") {
        // A valid policy padded with an extension line to exactly 64 KiB, then one byte more.
        std::string text{valid_policy};
        text += "x-pad: ";
        text += std::string(max_mta_sts_policy_bytes - text.size() - 1, 'p');
        text += "\n";
        REQUIRE(text.size() == max_mta_sts_policy_bytes);
        CHECK(parse_mta_sts_policy(text).errors.empty());
        text += "\n";
        const auto parsed = parse_mta_sts_policy(text);
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 0);
    }
    SUBCASE("NUL bytes") {
        using namespace std::string_literals;
        const auto parsed = parse_mta_sts_policy(
            "version: STSv1\nmode: enforce\0\nmx: mx1.example.com\nmax_age: 1\n"s);
        // The line is unusable, so mode is also missing.
        REQUIRE(parsed.errors.size() == 2);
        CHECK(parsed.errors[0].line == 2);
        CHECK(parsed.errors[0].message == "cannot parse line 'mode: enforce\\000': control byte "
                                          "\\000 is not allowed (lines end with LF or CRLF)");
        CHECK(parsed.errors[1].line == 0);
        CHECK(parsed.errors[1].message.starts_with("cannot find key 'mode'"));
    }
    SUBCASE("truncated in a value") {
        const auto parsed = parse_mta_sts_policy("version: STSv1\nmode: enf");
        REQUIRE(parsed.errors.size() == 2);
        CHECK(parsed.errors[0].line == 2);
        CHECK(parsed.errors[0].message == "mode must be 'enforce', 'testing' or 'none', got 'enf'");
        CHECK(parsed.errors[1].message.starts_with("cannot find key 'max_age'"));
    }
    SUBCASE("truncated in a key") {
        const auto parsed = parse_mta_sts_policy("version: STSv1\nmo");
        REQUIRE(parsed.errors.size() == 3);
        CHECK(parsed.errors[0].line == 2);
        CHECK(parsed.errors[0].message == "cannot parse line 'mo': expected 'key: value'");
    }
    SUBCASE("a byte order mark") {
        const auto parsed = parse_mta_sts_policy("\xef\xbb\xbf" + std::string{valid_policy});
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 1);
        CHECK(parsed.errors[0].message ==
              "cannot use a byte order mark (\\357\\273\\277) at the start of the policy");
    }
    SUBCASE("a long line is quoted short") {
        const auto parsed = parse_mta_sts_policy(with_line("mx: " + std::string(10000, 'a')));
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].message.size() < 300);
        CHECK(parsed.errors[0].message.find("... (10000 bytes)") != std::string::npos);
    }
    SUBCASE("binary garbage") {
        // Whatever the bytes, the parser returns errors as printable ASCII and never a policy.
        std::mt19937 engine(8461);
        std::uniform_int_distribution<int> byte(0, 255);
        for (int round = 0; round < 50; ++round) {
            std::string text(static_cast<std::size_t>(round) * 97 + 1, '\0');
            for (auto& c : text) {
                c = static_cast<char>(byte(engine));
            }
            const auto parsed = parse_mta_sts_policy(text);
            CHECK_FALSE(parsed.policy.has_value());
            REQUIRE_FALSE(parsed.errors.empty());
            for (const auto& error : parsed.errors) {
                CHECK(is_ascii_text(error.message));
            }
        }
    }
    SUBCASE("errors are capped") {
        std::string text;
        for (int i = 0; i < 5000; ++i) {
            text += "garbage\n";
        }
        const auto parsed = parse_mta_sts_policy(text);
        REQUIRE(parsed.errors.size() == 51);
        CHECK(parsed.errors[49].line == 50);
        CHECK(parsed.errors[50].line == 51);
        CHECK(parsed.errors[50].message == "cannot report more than 50 errors: stopped here");
    }
    SUBCASE("a policy file from disk with CRLF endings") {
        const auto parsed = parse_mta_sts_policy(read_policy("mta_sts_bad_max_age.invalid.txt"));
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].line == 3);
        CHECK(parsed.errors[0].message ==
              "max_age must be an integer from 0 to 31557600, got '99999999999'");
    }
}

TEST_CASE("mta-sts policy: the fixture policy is valid") {
    const auto parsed = parse_mta_sts_policy(read_policy("mta_sts_enforce.valid.txt"));
    REQUIRE(parsed.errors.empty());
    CHECK(parsed.policy->mode == MtaStsMode::enforce);
}

TEST_CASE("mta-sts policy: mx pattern matching") {
    struct Row {
        std::string_view pattern;
        std::string_view exchange;
        bool matches;
    };
    // RFC 8461 §4.1: "*.example.com" matches "mail.example.com" but not "example.com" nor
    // "foo.bar.example.com".
    const Row rows[] = {
        {"mx1.example.com", "mx1.example.com.", true},
        {"mx1.example.com", "mx1.example.com", true},
        {"mx1.example.com.", "mx1.example.com.", true},
        {"MX1.Example.Com", "mx1.example.com.", true},
        {"mx1.example.com", "MX1.EXAMPLE.COM.", true},
        {"mx1.example.com", "mx2.example.com.", false},
        {"mx1.example.com", "x.mx1.example.com.", false},
        {"mx1.example.com", "mx1.example.com.example.net.", false},
        {"*.example.com", "mx1.example.com.", true},
        {"*.Example.COM", "MX1.example.com.", true},
        {"*.example.com", "a.b.example.com.", false},
        {"*.example.com", "example.com.", false},
        {"*.example.com", ".example.com.", false},
        {"*.example.com", "mx1.example.net.", false},
        {"*.example.com", "mx1xexample.com.", false},
        {"*.example.com", "mx1.notexample.com.", false},
        {"*.example.com", "a\\.b.example.com.", true}, // an escaped dot is inside one label
        {"*.example.com", "a\\.example.com.", false},  // one label "a.example", then "com"
        {"example.com", "example.com.", true},
        {"", "mx1.example.com.", false},
        {"mx1.example.com", ".", false},
        {"*.", "mx1.", false},
    };
    for (const auto& row : rows) {
        CAPTURE(row.pattern);
        CAPTURE(row.exchange);
        CHECK(mx_pattern_matches(row.pattern, row.exchange) == row.matches);
    }
}

TEST_CASE("mta-sts policy: mode names") {
    CHECK(to_string(MtaStsMode::enforce) == "enforce");
    CHECK(to_string(MtaStsMode::testing) == "testing");
    CHECK(to_string(MtaStsMode::none) == "none");
}
