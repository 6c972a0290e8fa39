// mxlint --config mxsteer.toml: mxsteerd's config adapters and Steering rules, used by mxlint.
// SPDX-License-Identifier: MIT
#include "steering.hpp"

#include "core/zone.hpp"
#include "io/config_toml.hpp"
#include "io/steer_toml.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace mxsteer::lint {

SteeringLoad load_steering(std::string_view text, const std::string& path) {
    io::ConfigResult parsed = io::parse_config_toml(text, path);
    SteeringLoad out;
    out.errors = std::move(parsed.errors);
    out.input.file = path;
    out.input.zones = std::move(parsed.config.zones);
    out.input.steering = std::move(parsed.steering);
    // As mxsteerd does (io/zone_set.cpp): the config's own entries, then each networks file's.
    out.input.networks = out.input.steering.networks;
    for (auto& network : out.input.networks) {
        network.file = path;
    }
    if (!out.errors.empty()) {
        return out; // a broken config may name files that were never meant
    }
    for (const auto& file : out.input.steering.network_files) {
        auto read = io::read_networks_file(file.name);
        out.errors.insert(out.errors.end(), std::make_move_iterator(read.errors.begin()),
                          std::make_move_iterator(read.errors.end()));
        out.input.networks.insert(out.input.networks.end(),
                                  std::make_move_iterator(read.networks.begin()),
                                  std::make_move_iterator(read.networks.end()));
    }
    return out;
}

decltype(LintOptions::steered) steered_exchanges(const SteeringInput& input) {
    decltype(LintOptions::steered) out;
    for (const auto& steer : input.steering.steer) {
        auto& members = out[steer.name];
        for (const auto& pool : steer.pools) {
            for (const auto& exchange : pool.exchanges) {
                members.push_back(SteeredExchange{exchange.name, input.file, exchange.pos.line,
                                                  exchange.pos.column});
            }
        }
    }
    return out;
}

SteeringCheck check_steering(const SteeringInput& input, const std::vector<const Zone*>& zones) {
    // No geo database: the binding checks names, pools and regions, not the database's content.
    auto bound = core::bind_steering(input.steering, input.networks, nullptr, zones, input.file);
    SteeringCheck out;
    for (auto& finding : bound.findings) {
        if (finding.rule != "config") {
            out.findings.push_back(std::move(finding));
        } else if (finding.severity == Severity::error) {
            out.config_errors.push_back(std::move(finding));
        } else {
            out.config_notes.push_back(std::move(finding));
        }
    }
    return out;
}

std::vector<Diagnostic> drop_duplicate_findings(std::vector<Diagnostic> findings) {
    auto at = [](const Diagnostic& d) { return std::tie(d.file, d.line, d.column); };
    auto precise = [&](const Diagnostic& unknown) {
        return std::any_of(findings.begin(), findings.end(), [&](const Diagnostic& d) {
            return (d.rule == "mx-target-no-address" || d.rule == "mx-target-cname" ||
                    d.rule == "mx-target-is-ip") &&
                   at(d) == at(unknown);
        });
    };
    std::vector<Diagnostic> out;
    out.reserve(findings.size());
    for (const auto& d : findings) {
        if (d.rule == "steer-unknown-name" && d.line != 0 && precise(d)) {
            continue;
        }
        out.push_back(d);
    }
    return out;
}

} // namespace mxsteer::lint
