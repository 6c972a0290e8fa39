// The mxsteerd config file: TOML (toml++) -> core::Config, with every problem at file:line:col.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/config.hpp"
#include "core/diagnostic.hpp"
#include "core/steer_config.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::io {

struct ConfigResult {
    core::Config config;           // defaults for every key the file leaves out or gets wrong
    core::SteeringConfig steering; // [[regions]], [networks], [geoip], [[steer]] as written
    // Syntax errors, unknown keys, wrong types, bad values and core::validate() findings: rule
    // "config", severity error, 1-based line and column (0:0 when the file cannot be read).
    // Any entry makes the config unusable.
    std::vector<lint::Diagnostic> errors;
};

// A config is a few lines; a larger file is refused before parsing.
inline constexpr std::size_t max_config_bytes = std::size_t{1} << 20;

// Parses config text. `path` names the file in messages, and its directory is where relative
// paths in the file (zone files, a unix socket) are resolved. Never throws for bad input.
[[nodiscard]] ConfigResult parse_config_toml(std::string_view text, const std::string& path);
// Reads and parses a config file. A file that cannot be read, or is larger than
// max_config_bytes, is an error at 0:0. Never throws for bad input.
[[nodiscard]] ConfigResult load_config_toml(const std::string& path);

// "mxsteer.toml:7:14: error: message", or "mxsteer.toml: error: message" without a position.
[[nodiscard]] std::string format_config_error(const lint::Diagnostic& error);

} // namespace mxsteer::io
