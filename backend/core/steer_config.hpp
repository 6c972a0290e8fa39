// The steering sections of mxsteer.toml as written ([[regions]], [networks], [geoip],
// [[steer]]), and their binding to the served zones: names resolved, rules checked, the
// Locator and the SteerRules built.
// SPDX-License-Identifier: MIT
#pragma once

#include "config.hpp"
#include "core/diagnostic.hpp"
#include "health.hpp"
#include "steer.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mxsteer::lint {
class Zone;
}

namespace mxsteer::core {

struct RegionConfig {
    std::string name;
    std::optional<Coordinates> at;
    SourcePosition pos;
};

// One line of an overrides file.
struct OverrideConfig {
    std::string exchange; // canonical
    Override value = Override::drain;
    std::string file;
    SourcePosition pos;
};

// One "CIDR = region" entry, from the config file or a networks file.
struct NetworkConfig {
    Prefix prefix;
    std::string region;
    std::string file; // where it was written
    SourcePosition pos;
};

struct NamedRef { // a region, country or pool named somewhere, with where
    std::string name;
    SourcePosition pos;
};

struct GeoipConfig {
    std::optional<std::string> database; // MMDB path, resolved against the config directory
    SourcePosition database_pos;
    std::vector<std::pair<NamedRef, NamedRef>> countries;  // country code -> region
    std::vector<std::pair<NamedRef, NamedRef>> continents; // continent code -> region
    std::optional<NamedRef> default_region;
};

struct PoolConfig {
    std::string name;
    std::vector<NamedRef> exchanges; // canonical names
    std::optional<Coordinates> at;
    SourcePosition pos;
};

struct SteerConfig {
    std::string name; // canonical
    SourcePosition pos;
    std::vector<PoolConfig> pools;
    bool distance = false;                                         // order = "distance"
    std::vector<std::pair<NamedRef, std::vector<NamedRef>>> order; // region|"default" -> pools
    std::uint32_t ttl_min = 30;
    std::uint32_t ttl_max = 300;
    SourcePosition ttl_pos;
    std::vector<Prefix> relay_networks;
    bool drop_unhealthy = false;
    std::size_t min_answers = 1;
    std::uint16_t preference_base = 10;
    std::uint16_t preference_step = 10;
};

// [health]: SMTP checks of every steered exchange. Absent: no checks, every exchange is up.
struct HealthSection {
    HealthConfig config;
    // The state dump (/state, JSON) and Prometheus metrics (/metrics): "ADDRESS:PORT", loopback
    // by default; empty: off.
    std::string status_listen = "127.0.0.1:8054";
    SourcePosition pos;
};

struct SteeringConfig {
    std::optional<HealthSection> health;
    std::vector<RegionConfig> regions;
    std::vector<NetworkConfig> networks;    // from the config file
    std::vector<NamedRef> network_files;    // "CIDR REGION" lines, resolved paths
    std::optional<NamedRef> overrides_file; // "drain|force-up|force-down EXCHANGE" lines
    GeoipConfig geoip;
    std::vector<SteerConfig> steer;

    [[nodiscard]] bool empty() const { return steer.empty(); }
};

// Everything a lookup of a steered name needs; immutable once built.
struct Steering {
    Locator locator{GeographyConfig{}};
    std::vector<SteerRule> rules;
    std::unordered_map<std::string, std::size_t> by_name; // rule name -> index
    // With [health]: every address of every exchange a rule can hand out that a served zone
    // gives (A and AAAA), with the zone's _PORT._tcp TLSA records. Exchanges without an address
    // in a served zone are not probed and count as up.
    std::optional<HealthSection> health;
    std::vector<ProbeTarget> probe_targets;
    Overrides overrides; // from the overrides file, applied to every steered answer
    [[nodiscard]] const SteerRule* find(std::string_view canonical_name) const;
};

struct SteeringResult {
    std::shared_ptr<const Steering> steering; // null when there are errors
    // Rule ids of RULES.md "Steering" (steer-*), severity error or warning, at the config's
    // file:line:col (a networks file's for its entries).
    std::vector<lint::Diagnostic> findings;
};

// Binds the steering config to the served zones. `networks` are the config's entries plus those
// read from network files; `database` is the opened [geoip] database (null without one).
// Checks: every region named exists; pools and order lists are not empty; every steered name
// is in a served zone, has MX records and no null MX; every pool exchange has an address in a
// served zone; network entries of different regions for the same block are reported.
[[nodiscard]] SteeringResult bind_steering(const SteeringConfig& config,
                                           const std::vector<NetworkConfig>& networks,
                                           std::shared_ptr<const GeoDatabase> database,
                                           const std::vector<const lint::Zone*>& zones,
                                           const std::string& config_file,
                                           const std::vector<OverrideConfig>& overrides = {});

} // namespace mxsteer::core
