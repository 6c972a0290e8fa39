// mxlint --config mxsteer.toml: the steering config read by mxsteerd's own adapters and checked
// against the zones being linted. Part of the mxlint executable only: the linter library
// (mxsteer::lint, mxsteer::lint_core) never depends on backend/.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/config.hpp"
#include "core/diagnostic.hpp"
#include "core/rules.hpp"
#include "core/steer_config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

class Zone;

// An mxsteer.toml as mxlint uses it.
struct SteeringInput {
    std::string file;                          // the config file, as given
    std::vector<core::ZoneSource> zones;       // its [[zones]], paths resolved against its dir
    core::SteeringConfig steering;             // [[regions]], [networks], [geoip], [[steer]]
    std::vector<core::NetworkConfig> networks; // [networks] entries, then networks files'
};

struct SteeringLoad {
    SteeringInput input;
    // Syntax errors, unknown keys, bad values and unreadable or malformed networks files: rule
    // "config", severity error, at file:line:col (0:0 for a file that cannot be read). Any
    // entry makes the config unusable (mxlint exits 2). The [geoip] database is not opened:
    // the binding needs none, and it usually lives only on the servers.
    std::vector<Diagnostic> errors;
};

// Parses mxsteer.toml text (read by the caller) and reads the networks files it names.
[[nodiscard]] SteeringLoad load_steering(std::string_view text, const std::string& path);

// The pools' exchanges per steered name, with where the config names them, for
// LintOptions::steered.
[[nodiscard]] decltype(LintOptions::steered) steered_exchanges(const SteeringInput& input);

struct SteeringCheck {
    std::vector<Diagnostic> findings;      // steer-* (RULES.md "Steering")
    std::vector<Diagnostic> config_errors; // rule "config", severity error: exit 2
    std::vector<Diagnostic> config_notes;  // rule "config", severity warning: shown only
};

// core::bind_steering against `zones` (those being linted): the Steering rules of RULES.md.
[[nodiscard]] SteeringCheck check_steering(const SteeringInput& input,
                                           const std::vector<const Zone*>& zones);

// Drops a steer-unknown-name finding when a zone rule already reports the same pool member,
// more precisely, at the same file:line:col (mx-target-no-address, -cname, -is-ip).
[[nodiscard]] std::vector<Diagnostic> drop_duplicate_findings(std::vector<Diagnostic> findings);

} // namespace mxsteer::lint
