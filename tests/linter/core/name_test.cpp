// Tests of domain name helpers.
// SPDX-License-Identifier: MIT
#include "core/name.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

using namespace mxsteer::lint;

TEST_CASE("name: wire to text lowercases and escapes (RFC 1035 §5.1)") {
    // "\003MX1\007Example\003com\000"
    const std::vector<std::uint8_t> wire{3,   'M', 'X', '1', 7,   'E', 'x', 'a', 'm',
                                         'p', 'l', 'e', 3,   'c', 'o', 'm', 0};
    auto name = name_from_wire(wire);
    REQUIRE(name);
    CHECK(name->text == "mx1.example.com.");
    CHECK(name->wire_length == wire.size());

    // A dot inside a label and a non-printable byte.
    const std::vector<std::uint8_t> odd{3, 'a', '.', 0x07, 0};
    auto escaped = name_from_wire(odd);
    REQUIRE(escaped);
    CHECK(escaped->text == "a\\.\\007.");

    const std::vector<std::uint8_t> root{0};
    CHECK(name_from_wire(root)->text == ".");
}

TEST_CASE("name: malformed wire names are refused") {
    const std::vector<std::uint8_t> truncated{5, 'a', 'b'};
    CHECK_FALSE(name_from_wire(truncated));
    const std::vector<std::uint8_t> no_root{1, 'a'};
    CHECK_FALSE(name_from_wire(no_root));
    const std::vector<std::uint8_t> pointer{0xc0, 0x0c};
    CHECK_FALSE(name_from_wire(pointer));
    CHECK_FALSE(name_from_wire({}));
}

TEST_CASE("name: name_wire_length agrees with name_from_wire") {
    // Four 63-octet labels of bytes that each print as \DDD: the longest text before the
    // 255-octet limit refuses the name.
    std::vector<std::uint8_t> long_escaped;
    for (int label = 0; label < 4; ++label) {
        long_escaped.push_back(63);
        long_escaped.insert(long_escaped.end(), 63, 0xff);
    }
    long_escaped.push_back(0);
    std::vector<std::uint8_t> longest; // 3 labels of 63 and one of 62: 255 octets
    for (const int size : {63, 63, 63, 62}) {
        longest.push_back(static_cast<std::uint8_t>(size));
        longest.insert(longest.end(), static_cast<std::size_t>(size), 0x00);
    }
    longest.push_back(0);
    const std::vector<std::vector<std::uint8_t>> cases{
        {3, 'M', 'X', '1', 0, 9, 9}, // trailing bytes are not part of the name
        {3, 'a', '.', 0x07, 0},
        {0},
        {5, 'a', 'b'},
        {1, 'a'},
        {0xc0, 0x0c},
        {},
        long_escaped,
        longest,
    };
    for (const auto& wire : cases) {
        CAPTURE(wire.size());
        const auto text = name_from_wire(wire);
        const auto length = name_wire_length(wire);
        REQUIRE(text.has_value() == length.has_value());
        if (text) {
            CHECK(text->wire_length == *length);
        }
    }
    CHECK_FALSE(name_from_wire(long_escaped));
    REQUIRE(name_from_wire(longest));
    CHECK(name_from_wire(longest)->text.size() == 4 * 251 + 4);
}

TEST_CASE("name: parent, labels, subdomain") {
    CHECK(parent_name("a.b.example.") == "b.example.");
    CHECK(parent_name("example.") == ".");
    CHECK_FALSE(parent_name("."));
    CHECK(parent_name("a\\.b.example.") == "example.");
    CHECK(first_label("*.example.com.") == "*");
    CHECK(split_labels("a.b.c.") == std::vector<std::string_view>{"a", "b", "c"});
    CHECK(split_labels(".").empty());

    CHECK(is_at_or_below("mx.example.com.", "example.com."));
    CHECK(is_at_or_below("example.com.", "example.com."));
    CHECK_FALSE(is_at_or_below("badexample.com.", "example.com."));
    CHECK_FALSE(is_at_or_below("com.", "example.com."));
    CHECK(is_at_or_below("anything.", "."));
    // An escaped dot is not a label boundary: "a\.example" is one label.
    CHECK_FALSE(is_at_or_below("a\\.example.com.", "example.com."));
    CHECK(is_at_or_below("a\\\\.example.com.", "example.com.")); // escaped backslash, then a dot
}

TEST_CASE("name: canonical form of user input") {
    CHECK(canonical_name("Example.COM") == "example.com.");
    CHECK(canonical_name("mx1", "example.com.") == "mx1.example.com.");
    CHECK(canonical_name("@", "Example.com.") == "example.com.");
    CHECK(canonical_name(".") == ".");
    CHECK_FALSE(canonical_name(""));
    CHECK_FALSE(canonical_name("a..b"));
    CHECK_FALSE(canonical_name(".a"));
}

TEST_CASE("name: escape_bytes keeps output ASCII") {
    CHECK(escape_bytes("abc") == "abc");
    CHECK(escape_bytes(std::string_view{"a\0b", 3}) == "a\\000b");
    CHECK(escape_bytes("\xff") == "\\255");
}
