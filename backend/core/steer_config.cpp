// Binding [[steer]] and the geography to the served zones, with the Steering rules of RULES.md.
// SPDX-License-Identifier: MIT
#include "steer_config.hpp"

#include "core/name.hpp"
#include "core/rdata.hpp"
#include "core/zone.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace mxsteer::core {

namespace {

class Binder {
public:
    Binder(const std::string& file, const std::vector<const lint::Zone*>& zones)
        : file_(file), zones_(zones) {}

    void report(std::string rule, lint::Severity severity, const std::string& file,
                SourcePosition at, std::string owner, std::string message) {
        findings.push_back(lint::Diagnostic{std::move(rule), severity, file, at.line, at.column,
                                            std::move(owner), std::move(message)});
    }
    void error(std::string_view rule, SourcePosition at, std::string message,
               std::string owner = {}) {
        report(std::string{rule}, lint::Severity::error, file_, at, std::move(owner),
               std::move(message));
    }

    // The served zone that holds `name` (the deepest one), or null.
    const lint::Zone* zone_of(std::string_view name) const {
        const lint::Zone* best = nullptr;
        for (const lint::Zone* zone : zones_) {
            if (lint::is_at_or_below(name, zone->origin()) &&
                (best == nullptr || zone->origin().size() > best->origin().size())) {
                best = zone;
            }
        }
        return best;
    }

    // An A or AAAA at the name, or synthesised from a wildcard that covers it (RFC 4592).
    bool has_address(std::string_view name) const {
        const lint::Zone* zone = zone_of(name);
        if (zone == nullptr || zone->below_cut(name)) {
            return false;
        }
        auto addressed = [zone](std::string_view owner) {
            return zone->has_type(owner, lint::rrtype::a) ||
                   zone->has_type(owner, lint::rrtype::aaaa);
        };
        if (addressed(name)) {
            return true;
        }
        const auto wildcard = zone->exists(name) ? std::nullopt : zone->covering_wildcard(name);
        return wildcard && addressed(*wildcard);
    }

    std::vector<lint::Diagnostic> findings;

private:
    const std::string& file_;
    const std::vector<const lint::Zone*>& zones_;
};

// The addresses (A, AAAA) and _PORT._tcp TLSA records that the served zones give each exchange
// the rules can hand out, in rule and pool order, each exchange once.
std::vector<ProbeTarget> probe_targets(const Steering& steering, std::uint16_t port,
                                       const Binder& b) {
    std::vector<ProbeTarget> targets;
    std::vector<std::string> exchanges;
    for (const SteerRule& rule : steering.rules) {
        for (const Pool& pool : rule.pools) {
            exchanges.insert(exchanges.end(), pool.exchanges.begin(), pool.exchanges.end());
        }
        for (const MxRecord& record : rule.canonical) {
            exchanges.push_back(record.exchange);
        }
    }
    std::vector<std::string> seen;
    for (const std::string& exchange : exchanges) {
        if (std::find(seen.begin(), seen.end(), exchange) != seen.end()) {
            continue;
        }
        seen.push_back(exchange);
        const lint::Zone* zone = b.zone_of(exchange);
        if (zone == nullptr || zone->below_cut(exchange)) {
            continue;
        }
        std::vector<TlsaRecord> tlsa;
        const std::string tlsa_name = fmt::format("_{}._tcp.{}", port, exchange);
        if (const lint::Zone* tlsa_zone = b.zone_of(tlsa_name)) {
            for (const lint::Record* r : tlsa_zone->records_at(tlsa_name, lint::rrtype::tlsa)) {
                if (auto t = lint::decode_tlsa(tlsa_zone->rdata(*r))) {
                    tlsa.push_back({t->usage, t->selector, t->matching_type, t->data});
                }
            }
        }
        for (const std::uint16_t type : {lint::rrtype::a, lint::rrtype::aaaa}) {
            for (const lint::Record* r : zone->records_at(exchange, type)) {
                const auto rdata = zone->rdata(*r);
                Address address;
                address.v4 = type == lint::rrtype::a;
                if (rdata.size() != (address.v4 ? 4U : 16U)) {
                    continue;
                }
                std::copy(rdata.begin(), rdata.end(), address.bytes.begin());
                targets.push_back({exchange, to_string(address), port, tlsa});
            }
        }
    }
    return targets;
}

} // namespace

const SteerRule* Steering::find(std::string_view canonical_name) const {
    if (rules.empty()) {
        return nullptr;
    }
    const auto it = by_name.find(std::string{canonical_name});
    return it == by_name.end() ? nullptr : &rules[it->second];
}

SteeringResult bind_steering(const SteeringConfig& config,
                             const std::vector<NetworkConfig>& networks,
                             std::shared_ptr<const GeoDatabase> database,
                             const std::vector<const lint::Zone*>& zones,
                             const std::string& config_file,
                             const std::vector<OverrideConfig>& overrides) {
    Binder b{config_file, zones};
    GeographyConfig geo;
    std::unordered_map<std::string, std::size_t> region_index;
    for (const RegionConfig& region : config.regions) {
        if (!region_index.emplace(region.name, geo.regions.size()).second) {
            b.error("config", region.pos,
                    fmt::format("region '{}' is defined twice", lint::escape_bytes(region.name)));
            continue;
        }
        geo.regions.push_back({region.name, region.at});
    }
    auto region_of = [&](const NamedRef& ref, const std::string& file,
                         std::string_view what) -> std::optional<std::size_t> {
        if (auto it = region_index.find(ref.name); it != region_index.end()) {
            return it->second;
        }
        b.report("steer-unknown-region", lint::Severity::error, file, ref.pos, {},
                 fmt::format("{} names region '{}', which no [[regions]] entry defines", what,
                             lint::escape_bytes(ref.name)));
        return std::nullopt;
    };

    // Networks: the same block twice for two regions is a mistake (the later one wins).
    std::map<std::pair<std::string, int>, const NetworkConfig*> blocks;
    for (const NetworkConfig& n : networks) {
        const auto region = region_of({n.region, n.pos}, n.file, "network " + to_string(n.prefix));
        if (!region) {
            continue;
        }
        auto [it, fresh] = blocks.try_emplace({to_string(n.prefix.address), n.prefix.length}, &n);
        if (!fresh && it->second->region != n.region) {
            b.report("steer-overlapping-networks", lint::Severity::warning, n.file, n.pos, {},
                     fmt::format("network {} is mapped to '{}' here and to '{}' at {}:{}; the "
                                 "later entry wins",
                                 to_string(n.prefix), lint::escape_bytes(n.region),
                                 lint::escape_bytes(it->second->region), it->second->file,
                                 it->second->pos.line));
            it->second = &n;
        }
        geo.networks.emplace_back(n.prefix, *region);
    }
    for (const auto& [code, region] : config.geoip.countries) {
        if (auto r = region_of(region, config_file, "country " + code.name)) {
            geo.countries[code.name] = *r;
        }
    }
    for (const auto& [code, region] : config.geoip.continents) {
        if (auto r = region_of(region, config_file, "continent " + code.name)) {
            geo.continents[code.name] = *r;
        }
    }
    if (config.geoip.default_region) {
        geo.default_region = region_of(*config.geoip.default_region, config_file, "default");
    }
    geo.database = std::move(database);

    auto steering = std::make_shared<Steering>();
    for (const SteerConfig& s : config.steer) {
        SteerRule rule;
        rule.name = s.name;
        bool ok = true;
        const lint::Zone* zone = b.zone_of(s.name);
        if (zone == nullptr) {
            b.error("steer-unknown-name", s.pos,
                    fmt::format("steered name '{}' is in no served zone", s.name), s.name);
            ok = false;
        } else {
            for (const lint::Record* record : zone->records_at(s.name, lint::rrtype::mx)) {
                auto mx = lint::decode_mx(zone->rdata(*record));
                if (!mx) {
                    continue;
                }
                if (mx->exchange == ".") {
                    b.error("steer-null-mx", s.pos,
                            fmt::format("'{}' publishes a null MX (it receives no mail): it "
                                        "cannot be steered",
                                        s.name),
                            s.name);
                    ok = false;
                    break;
                }
                rule.canonical.push_back({mx->preference, mx->exchange});
                rule.canonical_ttl = record->ttl;
            }
            if (ok && rule.canonical.empty()) {
                b.error("steer-unknown-name", s.pos,
                        fmt::format("steered name '{}' has no MX records in zone '{}': the "
                                    "zone's MX set is what clients get when nothing is known",
                                    s.name, zone->origin()),
                        s.name);
                ok = false;
            }
        }
        std::unordered_map<std::string, std::size_t> pool_index;
        for (const PoolConfig& p : s.pools) {
            if (!pool_index.emplace(p.name, rule.pools.size()).second) {
                b.error("config", p.pos,
                        fmt::format("pool '{}' is defined twice for '{}'",
                                    lint::escape_bytes(p.name), s.name));
                ok = false;
                continue;
            }
            if (p.exchanges.empty()) {
                b.error("steer-empty-pool", p.pos,
                        fmt::format("pool '{}' of '{}' has no exchanges",
                                    lint::escape_bytes(p.name), s.name),
                        s.name);
                ok = false;
            }
            Pool pool{p.name, {}, p.at};
            if (!pool.at) {
                if (auto it = region_index.find(p.name); it != region_index.end()) {
                    pool.at = geo.regions[it->second].at; // a pool named after its region
                }
            }
            for (const NamedRef& exchange : p.exchanges) {
                if (!b.has_address(exchange.name)) {
                    b.error("steer-unknown-name", exchange.pos,
                            fmt::format("exchange '{}' of pool '{}' has no A or AAAA record in "
                                        "a served zone: mail sent to it would bounce",
                                        exchange.name, lint::escape_bytes(p.name)),
                            s.name);
                    ok = false;
                }
                pool.exchanges.push_back(exchange.name);
            }
            rule.pools.push_back(std::move(pool));
        }
        if (s.pools.empty()) {
            b.error("steer-empty-pool", s.pos,
                    fmt::format("'{}' is steered but has no pools", s.name), s.name);
            ok = false;
        }
        rule.order = s.distance ? SteerRule::Order::distance : SteerRule::Order::regions;
        for (const auto& [region, pools] : s.order) {
            std::vector<std::size_t> list;
            if (pools.empty()) {
                b.error("steer-empty-pool", region.pos,
                        fmt::format("the pool list of region '{}' is empty",
                                    lint::escape_bytes(region.name)),
                        s.name);
                ok = false;
            }
            for (const NamedRef& pool : pools) {
                if (auto it = pool_index.find(pool.name); it != pool_index.end()) {
                    list.push_back(it->second);
                } else {
                    b.error("steer-unknown-name", pool.pos,
                            fmt::format("pool '{}' is not defined for '{}'",
                                        lint::escape_bytes(pool.name), s.name),
                            s.name);
                    ok = false;
                }
            }
            if (region.name == "default") {
                rule.default_order = std::move(list);
            } else if (auto r = region_of(region, config_file, "the order of " + s.name)) {
                rule.region_order[*r] = std::move(list);
            } else {
                ok = false;
            }
        }
        if (s.distance) {
            for (const Pool& pool : rule.pools) {
                if (!pool.at) {
                    b.report("config", lint::Severity::warning, config_file, s.pos, s.name,
                             fmt::format("order is \"distance\" but pool '{}' has no coordinates "
                                         "(latitude/longitude, or a region of its name with "
                                         "them): it is ranked last",
                                         lint::escape_bytes(pool.name)));
                }
            }
        }
        if (s.ttl_min > s.ttl_max) {
            b.error("config", s.ttl_pos,
                    fmt::format("ttl_min ({}) is larger than ttl_max ({})", s.ttl_min, s.ttl_max));
            ok = false;
        }
        rule.ttl_min = s.ttl_min;
        rule.ttl_max = s.ttl_max;
        rule.relay_networks = s.relay_networks;
        rule.drop_unhealthy = s.drop_unhealthy;
        rule.min_answers = s.min_answers;
        rule.preference_base = s.preference_base;
        rule.preference_step = s.preference_step;
        if (steering->by_name.count(s.name) != 0) {
            b.error("config", s.pos, fmt::format("'{}' is steered twice", s.name), s.name);
            ok = false;
        }
        if (ok) {
            steering->by_name.emplace(s.name, steering->rules.size());
            steering->rules.push_back(std::move(rule));
        }
    }
    steering->locator = Locator{std::move(geo)};
    for (const OverrideConfig& o : overrides) {
        bool known = false;
        for (const SteerRule& rule : steering->rules) {
            for (const Pool& pool : rule.pools) {
                known = known || std::find(pool.exchanges.begin(), pool.exchanges.end(),
                                           o.exchange) != pool.exchanges.end();
            }
            for (const MxRecord& record : rule.canonical) {
                known = known || record.exchange == o.exchange;
            }
        }
        if (!known) {
            b.report("steer-unknown-name", lint::Severity::warning, o.file, o.pos, {},
                     fmt::format("{} '{}': no steered name hands out this exchange",
                                 to_string(o.value), o.exchange));
        }
        steering->overrides[o.exchange] = o.value; // a later line for the same exchange wins
    }
    if (config.health) {
        steering->health = config.health;
        steering->probe_targets = probe_targets(*steering, config.health->config.port, b);
    }
    SteeringResult result;
    result.findings = std::move(b.findings);
    const bool errors = std::any_of(result.findings.begin(), result.findings.end(),
                                    [](auto& d) { return d.severity == lint::Severity::error; });
    if (!errors) {
        result.steering = std::move(steering);
    }
    return result;
}

} // namespace mxsteer::core
