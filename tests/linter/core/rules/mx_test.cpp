// Tests of the MX rules (RULES.md "MX").
// SPDX-License-Identifier: MIT
#include "../../test_zone.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mxsteer::lint;
using mxsteer::lint::test::lint;
using mxsteer::lint::test::only;
using mxsteer::lint::test::soa;

namespace {

// `soa` is 4 lines, so the first appended record is on line 5.
std::string zone(std::string_view body) {
    return std::string{soa} + std::string{body};
}

} // namespace

TEST_CASE("mx: a clean mail domain has no MX findings") {
    auto found = lint(zone("@ MX 10 mx1\n"
                           "@ MX 20 mx2.example.com.\n"
                           "mx1 A 192.0.2.25\n"
                           "mx2 AAAA 2001:db8::25\n"));
    for (std::string_view rule :
         {"mx-target-is-ip", "mx-target-no-address", "mx-target-cname", "name-missing-trailing-dot",
          "null-mx-mixed", "null-mx-nonzero-pref", "mx-target-out-of-zone", "mx-single"}) {
        CAPTURE(rule);
        CHECK(only(found, rule).empty());
    }
}

TEST_CASE("mx: exchange is an IPv4 literal, absolute or relative (RFC 1035 §3.3.9)") {
    auto found = only(lint(zone("@ MX 10 192.0.2.25\n"
                                "@ MX 20 192.0.2.26.\n"
                                "@ MX 30 192.0.2.27.example.net.\n")),
                      "mx-target-is-ip");
    REQUIRE(found.size() == 2);
    CHECK(found[0].line == 5);
    CHECK(found[0].severity == Severity::error);
    CHECK(found[0].message.find("'192.0.2.25.example.com.'") != std::string::npos);
    CHECK(found[0].message.find("without a final dot") != std::string::npos);
    CHECK(found[1].line == 6);
    // "192.0.2.27.example.net." is a legal (if odd) host name in another zone, not a literal.
}

TEST_CASE("mx: an IP-literal exchange is not also reported as missing an address") {
    auto found = lint(zone("@ MX 10 192.0.2.25\n@ MX 20 mx2\nmx2 A 192.0.2.26\n"));
    CHECK(only(found, "mx-target-no-address").empty());
    CHECK(only(found, "mx-target-is-ip").size() == 1);
}

TEST_CASE("mx: in-zone exchange without an address: NXDOMAIN and NODATA (RFC 5321 §5.1)") {
    auto found = only(lint(zone("@ MX 10 gone\n"         // 5: name does not exist
                                "@ MX 20 txtonly\n"      // 6: exists, no A/AAAA (NODATA)
                                "@ MX 30 ent\n"          // 7: empty non-terminal
                                "txtonly TXT \"x\"\n"    // 8
                                "a.ent A 192.0.2.1\n")), // 9
                      "mx-target-no-address");
    REQUIRE(found.size() == 3);
    CHECK(found[0].line == 5);
    CHECK(found[0].message.find("does not exist") != std::string::npos);
    CHECK(found[1].line == 6);
    CHECK(found[1].message.find("has no A or AAAA") != std::string::npos);
    CHECK(found[2].line == 7);
    CHECK(found[2].message.find("has no A or AAAA") != std::string::npos);
    CHECK(found[0].severity == Severity::error);
}

TEST_CASE("mx: wildcard synthesis counts as an address (RFC 4592)") {
    SUBCASE("covered") {
        auto found = lint(zone("@ MX 10 mx1.mail\n*.mail A 192.0.2.25\n"));
        CHECK(only(found, "mx-target-no-address").empty());
    }
    SUBCASE("a wildcard without addresses does not help") {
        auto found =
            only(lint(zone("@ MX 10 mx1.mail\n*.mail TXT \"x\"\n")), "mx-target-no-address");
        REQUIRE(found.size() == 1);
        CHECK(found[0].message.find("*.mail.example.com.") != std::string::npos);
    }
    SUBCASE("an existing name blocks the wildcard (RFC 4592 §2.2.1)") {
        auto found = only(lint(zone("@ MX 10 mx1.mail\n*.mail A 192.0.2.25\n"
                                    "mx1.mail TXT \"x\"\n")),
                          "mx-target-no-address");
        CHECK(found.size() == 1);
    }
    SUBCASE("the wildcard only covers the closest encloser's children") {
        // mx1.sub.mail: closest encloser is sub.mail (an ENT), whose *.sub.mail does not exist.
        auto found = only(lint(zone("@ MX 10 mx1.sub.mail\n*.mail A 192.0.2.25\n"
                                    "x.sub.mail A 192.0.2.26\n")),
                          "mx-target-no-address");
        CHECK(found.size() == 1);
    }
}

TEST_CASE("mx: exchange is an alias (RFC 2181 §10.3)") {
    auto found = lint(zone("@ MX 10 mail\nmail CNAME mx1\nmx1 A 192.0.2.25\n"
                           "@ MX 20 x.wild\n*.wild CNAME mx1\n"));
    auto cname = only(found, "mx-target-cname");
    REQUIRE(cname.size() == 2);
    CHECK(cname[0].line == 5);
    CHECK(cname[0].severity == Severity::error);
    CHECK(cname[1].line == 8);
    CHECK(cname[1].message.find("wildcard") != std::string::npos);
    // An alias is not also reported as missing an address.
    CHECK(only(found, "mx-target-no-address").empty());
}

TEST_CASE("mx: a forgotten final dot") {
    auto found = lint(zone("@ MX 10 mail.example.net\n@ MX 20 mx1.example.com\n"
                           "@ MX 30 mx.office\nmx.office A 192.0.2.1\n"));
    auto dot = only(found, "name-missing-trailing-dot");
    REQUIRE(dot.size() == 2);
    CHECK(dot[0].line == 5);
    CHECK(dot[0].severity == Severity::warning);
    CHECK(dot[0].message.find("'mail.example.net.'") != std::string::npos);
    CHECK(dot[1].line == 6);
    // The broken exchange also really has no address.
    CHECK(only(found, "mx-target-no-address").size() == 2);
}

TEST_CASE("mx: null MX (RFC 7505 §3)") {
    SUBCASE("alone with preference 0 is fine") {
        auto found = lint(zone("@ MX 0 .\n"));
        CHECK(only(found, "null-mx-mixed").empty());
        CHECK(only(found, "null-mx-nonzero-pref").empty());
        CHECK(only(found, "mx-single").empty());
    }
    SUBCASE("beside other MX records") {
        auto found = only(lint(zone("@ MX 0 .\n@ MX 10 mx1\nmx1 A 192.0.2.25\n")), "null-mx-mixed");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(found[0].severity == Severity::error);
    }
    SUBCASE("non-zero preference") {
        auto found = only(lint(zone("@ MX 10 .\n")), "null-mx-nonzero-pref");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(found[0].severity == Severity::warning);
    }
}

TEST_CASE("mx: exchanges outside the zone or below a cut are info") {
    auto found = lint(zone("@ MX 10 mx.example.net.\n"
                           "@ MX 20 mx.example.net.\n" // same exchange: reported once
                           "@ MX 30 mx.sub\n"
                           "sub NS ns.sub\n"
                           "ns.sub A 192.0.2.1\n"));
    auto out = only(found, "mx-target-out-of-zone");
    REQUIRE(out.size() == 2);
    CHECK(out[0].severity == Severity::info);
    CHECK(out[0].line == 5);
    CHECK(out[1].line == 7);
    CHECK(only(found, "mx-target-no-address").empty());
}

TEST_CASE("mx: a single exchange is advice, not a defect") {
    auto found = only(lint(zone("@ MX 10 mx1\nmx1 A 192.0.2.25\n")), "mx-single");
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == Severity::info);
}

TEST_CASE("mx: mx_targets lists every non-null exchange once, in zone order, with its record") {
    auto loaded = test::load(zone("@ MX 10 mx2\n@ MX 20 mx1\nsub MX 5 mx2\nsub MX 9 mx3\n"
                                  "null MX 0 .\n"));
    const auto all = mx_targets(loaded.zone);
    REQUIRE(all.size() == 3);
    CHECK(all[0].exchange == "mx2.example.com.");
    CHECK(all[0].record->line == 5);
    CHECK(all[1].exchange == "mx1.example.com.");
    CHECK(all[2].exchange == "mx3.example.com.");
    CHECK(all[2].record->line == 8);
    // Only one owner's exchanges.
    const auto apex = mx_targets(loaded.zone, "example.com.");
    REQUIRE(apex.size() == 2);
    CHECK(apex[1].exchange == "mx1.example.com.");
    CHECK(mx_targets(loaded.zone, "null.example.com.").empty());
}
