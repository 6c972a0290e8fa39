// The Locator and steer(): each rule of DESIGN.md "MX steering semantics" by name, table-driven.
// SPDX-License-Identifier: MIT
#include "core/steer.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace mxsteer::core;

namespace {

Prefix net(const char* text) {
    auto prefix = parse_prefix(text);
    REQUIRE(prefix);
    return *prefix;
}

Address ip(const char* text) {
    auto address = parse_address(text);
    REQUIRE(address);
    return *address;
}

Client client(const char* address, int length) {
    return Client{ip(address), static_cast<std::uint8_t>(length)};
}

// A geo database as a table: the most specific entry holding an address answers, with that
// entry's length as the block; without one, the block is the widest that meets no entry.
class TableDatabase final : public GeoDatabase {
public:
    struct Entry {
        Prefix prefix;
        GeoRecord record;
    };
    explicit TableDatabase(std::vector<Entry> entries) : entries_(std::move(entries)) {}

    GeoLookup lookup(const Address& address) const override {
        ++lookups;
        const Entry* best = nullptr;
        std::uint8_t block = 0;
        for (const Entry& e : entries_) {
            if (contains(e.prefix, address)) {
                if (best == nullptr || e.prefix.length > best->prefix.length) {
                    best = &e;
                }
            } else if (e.prefix.address.v4 == address.v4) {
                // The first bit where the address leaves this entry bounds the empty block.
                for (std::uint8_t l = 1; l <= e.prefix.length; ++l) {
                    if (!contains(prefix_of(address, l), e.prefix.address)) {
                        block = std::max(block, l);
                        break;
                    }
                }
            }
        }
        if (best != nullptr) {
            return {best->record, best->prefix.length};
        }
        return {std::nullopt, block};
    }
    mutable int lookups = 0;

private:
    std::vector<Entry> entries_;
};

GeoRecord country(const char* iso, const char* continent) {
    return GeoRecord{iso, continent, std::nullopt, std::nullopt};
}

GeoRecord located(const char* iso, const char* continent, double lat, double lon) {
    return GeoRecord{iso, continent, lat, lon};
}

// Regions eu=0, us=1, apac=2 with coordinates near Frankfurt, Virginia and Singapore.
GeographyConfig regions() {
    GeographyConfig g;
    g.regions = {{"eu", Coordinates{50.1, 8.7}},
                 {"us", Coordinates{39.0, -77.5}},
                 {"apac", Coordinates{1.3, 103.8}}};
    return g;
}

// example.com. MX, pools eu (2 exchanges), us, apac; canonical 10 eu1, 10 eu2, 20 us1, 30 ap1.
SteerRule rule() {
    SteerRule r;
    r.name = "example.com.";
    r.canonical = {{10, "mx-eu1.example.com."},
                   {10, "mx-eu2.example.com."},
                   {20, "mx-us1.example.com."},
                   {30, "mx-ap1.example.com."}};
    r.canonical_ttl = 3600;
    r.pools = {{"eu", {"mx-eu1.example.com.", "mx-eu2.example.com."}, Coordinates{50.1, 8.7}},
               {"us", {"mx-us1.example.com."}, Coordinates{39.0, -77.5}},
               {"apac", {"mx-ap1.example.com."}, Coordinates{1.3, 103.8}}};
    r.region_order = {{0, {0, 1, 2}}, {1, {1, 0, 2}}, {2, {2, 1, 0}}};
    r.default_order = {0, 1, 2};
    r.ttl_min = 30;
    r.ttl_max = 300;
    return r;
}

Locator networks_locator() {
    GeographyConfig g = regions();
    g.networks = {
        {net("192.0.2.0/24"), 0}, {net("198.51.100.0/24"), 1}, {net("203.0.113.0/24"), 2}};
    return Locator{g};
}

std::string show(const std::vector<MxRecord>& records) {
    std::string out;
    for (const auto& r : records) {
        out += (out.empty() ? "" : ", ") + std::to_string(r.preference) + " " +
               r.exchange.substr(0, r.exchange.find('.'));
    }
    return out;
}

HealthSnapshot checked(std::vector<std::pair<std::string, Health>> states, std::int64_t at = 1000) {
    HealthSnapshot h;
    h.checking = true;
    h.taken_at_s = at;
    h.max_age_s = 60;
    for (auto& [name, state] : states) {
        h.exchanges[name + ".example.com."] = ExchangeHealth{state, 0xffffffff, false};
    }
    return h;
}

} // namespace

TEST_CASE("locator: longest prefix wins and the block spans neighbours of the same region") {
    GeographyConfig g = regions();
    g.networks = {{net("192.0.2.0/24"), 0},
                  {net("192.0.2.64/26"), 1}, // more specific, other region
                  {net("198.51.100.0/25"), 1},
                  {net("198.51.100.128/25"), 1}, // adjacent, same region: merges to a /24
                  {net("2001:db8:1::/48"), 0},
                  {net("2001:db8::/32"), 2}};
    g.default_region = 2;
    const Locator locator{g};
    struct Case {
        const char* address;
        const char* region;
        int block;
    };
    // Blocks worked out by hand from the table above.
    const Case cases[] = {
        {"192.0.2.1", "eu", 26},    // 192.0.2.0-63 is eu; .64/26 is us
        {"192.0.2.70", "us", 26},   // the /26 itself
        {"192.0.2.130", "eu", 25},  // .128-.255 is eu
        {"198.51.100.1", "us", 24}, // two /25s of one region
        {"198.51.100.200", "us", 24},  {"2001:db8:1::5", "eu", 48},
        {"2001:db8:2::5", "apac", 32}, // the /32 minus the eu /48: 2001:db8:2::/47 .. narrower
        {"198.51.101.1", "apac", 0},   // no network: default; block checked below
    };
    for (const Case& c : cases) {
        CAPTURE(c.address);
        const Placement p = locator.locate(ip(c.address));
        REQUIRE(p.region);
        CHECK(g.regions[*p.region].name == c.region);
        if (std::string{c.address} == "2001:db8:2::5") {
            // 2001:db8:2::/47 is all apac (the eu /48 is 2001:db8:1::/48, outside it) and its
            // parent /46 (2001:db8::/46) holds the eu /48: /47 is the widest honest block.
            CHECK(p.block_length == 47);
        } else if (std::string{c.address} == "198.51.101.1") {
            // No network from 198.51.101.0 upwards: 198.51.101.0/24 fits in that span, and
            // 198.51.100.0/23 would hold the us networks.
            CHECK(p.block_length == 24);
            CHECK(p.by == Placement::By::default_region);
        } else {
            CHECK(p.block_length == c.block);
            CHECK(p.by == Placement::By::network);
        }
    }
}

TEST_CASE("locator: the database places unmatched clients, and sibling blocks alike widen it") {
    auto db = std::make_shared<TableDatabase>(std::vector<TableDatabase::Entry>{
        {net("192.0.2.0/25"), country("DE", "EU")},
        {net("192.0.2.128/25"), country("DE", "EU")}, // same country: the /24 is one answer
        {net("198.51.100.0/25"), country("US", "NA")},
        {net("198.51.100.128/26"), country("US", "NA")}, // sibling split: no widening
        {net("198.51.100.192/26"), country("US", "NA")},
        {net("203.0.113.0/24"), country("", "AS")}, // continent only
        {net("203.0.112.0/24"), country("FR", "EU")},
    });
    GeographyConfig g = regions();
    g.database = db;
    g.countries = {{"DE", 0}, {"US", 1}};
    g.continents = {{"EU", 0}, {"NA", 1}, {"AS", 2}};
    g.networks = {{net("192.0.2.192/26"), 2}}; // a network beats the database
    const Locator locator{g};

    Placement p = locator.locate(ip("192.0.2.1"));
    CHECK(p.by == Placement::By::database);
    CHECK(*p.region == 0);
    // The database's /24 would be one answer, but 192.0.2.192/26 is a network of another
    // region: the block stays the database's /25.
    CHECK(p.block_length == 25);

    p = locator.locate(ip("192.0.2.200"));
    CHECK(p.by == Placement::By::network);
    CHECK(*p.region == 2);

    p = locator.locate(ip("198.51.100.1"));
    CHECK(*p.region == 1);
    CHECK(p.block_length == 25); // the sibling /25 is cut in two /26s: not checked, not widened

    p = locator.locate(ip("203.0.113.9"));
    CHECK(*p.region == 2); // continent fallback
    CHECK(p.record->continent == "AS");

    p = locator.locate(ip("203.0.112.9"));
    CHECK(*p.region == 0); // FR is not mapped; continent EU is
    CHECK(p.block_length == 24);

    p = locator.locate(ip("100.64.0.1"));
    CHECK_FALSE(p.region); // no data and no default region
    CHECK(p.by == Placement::By::none);
}

TEST_CASE("locator: sibling widening stops at a different region") {
    auto db = std::make_shared<TableDatabase>(std::vector<TableDatabase::Entry>{
        {net("192.0.2.0/26"), country("DE", "EU")},
        {net("192.0.2.64/26"), country("DE", "EU")},
        {net("192.0.2.128/25"), country("US", "NA")},
    });
    GeographyConfig g = regions();
    g.database = db;
    g.countries = {{"DE", 0}, {"US", 1}};
    const Locator locator{g};
    const Placement p = locator.locate(ip("192.0.2.1"));
    CHECK(p.block_length == 25); // /26 + its /26 sibling of DE; the other /25 is US
    CHECK(locator.locate(ip("192.0.2.129")).block_length == 25);
}

TEST_CASE("rule 1: never an empty MX set, whatever the client and health") {
    const Locator locator = networks_locator();
    const std::vector<Client> clients = {Client{}, client("192.0.2.1", 24),
                                         client("198.51.100.1", 32), client("100.64.0.1", 32),
                                         client("2001:db8::1", 56)};
    std::vector<HealthSnapshot> healths = {HealthSnapshot{}, checked({}),
                                           checked({{"mx-eu1", Health::down},
                                                    {"mx-eu2", Health::down},
                                                    {"mx-us1", Health::down},
                                                    {"mx-ap1", Health::down}}),
                                           checked({{"mx-eu1", Health::soft_down}}, 0),
                                           HealthSnapshot{true, std::nullopt, 60, {}}};
    for (bool drop : {false, true}) {
        SteerRule r = rule();
        r.drop_unhealthy = drop;
        for (const auto& c : clients) {
            for (const auto& h : healths) {
                const SteerAnswer a = steer(r, locator, c, h, 1000);
                CHECK_FALSE(a.records.empty());
            }
        }
    }
}

TEST_CASE("rule 2: the nearest pool first with equal preference, unhealthy re-ranked last") {
    const Locator locator = networks_locator();
    struct Case {
        const char* client;
        std::vector<std::pair<std::string, Health>> health;
        bool drop;
        std::size_t min_answers;
        const char* expected;
    };
    const Case cases[] = {
        {"192.0.2.1", {}, false, 1, "10 mx-eu1, 10 mx-eu2, 20 mx-us1, 30 mx-ap1"},
        {"198.51.100.1", {}, false, 1, "10 mx-us1, 20 mx-eu1, 20 mx-eu2, 30 mx-ap1"},
        {"203.0.113.1", {}, false, 1, "10 mx-ap1, 20 mx-us1, 30 mx-eu1, 30 mx-eu2"},
        {"192.0.2.1",
         {{"mx-eu1", Health::down}},
         false,
         1,
         "10 mx-eu2, 20 mx-us1, 30 mx-ap1, 40 mx-eu1"},
        {"192.0.2.1",
         {{"mx-eu1", Health::down}, {"mx-eu2", Health::soft_down}},
         false,
         1,
         "10 mx-us1, 20 mx-ap1, 30 mx-eu1, 30 mx-eu2"},
        {"192.0.2.1",
         {{"mx-eu1", Health::degraded}},
         false,
         1,
         "10 mx-eu1, 10 mx-eu2, 20 mx-us1, 30 mx-ap1"}, // degraded still takes mail
        // Dropping is opt-in and keeps min_answers.
        {"192.0.2.1", {{"mx-eu1", Health::down}}, true, 1, "10 mx-eu2, 20 mx-us1, 30 mx-ap1"},
        {"192.0.2.1",
         {{"mx-eu1", Health::down}, {"mx-eu2", Health::down}, {"mx-us1", Health::down}},
         true,
         3,
         "10 mx-ap1, 20 mx-eu1, 20 mx-eu2"},
        {"100.64.0.1", {}, false, 1, "10 mx-eu1, 10 mx-eu2, 20 mx-us1, 30 mx-ap1"}, // default
    };
    for (const Case& c : cases) {
        CAPTURE(c.client);
        CAPTURE(c.expected);
        SteerRule r = rule();
        r.drop_unhealthy = c.drop;
        r.min_answers = c.min_answers;
        const SteerAnswer a = steer(r, locator, client(c.client, 32), checked(c.health), 1000);
        CHECK(a.decision == Decision::steered);
        CHECK(show(a.records) == c.expected);
    }
}

TEST_CASE("rule 3: fail open to the canonical set with the minimum TTL") {
    const Locator locator = networks_locator();
    const SteerRule r = rule();
    struct Case {
        HealthSnapshot health;
        std::int64_t now;
        Decision decision;
    };
    const Case cases[] = {
        {HealthSnapshot{true, std::nullopt, 60, {}}, 1000, Decision::fail_open_nodata},
        {checked({}, 1000), 1061, Decision::fail_open_stale},
        {checked({{"mx-eu1", Health::down},
                  {"mx-eu2", Health::down},
                  {"mx-us1", Health::soft_down},
                  {"mx-ap1", Health::down}}),
         1000, Decision::fail_open_down},
    };
    for (const Case& c : cases) {
        CAPTURE(to_string(c.decision));
        const SteerAnswer a = steer(r, locator, client("198.51.100.1", 24), c.health, c.now);
        CHECK(a.decision == c.decision);
        CHECK(a.records == r.canonical);
        CHECK(a.ttl_s == r.ttl_min);
        CHECK(a.scope == 0); // the same answer for every client
    }
    // At the edge of max_age the data still counts.
    CHECK(steer(r, locator, client("198.51.100.1", 24), checked({}, 1000), 1060).decision ==
          Decision::steered);
}

TEST_CASE("rule 4: relay networks get the canonical order, and others' scope stays out of them") {
    GeographyConfig g = regions();
    g.networks = {{net("192.0.2.0/24"), 1}};
    const Locator locator{g};
    SteerRule r = rule();
    r.relay_networks = {net("192.0.2.16/28")};
    SteerAnswer a = steer(r, locator, client("192.0.2.17", 32), HealthSnapshot{}, 0);
    CHECK(a.decision == Decision::relay);
    CHECK(a.records == r.canonical);
    CHECK(a.scope == 28);
    a = steer(r, locator, client("192.0.2.17", 24), HealthSnapshot{}, 0);
    CHECK(a.scope == 24); // never longer than the client's source prefix

    a = steer(r, locator, client("192.0.2.1", 32), HealthSnapshot{}, 0);
    CHECK(a.decision == Decision::steered);
    CHECK(show(a.records) == "10 mx-us1, 20 mx-eu1, 20 mx-eu2, 30 mx-ap1");
    // The network is a /24, but 192.0.2.16/28 inside it is answered otherwise: 192.0.2.1 is in
    // 192.0.2.0/28, the widest block that holds it and not the relay network.
    CHECK(a.scope == 28);
    a = steer(r, locator, client("192.0.2.200", 32), HealthSnapshot{}, 0);
    CHECK(a.scope == 25);
}

TEST_CASE("rule 5: names are stable: only configured exchanges, each once") {
    const Locator locator = networks_locator();
    SteerRule r = rule();
    r.pools[1].exchanges.push_back("mx-eu1.example.com."); // listed in two pools
    r.canonical.push_back({50, "backup.example.net."});    // in no pool: kept, after pools
    std::set<std::string> allowed;
    for (const auto& record : r.canonical) {
        allowed.insert(record.exchange);
    }
    for (const char* c : {"192.0.2.1", "198.51.100.1", "203.0.113.1", "100.64.0.1"}) {
        CAPTURE(c);
        const SteerAnswer a = steer(r, locator, client(c, 32), HealthSnapshot{}, 0);
        std::set<std::string> names;
        for (const auto& record : a.records) {
            CHECK(allowed.count(record.exchange) == 1);
            CHECK(names.insert(record.exchange).second);
        }
        CHECK(names == allowed);
    }
    CHECK(show(steer(r, locator, client("198.51.100.1", 32), HealthSnapshot{}, 0).records) ==
          "10 mx-us1, 10 mx-eu1, 20 mx-eu2, 30 mx-ap1, 40 backup");
}

TEST_CASE("rule 6: the TTL is clamped and follows health") {
    const Locator locator = networks_locator();
    struct Case {
        std::uint32_t canonical_ttl;
        std::uint32_t stable_for;
        bool changing;
        Health state;
        std::uint32_t expected;
    };
    const Case cases[] = {
        {3600, 0xffffffff, false, Health::up, 300}, // ttl_max
        {10, 0xffffffff, false, Health::up, 30},    // ttl_min
        {3600, 45, false, Health::up, 45},          // the next possible flip
        {3600, 45, true, Health::up, 30},           // a flip under way
        {3600, 200, false, Health::degraded, 30},   // shortened while degraded
        {120, 200, false, Health::up, 120},
    };
    for (const Case& c : cases) {
        CAPTURE(c.expected);
        SteerRule r = rule();
        r.canonical_ttl = c.canonical_ttl;
        HealthSnapshot h = checked({});
        h.exchanges["mx-us1.example.com."] = ExchangeHealth{c.state, c.stable_for, c.changing};
        CHECK(steer(r, locator, client("192.0.2.1", 32), h, 1000).ttl_s == c.expected);
    }
    // Without health checks the zone's TTL, clamped.
    CHECK(steer(rule(), locator, client("192.0.2.1", 32), HealthSnapshot{}, 0).ttl_s == 300);
}

TEST_CASE("rule 6: a snapshot's age is taken off the time its exchanges stay as they are") {
    const Locator locator = networks_locator();
    SteerRule r = rule();
    r.canonical_ttl = 3600;
    HealthSnapshot h = checked({}, 1000);
    h.max_age_s = 300;
    h.exchanges["mx-us1.example.com."] = ExchangeHealth{Health::up, 100, false};
    CHECK(steer(r, locator, client("192.0.2.1", 32), h, 1000).ttl_s == 100);
    CHECK(steer(r, locator, client("192.0.2.1", 32), h, 1040).ttl_s == 60);
    // Past it: the shortest TTL, not a wrapped-around long one.
    CHECK(steer(r, locator, client("192.0.2.1", 32), h, 1150).ttl_s == r.ttl_min);
    // A clock that went back counts as no age.
    CHECK(steer(r, locator, client("192.0.2.1", 32), h, 990).ttl_s == 100);
}

TEST_CASE("rule 7: the scope is the deciding block, within the source prefix, never 0 unknown") {
    const Locator locator = networks_locator();
    struct Case {
        Client client;
        std::uint8_t scope;
        Decision decision;
    };
    const Case cases[] = {
        {client("192.0.2.1", 32), 24, Decision::steered},
        {client("192.0.2.0", 24), 24, Decision::steered},
        {client("192.0.0.0", 16), 16, Decision::steered}, // a /16 source: at most 16
        // pdns's zone lookup without a client: canonical, but never cacheable for everyone.
        {Client{}, unknown_client_scope, Decision::unknown_client},
    };
    for (const Case& c : cases) {
        CAPTURE(int{c.scope});
        const SteerAnswer a = steer(rule(), locator, c.client, HealthSnapshot{}, 0);
        CHECK(a.scope == c.scope);
        CHECK(a.decision == c.decision);
    }
    CHECK(unknown_client_scope > 0);
}

TEST_CASE("order = distance: pools by great-circle distance from the client's location") {
    auto db = std::make_shared<TableDatabase>(std::vector<TableDatabase::Entry>{
        {net("192.0.2.0/24"), located("GB", "EU", 51.5, -0.1)},     // London
        {net("198.51.100.0/24"), located("JP", "AS", 35.7, 139.7)}, // Tokyo
        {net("203.0.113.0/24"), located("BR", "SA", -23.5, -46.6)}, // São Paulo
    });
    GeographyConfig g = regions();
    g.database = db;
    const Locator locator{g};
    SteerRule r = rule();
    r.order = SteerRule::Order::distance;
    CHECK(show(steer(r, locator, client("192.0.2.1", 32), HealthSnapshot{}, 0).records) ==
          "10 mx-eu1, 10 mx-eu2, 20 mx-us1, 30 mx-ap1");
    CHECK(show(steer(r, locator, client("198.51.100.1", 32), HealthSnapshot{}, 0).records) ==
          "10 mx-ap1, 20 mx-eu1, 20 mx-eu2, 30 mx-us1"); // Tokyo: SG 5.3k, FRA 9.3k, IAD 10.9k
    CHECK(show(steer(r, locator, client("203.0.113.1", 32), HealthSnapshot{}, 0).records) ==
          "10 mx-us1, 20 mx-eu1, 20 mx-eu2, 30 mx-ap1"); // São Paulo: IAD 7.6k, FRA 9.8k
    // Frankfurt to Ashburn, Virginia: about 6,550 km.
    CHECK(distance_km({50.1, 8.7}, {39.0, -77.5}) == doctest::Approx(6550).epsilon(0.01));
}

TEST_CASE("operator overrides: drain goes last and stays, force-up and force-down beat probes") {
    const Locator locator = networks_locator();
    struct Case {
        Overrides overrides;
        std::vector<std::pair<std::string, Health>> health;
        bool drop;
        const char* expected;
    };
    const Case cases[] = {
        {{{"mx-eu1.example.com.", Override::drain}},
         {},
         false,
         "10 mx-eu2, 20 mx-us1, 30 mx-ap1, 40 mx-eu1"},
        // Dropping leaves out the unhealthy, never the drained.
        {{{"mx-eu1.example.com.", Override::drain}},
         {{"mx-us1", Health::down}},
         true,
         "10 mx-eu2, 20 mx-ap1, 30 mx-eu1"},
        {{{"mx-eu1.example.com.", Override::force_up}},
         {{"mx-eu1", Health::down}},
         false,
         "10 mx-eu1, 10 mx-eu2, 20 mx-us1, 30 mx-ap1"},
        {{{"mx-eu2.example.com.", Override::force_down}},
         {},
         false,
         "10 mx-eu1, 20 mx-us1, 30 mx-ap1, 40 mx-eu2"},
        {{{"mx-eu2.example.com.", Override::force_down}},
         {},
         true,
         "10 mx-eu1, 20 mx-us1, 30 mx-ap1"},
        // Unknown exchanges in the overrides change nothing.
        {{{"mx9.example.com.", Override::force_down}},
         {},
         false,
         "10 mx-eu1, 10 mx-eu2, 20 mx-us1, 30 mx-ap1"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.expected);
        SteerRule r = rule();
        r.drop_unhealthy = c.drop;
        const SteerAnswer a =
            steer(r, locator, client("192.0.2.1", 32), checked(c.health), 1000, &c.overrides);
        CHECK(a.decision == Decision::steered);
        CHECK(show(a.records) == c.expected);
    }
    // Overrides work without health checks too, and every exchange drained still answers.
    Overrides all;
    for (const auto& record : rule().canonical) {
        all[record.exchange] = Override::drain;
    }
    const SteerAnswer a =
        steer(rule(), locator, client("192.0.2.1", 32), HealthSnapshot{}, 0, &all);
    CHECK(a.decision == Decision::fail_open_down);
    CHECK(a.records == rule().canonical);
    CHECK(parse_override("force-up") == Override::force_up);
    CHECK_FALSE(parse_override("up"));
}
