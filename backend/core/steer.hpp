// MX steering: where a client is (Locator) and which MX set it gets (steer()). Pure: the geo
// database, the health snapshot and the time come in as parameters.
// The rules steer() keeps are those of DESIGN.md "MX steering semantics", numbered here as
// there: 1 never empty, 2 re-rank not drop, 3 fail open, 4 relay order, 5 stable names,
// 6 TTL follows health, 7 honest scope.
// SPDX-License-Identifier: MIT
#pragma once

#include "geo.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mxsteer::core {

struct Coordinates {
    double latitude = 0;
    double longitude = 0;
    friend bool operator==(const Coordinates&, const Coordinates&) = default;
};

// Great-circle distance in km.
[[nodiscard]] double distance_km(const Coordinates& a, const Coordinates& b);

struct Region {
    std::string name;
    std::optional<Coordinates> at;
};

// How client addresses map to regions; indexes are into `regions`.
struct GeographyConfig {
    std::vector<Region> regions;
    // CIDR -> region; the longest prefix holding the client wins.
    std::vector<std::pair<Prefix, std::size_t>> networks;
    // MMDB: country (upper case) -> region, then continent -> region.
    std::shared_ptr<const GeoDatabase> database;
    std::unordered_map<std::string, std::size_t> countries;
    std::unordered_map<std::string, std::size_t> continents;
    std::optional<std::size_t> default_region;
};

// Where a client was placed, with the block of addresses that is placed the same way.
struct Placement {
    enum class By : std::uint8_t { network, database, default_region, none };
    By by = By::none;
    std::optional<std::size_t> region;   // nullopt: unknown (no match and no default)
    std::optional<Coordinates> location; // from the database, else the region's coordinates
    std::uint8_t block_length = 0;       // every address in this block is placed alike
    std::size_t network = 0;             // by network: index into GeographyConfig::networks
    std::optional<GeoRecord> record;     // what the database said, when it was asked
};

class Locator {
public:
    explicit Locator(GeographyConfig config);
    [[nodiscard]] Placement locate(const Address& address) const;
    [[nodiscard]] const GeographyConfig& config() const { return config_; }

    __extension__ using Bits = unsigned __int128; // an address as a number

private:
    // A run of addresses with one most specific network (or none).
    struct Span {
        Bits low = 0;
        Bits high = 0;
        std::size_t network = 0;
        std::size_t region = 0;
    };
    [[nodiscard]] Placement from_database(const Address& address) const;
    GeographyConfig config_;
    std::vector<Span> v4_;
    std::vector<Span> v6_;
};

struct MxRecord {
    std::uint16_t preference = 0;
    std::string exchange; // absolute, lowercase
    friend bool operator==(const MxRecord&, const MxRecord&) = default;
};

struct Pool {
    std::string name;
    std::vector<std::string> exchanges; // absolute, lowercase
    std::optional<Coordinates> at;      // for order = distance
};

// One steered MX RRset.
struct SteerRule {
    std::string name;                // owner, absolute, lowercase: "example.com."
    std::vector<MxRecord> canonical; // the zone's MX records, in zone order
    std::uint32_t canonical_ttl = 3600;
    std::vector<Pool> pools;
    enum class Order : std::uint8_t { regions, distance } order = Order::regions;
    // region index -> pool indexes, nearest first; regions without a list use `default_order`,
    // and pools missing from a list follow it in config order.
    std::unordered_map<std::size_t, std::vector<std::size_t>> region_order;
    std::vector<std::size_t> default_order;
    std::uint32_t ttl_min = 30;
    std::uint32_t ttl_max = 300;
    std::vector<Prefix> relay_networks;
    bool drop_unhealthy = false;
    std::size_t min_answers = 1;
    std::uint16_t preference_base = 10;
    std::uint16_t preference_step = 10;
};

enum class Health : std::uint8_t { up, degraded, soft_down, down };

struct ExchangeHealth {
    Health state = Health::up;
    // Earliest a state flip can change the answer, in seconds (interval x checks left).
    std::uint32_t stable_for_s = 0xffffffff;
    bool changing = false; // a flip is in progress: answers should be short-lived
};

// The prober's view at one time. Without health checks (`checking` false) every exchange is up.
struct HealthSnapshot {
    bool checking = false;
    std::optional<std::int64_t> taken_at_s;                    // nullopt: no round completed yet
    std::int64_t max_age_s = 60;                               // older than this counts as no data
    std::unordered_map<std::string, ExchangeHealth> exchanges; // absent exchange: up
};

// Operator overrides per exchange, whatever the probes say. drain: ranked after every other
// exchange and never dropped (mail still has a way in while it drains); force_down: treated as
// down; force_up: treated as up.
enum class Override : std::uint8_t { drain, force_up, force_down };
using Overrides = std::unordered_map<std::string, Override>; // exchange (canonical) -> override
[[nodiscard]] std::string_view to_string(Override value);
[[nodiscard]] std::optional<Override> parse_override(std::string_view text);

enum class Decision : std::uint8_t {
    steered,          // ordered for the client's place and health
    unknown_client,   // no usable client address: canonical set
    relay,            // client in relay_networks: canonical set (rule 4)
    fail_open_nodata, // health checks configured but no snapshot yet (rule 3)
    fail_open_stale,  // the newest snapshot is too old (rule 3)
    fail_open_down,   // every exchange down (rule 3)
};
[[nodiscard]] std::string_view to_string(Decision decision);
[[nodiscard]] std::string_view to_string(Health health);

struct SteerAnswer {
    std::vector<MxRecord> records; // never empty when the rule has a canonical set (rule 1)
    std::uint32_t ttl_s = 0;
    std::uint8_t scope = 0; // scopeMask for pdns
    Decision decision = Decision::steered;
    // For --explain and debug logs.
    Placement placement;
    std::vector<std::string> pool_order; // pool names, nearest first
};

// The scope given when no client is known (pdns's own zone lookup): non-zero, so that pdns's
// query cache never stores a steered RRset for every client.
inline constexpr std::uint8_t unknown_client_scope = 32;

[[nodiscard]] SteerAnswer steer(const SteerRule& rule, const Locator& locator, const Client& client,
                                const HealthSnapshot& health, std::int64_t now_s,
                                const Overrides* overrides = nullptr);

} // namespace mxsteer::core
