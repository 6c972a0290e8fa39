// Domain name helpers for the zone model and the rules.
// SPDX-License-Identifier: MIT
#include "name.hpp"

#include <fmt/format.h>

#include <array>

namespace mxsteer::lint {

namespace {

bool needs_backslash(char c) {
    switch (c) {
    case '.':
    case '\\':
    case '"':
    case '(':
    case ')':
    case ';':
    case '@':
    case '$':
        return true;
    default:
        return false;
    }
}

// Position of the first label separator of a presentation-form name, skipping escapes.
std::size_t first_separator(std::string_view name) {
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\') {
            ++i;
            continue;
        }
        if (name[i] == '.') {
            return i;
        }
    }
    return std::string_view::npos;
}

} // namespace

std::optional<WireName> name_from_wire(std::span<const std::uint8_t> wire) {
    // The text is built in a local buffer and copied once. Labels are read while they start
    // within the first 256 octets, so at most 319 wire octets are read, each becoming at most
    // four characters (\DDD). Left uninitialised: only [0, size) is ever read.
    std::array<char, 1536> text;
    const auto length = name_wire_length(wire);
    if (!length) {
        return std::nullopt;
    }
    std::size_t size = 0;
    // name_wire_length has checked every label, so the walk below reads only valid octets.
    for (std::size_t pos = 0; wire[pos] != 0; pos += 1U + wire[pos]) {
        for (std::size_t i = pos + 1; i <= pos + wire[pos]; ++i) {
            const std::uint8_t octet = wire[i];
            if (octet < 0x21 || octet > 0x7e) {
                text[size++] = '\\';
                text[size++] = static_cast<char>('0' + octet / 100);
                text[size++] = static_cast<char>('0' + octet / 10 % 10);
                text[size++] = static_cast<char>('0' + octet % 10);
                continue;
            }
            const char c = ascii_lower(static_cast<char>(octet));
            if (needs_backslash(c)) {
                text[size++] = '\\';
            }
            text[size++] = c;
        }
        text[size++] = '.';
    }
    WireName out;
    out.wire_length = *length;
    out.text = size == 0 ? std::string{"."} : std::string{text.data(), size};
    return out;
}

std::optional<std::size_t> name_wire_length(std::span<const std::uint8_t> wire) {
    std::size_t pos = 0;
    for (;;) {
        if (pos >= wire.size()) {
            return std::nullopt;
        }
        const std::size_t len = wire[pos];
        if (len > 63 || pos + 1 + len > wire.size()) {
            return std::nullopt;
        }
        if (len == 0) {
            return pos + 1;
        }
        pos += 1 + len;
        if (pos > 255) {
            return std::nullopt;
        }
    }
}

std::optional<std::string_view> parent_name(std::string_view name) {
    if (name.empty() || name == ".") {
        return std::nullopt;
    }
    const auto sep = first_separator(name);
    if (sep == std::string_view::npos || sep + 1 >= name.size()) {
        return std::string_view{"."};
    }
    return name.substr(sep + 1);
}

std::string_view first_label(std::string_view name) {
    if (name == ".") {
        return {};
    }
    return name.substr(0, first_separator(name));
}

std::vector<std::string_view> split_labels(std::string_view name) {
    std::vector<std::string_view> labels;
    while (!name.empty() && name != ".") {
        const auto sep = first_separator(name);
        labels.push_back(name.substr(0, sep));
        if (sep == std::string_view::npos) {
            break;
        }
        name.remove_prefix(sep + 1);
    }
    return labels;
}

bool is_at_or_below(std::string_view name, std::string_view zone) {
    if (zone == ".") {
        return true;
    }
    if (name.size() < zone.size() || name.substr(name.size() - zone.size()) != zone) {
        return false;
    }
    if (name.size() == zone.size()) {
        return true;
    }
    // The character before the suffix must be an unescaped label separator.
    const std::size_t dot = name.size() - zone.size() - 1;
    if (name[dot] != '.') {
        return false;
    }
    std::size_t backslashes = 0;
    for (std::size_t i = dot; i > 0 && name[i - 1] == '\\'; --i) {
        ++backslashes;
    }
    return backslashes % 2 == 0;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

std::optional<std::string> canonical_name(std::string_view text, std::string_view origin) {
    if (text.empty()) {
        return std::nullopt;
    }
    if (text == "@") {
        return ascii_lower(origin);
    }
    if (text.find("..") != std::string_view::npos || (text.front() == '.' && text != ".")) {
        return std::nullopt;
    }
    std::string out = ascii_lower(text);
    if (out.back() != '.' || (out.size() >= 2 && out[out.size() - 2] == '\\')) {
        out += origin == "." ? std::string{"."} : "." + ascii_lower(origin);
    }
    return out;
}

std::string escape_bytes(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e) {
            out += fmt::format("\\{:03}", u);
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace mxsteer::lint
