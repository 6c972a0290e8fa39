// The steering config read from TOML and bound to zones: the Steering rules of RULES.md
// (steer-*), each with the config position it is reported at, and a networks file.
// SPDX-License-Identifier: MIT
#include "core/steer_config.hpp"
#include "io/config_toml.hpp"
#include "io/steer_toml.hpp"
#include "zone_loader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mxsteer;

namespace {

constexpr std::string_view zone_text = R"($ORIGIN example.com.
$TTL 3600
@       SOA  ns1 hostmaster 1 7200 3600 1209600 300
@       NS   ns1
@       MX   10 mx-eu1
@       MX   20 mx-us1
ns1     A    192.0.2.53
mx-eu1  A    192.0.2.11
mx-us1  AAAA 2001:db8:2::21
nomail  MX   0 .
noaddr  TXT  "no address here"
*.pool  A    192.0.2.99
)";

const std::string file = "/etc/mxsteer/mxsteer.toml";

// The binding of `steering_toml` (appended to regions eu and us) to the zone above.
core::SteeringResult bind_toml(const std::string& steering_toml) {
    const std::string text =
        "[[regions]]\nname = \"eu\"\n[[regions]]\nname = \"us\"\n" + steering_toml;
    const auto config = io::parse_config_toml(text, file);
    INFO(text);
    for (const auto& e : config.errors) {
        INFO(io::format_config_error(e));
    }
    REQUIRE(config.errors.empty());
    auto loaded = lint::load_zone_text(zone_text, "example.com.zone", "example.com.");
    const std::vector<const lint::Zone*> zones{&loaded.zone};
    std::vector<core::NetworkConfig> networks = config.steering.networks;
    for (auto& n : networks) {
        n.file = file;
    }
    return core::bind_steering(config.steering, networks, nullptr, zones, file);
}

const std::string pools = R"(
[[steer.pools]]
name = "eu"
exchanges = ["mx-eu1.example.com."]
[[steer.pools]]
name = "us"
exchanges = ["mx-us1.example.com"]
)";

} // namespace

TEST_CASE("steering binds: canonical set from the zone, orders by region index") {
    const auto result = bind_toml("[networks]\n\"192.0.2.0/24\" = \"eu\"\n[[steer]]\nname = "
                                  "\"example.com.\"\nttl_max = 120\n" +
                                  pools + "[steer.order]\nus = [\"us\", \"eu\"]\n");
    REQUIRE(result.findings.empty());
    REQUIRE(result.steering);
    const core::SteerRule* rule = result.steering->find("example.com.");
    REQUIRE(rule != nullptr);
    CHECK(rule->canonical ==
          std::vector<core::MxRecord>{{10, "mx-eu1.example.com."}, {20, "mx-us1.example.com."}});
    CHECK(rule->canonical_ttl == 3600);
    CHECK(rule->ttl_max == 120);
    CHECK(rule->pools.size() == 2);
    CHECK(rule->pools[1].exchanges == std::vector<std::string>{"mx-us1.example.com."});
    CHECK(rule->region_order.at(1) == std::vector<std::size_t>{1, 0});
    CHECK(result.steering->find("www.example.com.") == nullptr);
}

TEST_CASE("steering binds: a pool member covered by a wildcard with an address has one") {
    const auto result =
        bind_toml("[[steer]]\nname = \"example.com.\"\n[[steer.pools]]\nname = \"eu\"\n"
                  "exchanges = [\"mx9.pool.example.com.\"]\n");
    CHECK(result.findings.empty());
    CHECK(result.steering);
}

TEST_CASE("steering rules: each steer-* finding at the config position that caused it") {
    struct Row {
        std::string toml;
        std::string_view rule;
        std::uint32_t line; // in the text after the two region entries (4 lines)
        std::uint32_t column;
        std::string_view message;
    };
    const Row rows[] = {
        {"[[steer]]\nname = \"other.example.\"\n" + pools, "steer-unknown-name", 1, 1,
         "steered name 'other.example.' is in no served zone"},
        {"[[steer]]\nname = \"www.example.com.\"\n" + pools, "steer-unknown-name", 1, 1,
         "steered name 'www.example.com.' has no MX records in zone 'example.com.': the zone's "
         "MX set is what clients get when nothing is known"},
        {"[[steer]]\nname = \"nomail.example.com.\"\n" + pools, "steer-null-mx", 1, 1,
         "'nomail.example.com.' publishes a null MX (it receives no mail): it cannot be "
         "steered"},
        {"[[steer]]\nname = \"example.com.\"\n[[steer.pools]]\nname = \"eu\"\nexchanges = "
         "[\"noaddr.example.com.\"]\n",
         "steer-unknown-name", 5, 14,
         "exchange 'noaddr.example.com.' of pool 'eu' has no A or AAAA record in a served zone: "
         "mail sent to it would bounce"},
        {"[[steer]]\nname = \"example.com.\"\n[[steer.pools]]\nname = \"eu\"\nexchanges = "
         "[\"mx.example.net.\"]\n",
         "steer-unknown-name", 5, 14,
         "exchange 'mx.example.net.' of pool 'eu' has no A or AAAA record in a served zone: mail "
         "sent to it would bounce"},
        {"[[steer]]\nname = \"example.com.\"\n[[steer.pools]]\nname = \"eu\"\nexchanges = []\n",
         "steer-empty-pool", 3, 1, "pool 'eu' of 'example.com.' has no exchanges"},
        {"[[steer]]\nname = \"example.com.\"\n", "steer-empty-pool", 1, 1,
         "'example.com.' is steered but has no pools"},
        {"[[steer]]\nname = \"example.com.\"\n" + pools + "[steer.order]\neu = []\n",
         "steer-empty-pool", 11, 1, "the pool list of region 'eu' is empty"},
        {"[[steer]]\nname = \"example.com.\"\n" + pools + "[steer.order]\nmars = [\"eu\"]\n",
         "steer-unknown-region", 11, 1,
         "the order of example.com. names region 'mars', which no [[regions]] entry defines"},
        {"[[steer]]\nname = \"example.com.\"\n" + pools + "[steer.order]\neu = [\"asia\"]\n",
         "steer-unknown-name", 11, 7, "pool 'asia' is not defined for 'example.com.'"},
        {"[networks]\n\"192.0.2.0/24\" = \"apac\"\n", "steer-unknown-region", 2, 18,
         "network 192.0.2.0/24 names region 'apac', which no [[regions]] entry defines"},
        {"[geoip]\ndefault = \"apac\"\n", "steer-unknown-region", 2, 11,
         "default names region 'apac', which no [[regions]] entry defines"},
        {"[geoip]\ncountries = { JP = \"apac\" }\n", "steer-unknown-region", 2, 20,
         "country JP names region 'apac', which no [[regions]] entry defines"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.toml);
        const auto result = bind_toml(row.toml);
        REQUIRE(result.findings.size() == 1);
        const auto& d = result.findings[0];
        CHECK(d.rule == row.rule);
        CHECK(d.severity == lint::Severity::error);
        CHECK(d.file == file);
        CHECK(d.line == row.line + 4);
        CHECK(d.column == row.column);
        CHECK(d.message == row.message);
        CHECK_FALSE(result.steering); // errors: nothing is served from this config
    }
}

TEST_CASE("steer-overlapping-networks: one block for two regions is a warning") {
    // TOML refuses a key twice, so the same block twice comes from a networks file.
    const auto file_entries = io::parse_networks(
        "# comment\n192.0.2.0/24 eu\n\n192.0.2.0/24   us # again\n192.0.2.128/25 us\n", "nets.txt");
    REQUIRE(file_entries.errors.empty());
    REQUIRE(file_entries.networks.size() == 3);
    CHECK(file_entries.networks[1].pos.line == 4);
    CHECK(file_entries.networks[1].pos.column == 16);
    core::SteeringConfig config;
    config.regions = {{"eu", std::nullopt, {}}, {"us", std::nullopt, {}}};
    auto loaded = lint::load_zone_text(zone_text, "example.com.zone", "example.com.");
    const auto bound =
        core::bind_steering(config, file_entries.networks, nullptr, {&loaded.zone}, file);
    REQUIRE(bound.findings.size() == 1);
    CHECK(bound.findings[0].rule == "steer-overlapping-networks");
    CHECK(bound.findings[0].severity == lint::Severity::warning);
    CHECK(bound.findings[0].file == "nets.txt");
    CHECK(bound.findings[0].line == 4);
    CHECK(bound.findings[0].message == "network 192.0.2.0/24 is mapped to 'us' here and to 'eu' "
                                       "at nets.txt:2; the later entry wins");
    REQUIRE(bound.steering); // a warning does not stop serving
    // The later entry wins; the more specific /25 is no overlap.
    const auto placed = bound.steering->locator.locate(*core::parse_address("192.0.2.1"));
    CHECK(*placed.region == 1);
}

TEST_CASE("networks files: malformed, truncated and hostile lines say file:line:col") {
    struct Row {
        std::string text;
        std::uint32_t line;
        std::uint32_t column;
        std::string_view message;
    };
    const Row rows[] = {
        {"192.0.2.0/24\n", 1, 1, "expected \"CIDR REGION\" (two words), got 1 words"},
        {"192.0.2.0/24 eu extra\n", 1, 1, "expected \"CIDR REGION\" (two words), got 3 words"},
        {"\n  192.0.2.1/24 eu\n", 2, 3,
         "expected a CIDR block like 192.0.2.0/24 (host bits zero), got '192.0.2.1/24'"},
        {"192.0.2.0/24 eu\n2001:db8::/129 us", 2, 1,
         "expected a CIDR block like 192.0.2.0/24 (host bits zero), got '2001:db8::/129'"},
        {std::string{"\x01\xff/8 eu\n"}, 1, 1,
         "expected a CIDR block like 192.0.2.0/24 (host bits zero), got '\\001\\255/8'"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.text);
        const auto parsed = io::parse_networks(row.text, "nets.txt");
        REQUIRE(parsed.errors.size() == 1);
        CHECK(parsed.errors[0].file == "nets.txt");
        CHECK(parsed.errors[0].line == row.line);
        CHECK(parsed.errors[0].column == row.column);
        CHECK(parsed.errors[0].message == row.message);
    }
    // A huge file of valid lines: every entry read, nothing lost.
    std::string big;
    for (int i = 0; i < 65536; ++i) {
        big += "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24 eu\n";
    }
    const auto parsed = io::parse_networks(big, "big.txt");
    CHECK(parsed.errors.empty());
    CHECK(parsed.networks.size() == 65536);
    const auto missing = io::read_networks_file("/nonexistent/nets.txt");
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0].message.rfind("cannot read networks file: ", 0) == 0);
}

TEST_CASE("overrides files: drain, force-up and force-down lines, errors at file:line:col") {
    const auto parsed = io::parse_overrides(
        "# maintenance\ndrain mx-eu1.example.com.\n\nforce-up   MX-US1.example.com # probes lie\n",
        "overrides.txt");
    REQUIRE(parsed.errors.empty());
    REQUIRE(parsed.overrides.size() == 2);
    CHECK(parsed.overrides[0].exchange == "mx-eu1.example.com.");
    CHECK(parsed.overrides[0].value == core::Override::drain);
    CHECK(parsed.overrides[1].exchange == "mx-us1.example.com."); // canonical form
    CHECK(parsed.overrides[1].value == core::Override::force_up);
    CHECK(parsed.overrides[1].pos.line == 4);
    CHECK(parsed.overrides[1].pos.column == 12);
    struct Row {
        std::string text;
        std::uint32_t line;
        std::uint32_t column;
        std::string_view message;
    };
    const Row rows[] = {
        {"drain\n", 1, 1,
         "expected \"drain|force-up|force-down EXCHANGE\" (two words), got 1 words"},
        {"\nundrain mx1.example.com.\n", 2, 1,
         "expected drain, force-up or force-down, got 'undrain'"},
        {"force-down mx..example.com\n", 1, 12,
         "expected an exchange name like mx1.example.com., got 'mx..example.com'"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.text);
        const auto bad = io::parse_overrides(row.text, "overrides.txt");
        REQUIRE(bad.errors.size() == 1);
        CHECK(bad.errors[0].line == row.line);
        CHECK(bad.errors[0].column == row.column);
        CHECK(bad.errors[0].message == row.message);
    }
    // Binding: an override of an exchange no steered name hands out is a warning.
    auto loaded = lint::load_zone_text(zone_text, "example.com.zone", "example.com.");
    core::SteeringConfig config;
    const auto bound =
        core::bind_steering(config, {}, nullptr, {&loaded.zone}, file,
                            {{"mx9.example.com.", core::Override::drain, "overrides.txt", {3, 7}}});
    REQUIRE(bound.findings.size() == 1);
    CHECK(bound.findings[0].rule == "steer-unknown-name");
    CHECK(bound.findings[0].severity == lint::Severity::warning);
    CHECK(bound.findings[0].line == 3);
    REQUIRE(bound.steering);
    CHECK(bound.steering->overrides.at("mx9.example.com.") == core::Override::drain);
}
