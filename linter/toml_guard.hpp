// Guards for TOML input before toml++ parses it: toml++ 3.3 nests a table per dotted-key part
// and recurses over the nesting, so a key of 20,000 parts ("a.a.a... = 1", a few hundred KB)
// overflows the stack. Both mxlint's and mxsteerd's config readers refuse such input first.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mxsteer::lint {

// No config key needs more dots than this on one line (floats add dots too, but no config value
// is a list of dozens of floats).
inline constexpr std::size_t max_toml_dots_per_line = 64;
// Config files larger than this are refused unread.
inline constexpr std::size_t max_toml_bytes = std::size_t{1} << 20;

struct TomlPosition {
    std::uint32_t line = 0;   // 1-based
    std::uint32_t column = 0; // 1-based
};

// The first place where a line has more than max_toml_dots_per_line dots outside strings and
// comments, or nullopt when there is none.
[[nodiscard]] std::optional<TomlPosition> toml_too_deep(std::string_view text);

} // namespace mxsteer::lint
