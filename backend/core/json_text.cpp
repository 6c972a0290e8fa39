// JSON string escaping: plain runs copied at once, UTF-8 checked, everything else escaped.
// SPDX-License-Identifier: MIT
#include "json_text.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace mxsteer::core {

namespace {

// Bytes that leave the plain-copy loop: '"', '\\', control characters and every non-ASCII
// byte (which is copied only after its UTF-8 sequence has been checked).
constexpr std::array<bool, 256> special_bytes = [] {
    std::array<bool, 256> table{};
    for (std::size_t c = 0; c < table.size(); ++c) {
        table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
    }
    return table;
}();

// Length of the well-formed UTF-8 sequence at text[pos] (RFC 3629 section 4: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 if the byte there does not start one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
    const std::size_t left = text.size() - pos;
    const std::uint8_t lead = byte(0);
    const auto continuation = [&](std::size_t i) { return i < left && (byte(i) & 0xC0) == 0x80; };
    if (lead >= 0xC2 && lead <= 0xDF) {
        return continuation(1) ? 2 : 0;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (left < 3 || !continuation(1) || !continuation(2)) {
            return 0;
        }
        const std::uint8_t second = byte(1);
        if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F)) {
            return 0; // overlong, or a UTF-16 surrogate
        }
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (left < 4 || !continuation(1) || !continuation(2) || !continuation(3)) {
            return 0;
        }
        const std::uint8_t second = byte(1);
        if ((lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
            return 0; // overlong, or above U+10FFFF
        }
        return 4;
    }
    return 0;
}

void append_escaped(std::string& out, char c) {
    switch (c) {
    case '"':
        out += "\\\"";
        return;
    case '\\':
        out += "\\\\";
        return;
    case '\b':
        out += "\\b";
        return;
    case '\f':
        out += "\\f";
        return;
    case '\n':
        out += "\\n";
        return;
    case '\r':
        out += "\\r";
        return;
    case '\t':
        out += "\\t";
        return;
    default:
        break;
    }
    constexpr std::string_view hex = "0123456789abcdef";
    const auto code = static_cast<std::uint8_t>(c);
    out += "\\u00";
    out += hex[code >> 4U];
    out += hex[code & 0x0FU];
}

} // namespace

std::string json_string(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    append_json_string(out, text);
    return out;
}

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t run = pos;
        while (run < text.size() && !special_bytes[static_cast<std::uint8_t>(text[run])]) {
            ++run;
        }
        out.append(text, pos, run - pos);
        pos = run;
        if (pos == text.size()) {
            break;
        }
        const auto code = static_cast<std::uint8_t>(text[pos]);
        if (code < 0x80) {
            append_escaped(out, text[pos]);
            ++pos;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, pos);
        if (length == 0) {
            out += "\\ufffd";
            ++pos;
            continue;
        }
        out.append(text, pos, length);
        pos += length;
    }
    out += '"';
}

} // namespace mxsteer::core
