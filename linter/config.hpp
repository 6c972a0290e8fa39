// mxlint configuration (TOML): per-rule severity or "off", globally and per zone-file glob.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/diagnostic.hpp"
#include "core/lint.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

struct LintConfig {
    struct FileOverride {
        std::string pattern; // fnmatch(3) glob on the zone file path as given, or its file name
        RuleSettings rules;
    };
    RuleSettings rules;
    std::vector<FileOverride> files;

    // The settings for one zone file: [rules], then every matching [[files]] entry in order.
    [[nodiscard]] RuleSettings settings_for(std::string_view path) const;
};

struct ConfigResult {
    LintConfig config;
    // Problems with file:line:col; rule is "config". Any entry makes the config unusable.
    std::vector<Diagnostic> errors;
};

// What `mxlint --config FILE` was given. mxlint's own config has only the top-level keys
// `rules` and `files`; mxsteerd's mxsteer.toml has its own (`zones`, `listen`, `log_level`,
// `regions`, `networks`, `geoip`, `steer`). A file with any of mxsteerd's keys is an
// mxsteer.toml; any other file (also one that is not TOML, too large or nested too deeply) is
// mxlint's, and parse_lint_config() reports what is wrong with it.
enum class ConfigKind : std::uint8_t { mxlint, mxsteer };
[[nodiscard]] ConfigKind config_kind(std::string_view text);

// Parses config text; `path` is used in messages.
[[nodiscard]] ConfigResult parse_lint_config(std::string_view text, const std::string& path);
// Reads and parses a config file; throws std::system_error when it cannot be read.
[[nodiscard]] ConfigResult load_lint_config(const std::string& path);

} // namespace mxsteer::lint
