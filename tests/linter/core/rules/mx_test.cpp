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

// RULES.md "Steering": "Every exchange that any client can be given is part of the MX set for
// the rules above: pool members must have addresses". Findings about a pool member are at the
// config line that names it (test_zone.hpp: mxsteer.toml, lines 20, 21, ..., column 15).
TEST_CASE("mx: steering pool members need what MX exchanges need") {
    using mxsteer::lint::test::steer_file;
    using mxsteer::lint::test::steering;
    const std::string body = "@ MX 10 mx1\n"           // line 5
                             "@ MX 20 mx2\n"           // line 6
                             "mx1 A 192.0.2.25\n"      // line 7
                             "mx2 AAAA 2001:db8::25\n" // line 8
                             "mx3 A 192.0.2.27\n"      // line 9
                             "alias CNAME mx1\n"       // line 10
                             "bare TXT \"no address\"\n";
    struct Row {
        std::string member;
        std::string_view rule;
        Severity severity;
        std::string_view message;
    };
    const Row rows[] = {
        {"mx9.example.com.", "mx-target-no-address", Severity::error,
         "steering pool member 'mx9.example.com.' of 'example.com.' does not exist in the zone"},
        {"bare.example.com.", "mx-target-no-address", Severity::error,
         "steering pool member 'bare.example.com.' of 'example.com.' exists but has no A or "
         "AAAA record"},
        {"alias.example.com.", "mx-target-cname", Severity::error,
         "steering pool member 'alias.example.com.' of 'example.com.' is an alias (CNAME); "
         "point the pool at the canonical name"},
        {"192.0.2.25.", "mx-target-is-ip", Severity::error,
         "steering pool member '192.0.2.25.' of 'example.com.' is an IPv4 address; an exchange "
         "must be a host name"},
        {"mx.example.net.", "mx-target-out-of-zone", Severity::info,
         "steering pool member 'mx.example.net.' of 'example.com.' is outside the zone "
         "'example.com.' and cannot be verified offline"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.member);
        // The good member mx3 comes first (line 20), the bad one second (line 21).
        const auto found =
            lint(zone(body), steering("example.com.", {"mx3.example.com.", row.member}));
        const auto hits = only(found, std::string{row.rule});
        REQUIRE(hits.size() == 1);
        CHECK(hits[0].severity == row.severity);
        CHECK(hits[0].file == steer_file);
        CHECK(hits[0].line == 21);
        CHECK(hits[0].column == 15);
        CHECK(hits[0].owner == "example.com.");
        CHECK(hits[0].message == row.message);
    }
}

TEST_CASE("mx: steering pool members that are fine, or judged elsewhere, add no findings") {
    using mxsteer::lint::test::steering;
    auto mx_findings = [](const std::vector<Diagnostic>& all) {
        std::vector<Diagnostic> out;
        for (const auto& d : all) {
            if (d.rule.starts_with("mx-") || d.rule.starts_with("null-mx") ||
                d.rule == "name-missing-trailing-dot") {
                out.push_back(d);
            }
        }
        return out;
    };
    SUBCASE("members with addresses, also through a wildcard") {
        const auto found = lint(zone("@ MX 10 mx1\n"
                                     "@ MX 20 mx2\n"
                                     "mx1 A 192.0.2.25\n"
                                     "mx2 A 192.0.2.26\n"
                                     "mx3 AAAA 2001:db8::27\n"
                                     "*.pool A 192.0.2.28\n"),
                                steering("example.com.", {"mx1.example.com.", "mx3.example.com.",
                                                          "a.pool.example.com."}));
        CHECK(mx_findings(found).empty());
    }
    SUBCASE("a member that is also an MX exchange is reported at the MX record only") {
        const auto found = only(lint(zone("@ MX 10 mx1\n" // line 5
                                          "@ MX 20 mx2\n"
                                          "mx2 A 192.0.2.26\n"),
                                     steering("example.com.", {"mx1.example.com."})),
                                "mx-target-no-address");
        REQUIRE(found.size() == 1);
        CHECK(found[0].file == "test.zone");
        CHECK(found[0].line == 5);
    }
    SUBCASE("a member listed in two pools is reported once, where it is first named") {
        const auto found =
            only(lint(zone("@ MX 10 mx1\n"
                           "@ MX 20 mx2\n"
                           "mx1 A 192.0.2.25\n"
                           "mx2 A 192.0.2.26\n"),
                      steering("example.com.", {"mx9.example.com.", "mx9.example.com."})),
                 "mx-target-no-address");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 20);
    }
    SUBCASE("a steered name outside the zone is another zone's business") {
        const auto found = lint(zone("@ MX 10 mx1\n"
                                     "@ MX 20 mx2\n"
                                     "mx1 A 192.0.2.25\n"
                                     "mx2 A 192.0.2.26\n"),
                                steering("example.net.", {"mx9.example.com."}));
        CHECK(mx_findings(found).empty());
    }
}

TEST_CASE("mx: steering pool members count for mx-single") {
    using mxsteer::lint::test::steering;
    const std::string body = "@ MX 10 mx1\n" // line 5
                             "mx1 A 192.0.2.25\n"
                             "mx2 A 192.0.2.26\n";
    // Without steering the single exchange is advice (info)...
    const auto alone = only(lint(zone(body)), "mx-single");
    REQUIRE(alone.size() == 1);
    CHECK(alone[0].severity == Severity::info);
    // ... with a pool member beside it, clients can be given two.
    CHECK(only(lint(zone(body), steering("example.com.", {"mx2.example.com."})), "mx-single")
              .empty());
    // A pool of the same exchange adds nothing.
    CHECK(only(lint(zone(body), steering("example.com.", {"mx1.example.com."})), "mx-single")
              .size() == 1);
}

TEST_CASE("mx: a steered name without MX records still has its pool members checked") {
    using mxsteer::lint::test::steering;
    const auto found =
        only(lint(zone("www A 192.0.2.80\n"), steering("www.example.com.", {"mx9.example.com."})),
             "mx-target-no-address");
    REQUIRE(found.size() == 1);
    CHECK(found[0].file == "mxsteer.toml");
    CHECK(found[0].line == 20);
    CHECK(found[0].owner == "www.example.com.");
}
