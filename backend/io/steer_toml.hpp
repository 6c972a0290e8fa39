// The steering sections of mxsteer.toml ([[regions]], [networks], [geoip], [[steer]]) and the
// networks files they name.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/diagnostic.hpp"
#include "core/steer_config.hpp"

#include <toml++/toml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::io {

using ConfigError = std::function<void(core::SourcePosition, std::string)>;
using PathResolver = std::function<std::string(const std::string&)>;

// True when `key` is a steering section; then `value` has been read into `steering`, each
// problem reported through `error` (with the value's position).
bool parse_steering_key(std::string_view key, const toml::node& value,
                        core::SteeringConfig& steering, const ConfigError& error,
                        const PathResolver& resolve);

// A networks file: one "CIDR REGION" per line; '#' starts a comment; blank lines are skipped.
// Problems are Diagnostics (rule "config") at file:line:column.
struct NetworksFile {
    std::vector<core::NetworkConfig> networks;
    std::vector<lint::Diagnostic> errors;
};
inline constexpr std::size_t max_networks_file_bytes = std::size_t{64} << 20;
[[nodiscard]] NetworksFile parse_networks(std::string_view text, const std::string& path);
[[nodiscard]] NetworksFile read_networks_file(const std::string& path);

// An overrides file: one "drain|force-up|force-down EXCHANGE" per line; '#' starts a comment.
struct OverridesFile {
    std::vector<core::OverrideConfig> overrides;
    std::vector<lint::Diagnostic> errors;
};
[[nodiscard]] OverridesFile parse_overrides(std::string_view text, const std::string& path);
[[nodiscard]] OverridesFile read_overrides_file(const std::string& path);

} // namespace mxsteer::io
