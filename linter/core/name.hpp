// Domain names in canonical presentation form: lowercase, absolute, RFC 1035 §5.1 escapes.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

// Converts an uncompressed wire-format name to lowercase presentation text ("mx1.example.com.",
// "." for the root). Bytes outside printable ASCII become \DDD, special characters get a
// backslash. Returns the text and the number of wire octets consumed, or nullopt when the
// wire data is truncated or malformed.
struct WireName {
    std::string text;
    std::size_t wire_length = 0;
};
[[nodiscard]] std::optional<WireName> name_from_wire(std::span<const std::uint8_t> wire);

// The number of wire octets of the uncompressed name at the start of `wire`, under the same
// checks as name_from_wire() (nullopt exactly when it fails), without building the text.
[[nodiscard]] std::optional<std::size_t> name_wire_length(std::span<const std::uint8_t> wire);

// The parent of an absolute name ("a.b." -> "b.", "b." -> "."); nullopt for the root.
[[nodiscard]] std::optional<std::string_view> parent_name(std::string_view name);

// The first label of a name in presentation form, escapes kept ("*" for "*.example.com.").
[[nodiscard]] std::string_view first_label(std::string_view name);

// Labels of a name in presentation form, escapes kept, without the root ("a.b." -> {a, b}).
[[nodiscard]] std::vector<std::string_view> split_labels(std::string_view name);

// True when `name` equals `zone` or lies below it. Both in canonical form.
[[nodiscard]] bool is_at_or_below(std::string_view name, std::string_view zone);

// Lowercases an ASCII letter; other bytes are kept.
[[nodiscard]] constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Lowercases an ASCII string; other bytes are kept.
[[nodiscard]] std::string ascii_lower(std::string_view text);

// Canonicalises a name typed by a user: lowercase, absolute (appends `origin` to a relative
// name, "@" means the origin). Returns nullopt for an empty or malformed name.
[[nodiscard]] std::optional<std::string> canonical_name(std::string_view text,
                                                        std::string_view origin = ".");

// Quotes arbitrary bytes for a message: printable ASCII as is, the rest as \DDD.
[[nodiscard]] std::string escape_bytes(std::string_view bytes);

} // namespace mxsteer::lint
