// Small text helpers shared by the record-syntax rules (SPF, DMARC, DKIM, TLS-RPT, MTA-STS).
// SPDX-License-Identifier: MIT
#pragma once

#include "name.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

inline bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}
// WSP of RFC 5234: space and horizontal tab.
inline bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

inline std::string_view trim_wsp(std::string_view text) {
    while (!text.empty() && is_wsp(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_wsp(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// Splits at every `separator`; empty fields are kept.
inline std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto pos = text.find(separator);
        out.push_back(text.substr(0, pos));
        if (pos == std::string_view::npos) {
            return out;
        }
        text.remove_prefix(pos + 1);
    }
}

// ASCII case-insensitive equality.
inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) ==
                      (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
           });
}

// A user value for a message: escaped to ASCII and cut after 80 bytes.
inline std::string quote(std::string_view text) {
    constexpr std::size_t max = 80;
    if (text.size() > max) {
        return escape_bytes(text.substr(0, max)) + "...";
    }
    return escape_bytes(text);
}

// The same in '...' quotes, uncut (names and other short values).
inline std::string quoted(std::string_view value) {
    return "'" + escape_bytes(value) + "'";
}

} // namespace mxsteer::lint
