// Locator (networks, then the geo database, then the default region) and steer().
// SPDX-License-Identifier: MIT
#include "steer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <unordered_set>

namespace mxsteer::core {

namespace {

using Bits = Locator::Bits;

constexpr std::size_t no_region = std::numeric_limits<std::size_t>::max();
constexpr std::size_t no_network = std::numeric_limits<std::size_t>::max();

Bits to_bits(const Address& address) {
    Bits value = 0;
    for (unsigned i = 0; i < address.bits() / 8; ++i) {
        value = (value << 8) | address.bytes[i];
    }
    return value;
}

Bits max_bits(unsigned bits) {
    return bits == 128 ? ~Bits{0} : (Bits{1} << bits) - 1;
}

// The host part of a block of `length` bits in a `bits`-bit address space.
Bits host_mask(unsigned length, unsigned bits) {
    return length >= bits ? Bits{0} : max_bits(bits - length);
}

// Bits that a and b share from the top, at most `limit`.
unsigned common_length(const Address& a, const Address& b, unsigned limit) {
    unsigned length = 0;
    while (length < limit) {
        const unsigned byte = length / 8;
        const unsigned shift = 7 - length % 8;
        if (((unsigned{a.bytes[byte]} >> shift) & 1U) !=
            ((unsigned{b.bytes[byte]} >> shift) & 1U)) {
            break;
        }
        ++length;
    }
    return length;
}

// The shortest block around `value` that lies within [low, high].
std::uint8_t enclosing_length(Bits value, Bits low, Bits high, unsigned bits) {
    for (unsigned length = 0; length < bits; ++length) {
        const Bits host = host_mask(length, bits);
        if ((value & ~host) >= low && (value | host) <= high) {
            return static_cast<std::uint8_t>(length);
        }
    }
    return static_cast<std::uint8_t>(bits);
}

Address flip_bit(Address address, unsigned bit) {
    address.bytes[bit / 8] ^= static_cast<std::uint8_t>(0x80U >> (bit % 8));
    return address;
}

std::uint32_t clamp_ttl(std::uint32_t ttl, const SteerRule& rule) {
    return std::clamp(ttl, rule.ttl_min, std::max(rule.ttl_min, rule.ttl_max));
}

} // namespace

double distance_km(const Coordinates& a, const Coordinates& b) {
    constexpr double earth_radius_km = 6371.0;
    constexpr double radians = std::numbers::pi / 180.0;
    const double lat1 = a.latitude * radians;
    const double lat2 = b.latitude * radians;
    const double dlat = lat2 - lat1;
    const double dlon = (b.longitude - a.longitude) * radians;
    const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                     std::cos(lat1) * std::cos(lat2) * std::sin(dlon / 2) * std::sin(dlon / 2);
    return 2 * earth_radius_km * std::asin(std::min(1.0, std::sqrt(h)));
}

Locator::Locator(GeographyConfig config) : config_(std::move(config)) {
    // CIDR blocks are nested or disjoint, so one sorted sweep with a stack of open blocks cuts
    // the address space into spans, each owned by its most specific network (or by none).
    for (const bool v4 : {true, false}) {
        const unsigned bits = v4 ? 32 : 128;
        struct Block {
            Bits low;
            Bits high;
            std::size_t network;
        };
        std::vector<Block> blocks;
        for (std::size_t i = 0; i < config_.networks.size(); ++i) {
            const Prefix& p = config_.networks[i].first;
            if (p.address.v4 == v4) {
                const Bits low = to_bits(p.address);
                blocks.push_back({low, low | host_mask(p.length, bits), i});
            }
        }
        // Wider first at the same start; among equal blocks the later entry wins.
        std::stable_sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) {
            return a.low != b.low ? a.low < b.low : a.high > b.high;
        });
        std::vector<Span>& spans = v4 ? v4_ : v6_;
        auto emit = [&](Bits low, Bits high, std::size_t network) {
            const std::size_t region =
                network == no_network ? no_region : config_.networks[network].second;
            spans.push_back({low, high, network, region});
        };
        Bits cursor = 0;
        bool done = false; // the cursor ran past the last address
        std::vector<Block> open;
        auto close_until = [&](Bits limit, bool all) {
            while (!open.empty() && (all || open.back().high < limit)) {
                const Block top = open.back();
                open.pop_back();
                if (!done && cursor <= top.high) {
                    emit(cursor, top.high, top.network);
                    done = top.high == max_bits(bits);
                    cursor = top.high + 1;
                }
            }
        };
        for (const Block& block : blocks) {
            close_until(block.low, false);
            if (!done && cursor < block.low) {
                emit(cursor, block.low - 1, open.empty() ? no_network : open.back().network);
            }
            cursor = block.low;
            done = false;
            open.push_back(block);
        }
        close_until(0, true);
        if (!done) {
            emit(cursor, max_bits(bits), no_network);
        }
    }
}

Placement Locator::locate(const Address& address) const {
    const std::vector<Span>& spans = address.v4 ? v4_ : v6_;
    const unsigned bits = address.bits();
    const Bits value = to_bits(address);
    auto it = std::upper_bound(spans.begin(), spans.end(), value,
                               [](Bits v, const Span& span) { return v < span.low; });
    const Span& span = *(it - 1);
    // Neighbouring spans of the same region decide alike: the block may reach across them.
    auto first = it - 1;
    while (first != spans.begin() && (first - 1)->region == span.region) {
        --first;
    }
    auto last = it - 1;
    while (last + 1 != spans.end() && (last + 1)->region == span.region) {
        ++last;
    }
    const std::uint8_t span_length = enclosing_length(value, first->low, last->high, bits);

    if (span.region != no_region) {
        Placement placement;
        placement.region = span.region;
        placement.location = config_.regions[span.region].at;
        placement.block_length = span_length;
        placement.by = Placement::By::network;
        placement.network = span.network;
        return placement;
    }
    Placement placement = from_database(address);
    placement.block_length = std::max(placement.block_length, span_length);
    return placement;
}

Placement Locator::from_database(const Address& address) const {
    auto place = [this](const GeoLookup& found) {
        Placement p;
        if (found.record) {
            const GeoRecord& r = *found.record;
            if (auto c = config_.countries.find(r.country);
                !r.country.empty() && c != config_.countries.end()) {
                p.region = c->second;
            } else if (auto k = config_.continents.find(r.continent);
                       !r.continent.empty() && k != config_.continents.end()) {
                p.region = k->second;
            }
            if (r.latitude && r.longitude) {
                p.location = Coordinates{*r.latitude, *r.longitude};
            }
            p.record = r;
        }
        if (p.region) {
            p.by = Placement::By::database;
        } else {
            p.region = config_.default_region;
            p.by = p.region ? Placement::By::default_region : Placement::By::none;
        }
        if (!p.location && p.region) {
            p.location = config_.regions[*p.region].at;
        }
        p.block_length = found.block_length;
        return p;
    };
    if (!config_.database) {
        Placement p = place(GeoLookup{std::nullopt, 0});
        return p;
    }
    Placement placement = place(config_.database->lookup(address));
    // Widen over sibling blocks that the database places alike, a few steps at most: a
    // narrower scope is always honest, a wider one only when checked.
    constexpr int max_steps = 8;
    for (int step = 0; step < max_steps && placement.block_length > 0; ++step) {
        const unsigned length = placement.block_length;
        const Address sibling =
            prefix_of(flip_bit(address, length - 1), static_cast<std::uint8_t>(length)).address;
        const GeoLookup found = config_.database->lookup(sibling);
        if (found.block_length != length) {
            break;
        }
        const Placement other = place(found);
        if (other.region != placement.region || other.location != placement.location) {
            break;
        }
        placement.block_length = static_cast<std::uint8_t>(length - 1);
    }
    return placement;
}

std::string_view to_string(Decision decision) {
    switch (decision) {
    case Decision::steered:
        return "steered";
    case Decision::unknown_client:
        return "unknown-client";
    case Decision::relay:
        return "relay";
    case Decision::fail_open_nodata:
        return "fail-open-no-data";
    case Decision::fail_open_stale:
        return "fail-open-stale";
    case Decision::fail_open_down:
        return "fail-open-all-down";
    }
    return "steered";
}

std::string_view to_string(Health health) {
    switch (health) {
    case Health::up:
        return "up";
    case Health::degraded:
        return "degraded";
    case Health::soft_down:
        return "soft-down";
    case Health::down:
        return "down";
    }
    return "up";
}

std::string_view to_string(Override value) {
    switch (value) {
    case Override::drain:
        return "drain";
    case Override::force_up:
        return "force-up";
    case Override::force_down:
        return "force-down";
    }
    return "drain";
}

std::optional<Override> parse_override(std::string_view text) {
    for (const Override o : {Override::drain, Override::force_up, Override::force_down}) {
        if (text == to_string(o)) {
            return o;
        }
    }
    return std::nullopt;
}

SteerAnswer steer(const SteerRule& rule, const Locator& locator, const Client& client,
                  const HealthSnapshot& health, std::int64_t now_s, const Overrides* overrides) {
    SteerAnswer answer;
    auto canonical = [&](Decision decision, std::uint32_t ttl, std::uint8_t scope) {
        answer.records = rule.canonical;
        answer.ttl_s = ttl;
        answer.scope = scope;
        answer.decision = decision;
        return answer;
    };
    if (!client.address) {
        return canonical(Decision::unknown_client, clamp_ttl(rule.canonical_ttl, rule),
                         unknown_client_scope);
    }
    const Address& address = *client.address;
    const auto within_source = [&](unsigned length) {
        return static_cast<std::uint8_t>(std::min<unsigned>(length, client.source_length));
    };
    for (const Prefix& relay : rule.relay_networks) {
        if (contains(relay, address)) {
            return canonical(Decision::relay, clamp_ttl(rule.canonical_ttl, rule),
                             within_source(relay.length));
        }
    }
    answer.placement = locator.locate(address);
    unsigned scope = answer.placement.block_length;
    // The block must not reach into a relay network, whose clients are answered differently.
    for (const Prefix& relay : rule.relay_networks) {
        if (relay.address.v4 == address.v4) {
            scope = std::max(scope, common_length(relay.address, address, relay.length) + 1);
        }
    }

    if (health.checking) {
        if (!health.taken_at_s) {
            return canonical(Decision::fail_open_nodata, rule.ttl_min, 0);
        }
        if (now_s - *health.taken_at_s > health.max_age_s) {
            return canonical(Decision::fail_open_stale, rule.ttl_min, 0);
        }
    }
    auto override_of = [&](const std::string& exchange) -> std::optional<Override> {
        if (overrides == nullptr || overrides->empty()) {
            return std::nullopt;
        }
        const auto it = overrides->find(exchange);
        return it == overrides->end() ? std::nullopt : std::optional{it->second};
    };
    auto health_of = [&](const std::string& exchange) -> const ExchangeHealth* {
        if (!health.checking || override_of(exchange)) {
            return nullptr; // an override stands for the probes
        }
        const auto it = health.exchanges.find(exchange);
        return it == health.exchanges.end() ? nullptr : &it->second;
    };
    auto healthy = [&](const std::string& exchange) {
        if (const auto o = override_of(exchange)) {
            return *o == Override::force_up;
        }
        const ExchangeHealth* h = health_of(exchange);
        return h == nullptr || h->state == Health::up || h->state == Health::degraded;
    };

    // Pools nearest first: by distance from the client, or by the region's list; pools left
    // out follow in config order.
    std::vector<std::size_t> order;
    const std::optional<Coordinates>& location = answer.placement.location;
    if (rule.order == SteerRule::Order::distance && location) {
        std::vector<std::pair<double, std::size_t>> by_distance;
        for (std::size_t i = 0; i < rule.pools.size(); ++i) {
            const double d = rule.pools[i].at ? distance_km(*location, *rule.pools[i].at)
                                              : std::numeric_limits<double>::infinity();
            by_distance.emplace_back(d, i);
        }
        std::stable_sort(by_distance.begin(), by_distance.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& entry : by_distance) {
            order.push_back(entry.second);
        }
    } else {
        const std::vector<std::size_t>* listed = &rule.default_order;
        if (answer.placement.region) {
            if (auto it = rule.region_order.find(*answer.placement.region);
                it != rule.region_order.end()) {
                listed = &it->second;
            }
        }
        order = *listed;
        for (std::size_t i = 0; i < rule.pools.size(); ++i) {
            if (std::find(order.begin(), order.end(), i) == order.end()) {
                order.push_back(i);
            }
        }
    }

    // Tiers: healthy exchanges pool by pool, then the canonical exchanges in no pool, then
    // every unhealthy exchange in the same order (rule 2). Each exchange appears once (rule 5).
    std::vector<std::vector<const std::string*>> tiers;
    std::vector<const std::string*> unhealthy;
    std::vector<const std::string*> drained; // last of all, never dropped
    std::unordered_set<std::string_view> seen;
    auto place = [&](std::vector<const std::string*>& tier, const std::string& exchange) {
        if (!seen.insert(exchange).second) {
            return;
        }
        if (override_of(exchange) == Override::drain) {
            drained.push_back(&exchange);
        } else if (healthy(exchange)) {
            tier.push_back(&exchange);
        } else {
            unhealthy.push_back(&exchange);
        }
    };
    for (const std::size_t pool : order) {
        answer.pool_order.push_back(rule.pools[pool].name);
        std::vector<const std::string*> tier;
        for (const std::string& exchange : rule.pools[pool].exchanges) {
            place(tier, exchange);
        }
        tiers.push_back(std::move(tier));
    }
    std::vector<const std::string*> rest;
    for (const MxRecord& record : rule.canonical) {
        place(rest, record.exchange);
    }
    tiers.push_back(std::move(rest));
    const bool any_healthy =
        std::any_of(tiers.begin(), tiers.end(), [](const auto& t) { return !t.empty(); });
    if (!any_healthy && (!unhealthy.empty() || !drained.empty())) {
        return canonical(Decision::fail_open_down, rule.ttl_min, 0);
    }
    if (rule.drop_unhealthy) {
        std::size_t kept = 0;
        for (const auto& tier : tiers) {
            kept += tier.size();
        }
        std::vector<const std::string*> back;
        for (const std::string* exchange : unhealthy) {
            if (kept >= std::max<std::size_t>(rule.min_answers, 1)) {
                break;
            }
            back.push_back(exchange);
            ++kept;
        }
        unhealthy = std::move(back);
    }
    tiers.push_back(std::move(unhealthy));
    tiers.push_back(std::move(drained));

    unsigned preference = rule.preference_base;
    for (const auto& tier : tiers) {
        if (tier.empty()) {
            continue;
        }
        for (const std::string* exchange : tier) {
            answer.records.push_back(
                {static_cast<std::uint16_t>(std::min(preference, 65535U)), *exchange});
        }
        preference += rule.preference_step;
    }
    if (answer.records.empty()) {
        return canonical(Decision::steered, clamp_ttl(rule.canonical_ttl, rule), 0);
    }

    // Rule 6: no longer than the answer can stay right; the snapshot's age is gone already.
    const std::int64_t age =
        health.taken_at_s ? std::max<std::int64_t>(now_s - *health.taken_at_s, 0) : 0;
    std::uint32_t ttl = rule.canonical_ttl;
    for (const MxRecord& record : answer.records) {
        if (const ExchangeHealth* h = health_of(record.exchange)) {
            const bool settling = h->changing || h->state == Health::degraded;
            const std::uint32_t stable =
                h->stable_for_s > age ? h->stable_for_s - static_cast<std::uint32_t>(age) : 0;
            ttl = std::min(ttl, settling ? rule.ttl_min : stable);
        }
    }
    answer.ttl_s = clamp_ttl(ttl, rule);
    answer.scope = within_source(scope);
    answer.decision = Decision::steered;
    return answer;
}

} // namespace mxsteer::core
