// Tests of rule group tlsa (RFC 6698, RFC 7672).
// SPDX-License-Identifier: MIT
#include "../../test_zone.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::lint;
using mxsteer::lint::test::lint;
using mxsteer::lint::test::only;
using mxsteer::lint::test::soa;

namespace {

// SHA-256 and SHA-512 of the text "mx1.example.com": real digest lengths, 32 and 64 octets.
constexpr std::string_view sha256 =
    "0a9d85ec43d00d9c51e196d1e7b77769bcd6337968c1e7dcbbaab7da75a934b7";
constexpr std::string_view sha512 =
    "4339e7d504f0e84366bcad9ee4461e38061662a5750222a31688d1c3c5fac39d"
    "c5911744cb351599bd103b4e429f3c3fe07696700e84e6568b013e56735bec23";

// The test zone head (4 lines) followed by `records`: the first record is on line 5.
std::string zone(std::string_view records) {
    return std::string{soa} + std::string{records};
}

// Two in-zone exchanges with addresses: lines 5-8.
constexpr std::string_view two_mx = "@ IN MX 10 mx1\n"      // line 5
                                    "@ IN MX 20 mx2\n"      // line 6
                                    "mx1 IN A 192.0.2.25\n" // line 7
                                    "mx2 IN A 192.0.2.26\n";

std::string tlsa(std::string_view owner, std::string_view params, std::string_view data) {
    return std::string{owner} + " IN TLSA " + std::string{params} + " " + std::string{data} + "\n";
}

LintOptions signed_zone() {
    LintOptions options;
    options.assume_signed = true;
    return options;
}

std::vector<Diagnostic> lint_fixture(const std::string& name, const LintOptions& options = {}) {
    auto loaded = load_zone_file(std::string{MXSTEER_TEST_DATA} + "/zones/" + name, "example.com.");
    CHECK(loaded.diagnostics.empty());
    return run_rules(loaded.zone, options);
}

// Findings of the tlsa-* and dane-* rules.
std::vector<Diagnostic> dane_findings(const std::vector<Diagnostic>& all) {
    std::vector<Diagnostic> out;
    for (const auto& d : all) {
        if (d.rule.starts_with("tlsa") || d.rule.starts_with("dane")) {
            out.push_back(d);
        }
    }
    return out;
}

} // namespace

TEST_CASE("tlsa: a DANE-EE record for every exchange has no findings") {
    const auto found = lint(zone(std::string{two_mx} + tlsa("_25._tcp.mx1", "3 1 1", sha256) +
                                 tlsa("_25._tcp.mx2", "3 1 2", sha512)),
                            signed_zone());
    CHECK(dane_findings(found).empty());
}

TEST_CASE("tlsa: bad-digest-length") {
    // RFC 6698 §2.1.3: matching type 1 is SHA2-256 (32 octets), 2 is SHA2-512 (64 octets).
    struct Row {
        std::string_view params;
        std::string data;
        std::string_view message; // empty: no finding
    };
    const Row rows[] = {
        {"3 1 1", std::string{sha256}, ""},
        {"3 1 2", std::string{sha512}, ""},
        {"2 0 1", std::string{sha256.substr(0, 32)} + " " + std::string{sha256.substr(32)}, ""},
        {"3 1 0", "3059301306072a8648ce3d020106082a8648ce3d030107034200", ""}, // full SPKI
        {"3 1 7", "00", ""}, // unknown matching type: no length to check (unknown-params)
        {"3 1 1", std::string{sha256.substr(0, 62)},
         "cannot use a 31-octet digest with TLSA matching type 1 (SHA2-256): expected 32 octets "
         "(64 hex digits)"},
        {"3 1 1", std::string{sha512},
         "cannot use a 64-octet digest with TLSA matching type 1 (SHA2-256): expected 32 octets "
         "(64 hex digits)"},
        {"3 1 2", std::string{sha256},
         "cannot use a 32-octet digest with TLSA matching type 2 (SHA2-512): expected 64 octets "
         "(128 hex digits)"},
        {"3 1 2", std::string{sha512} + "00",
         "cannot use a 65-octet digest with TLSA matching type 2 (SHA2-512): expected 64 octets "
         "(128 hex digits)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.params);
        CAPTURE(row.data);
        for (const std::string_view owner : {"_25._tcp.mx1", "_443._tcp.www"}) {
            CAPTURE(owner);
            const auto found =
                only(lint(zone(tlsa(owner, row.params, row.data))), "tlsa-bad-digest-length");
            if (row.message.empty()) {
                CHECK(found.empty());
                continue;
            }
            REQUIRE(found.size() == 1);
            CHECK(found[0].severity == Severity::error);
            CHECK(found[0].line == 5);
            CHECK(found[0].message == row.message);
        }
    }

    SUBCASE("matching type 0 with no data") {
        // RFC 3597 generic syntax: usage 3, selector 1, matching type 0, nothing else.
        const auto found =
            only(lint(zone("_25._tcp.mx1 IN TLSA \\# 3 030100\n")), "tlsa-bad-digest-length");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(found[0].message == "cannot use empty association data with TLSA matching type 0 "
                                  "(Full): expected the certificate or public key");
    }
    SUBCASE("rdata too short to decode") {
        const auto found =
            only(lint(zone("_25._tcp.mx1 IN TLSA \\# 2 0301\n")), "tlsa-bad-digest-length");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(found[0].message.starts_with("cannot decode TLSA rdata of 2 octets"));
    }
}

TEST_CASE("tlsa: unknown-params") {
    // RFC 6698 §7.2-§7.4: usages 0-3, selectors 0-1, matching types 0-2 are assigned.
    struct Row {
        std::string_view params;
        std::string_view message;
    };
    const Row rows[] = {
        {"3 1 1", ""},
        {"2 0 1", ""},
        {"4 1 1", "cannot use unassigned TLSA usage 4 (assigned: 0-3): clients treat the record "
                  "as unusable"},
        {"3 2 1", "cannot use unassigned TLSA selector 2 (assigned: 0-1): clients treat the "
                  "record as unusable"},
        {"3 1 3", "cannot use unassigned TLSA matching type 3 (assigned: 0-2): clients treat the "
                  "record as unusable"},
        {"255 255 255", "cannot use unassigned TLSA usage 255 (private use; assigned: 0-3), "
                        "selector 255 (private use; assigned: 0-1), matching type 255 (private "
                        "use; assigned: 0-2): clients treat the record as unusable"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.params);
        for (const std::string_view owner : {"_25._tcp.mx1", "_443._tcp.www"}) {
            CAPTURE(owner);
            const auto found =
                only(lint(zone(tlsa(owner, row.params, sha256))), "tlsa-unknown-params");
            if (row.message.empty()) {
                CHECK(found.empty());
                continue;
            }
            REQUIRE(found.size() == 1);
            CHECK(found[0].severity == Severity::warning);
            CHECK(found[0].line == 5);
            CHECK(found[0].message == row.message);
        }
    }
}

TEST_CASE("tlsa: pkix-usage-smtp") {
    // RFC 7672 §3.1.3: SMTP clients treat PKIX-TA(0) and PKIX-EE(1) as unusable.
    SUBCASE("usage 0 and 1 at an SMTP owner") {
        const auto found =
            only(lint(zone(std::string{two_mx} + tlsa("_25._tcp.mx1", "0 0 1", sha256) + // line 9
                           tlsa("_25._tcp.mx2", "1 1 1", sha256))),                      // line 10
                 "tlsa-pkix-usage-smtp");
        REQUIRE(found.size() == 2);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 9);
        CHECK(found[0].message ==
              "cannot use TLSA usage 0 (PKIX-TA) at '_25._tcp.mx1.example.com.':"
              " SMTP DANE clients treat usages 0 and 1 as unusable; use 2 "
              "(DANE-TA) or 3 (DANE-EE)");
        CHECK(found[1].line == 10);
        CHECK(found[1].message.starts_with("cannot use TLSA usage 1 (PKIX-EE)"));
    }
    SUBCASE("DANE usages") {
        CHECK(only(lint(zone(std::string{two_mx} + tlsa("_25._tcp.mx1", "2 0 1", sha256) +
                             tlsa("_25._tcp.mx2", "3 1 1", sha256))),
                   "tlsa-pkix-usage-smtp")
                  .empty());
    }
    SUBCASE("PKIX usages are fine for HTTPS") {
        CHECK(only(lint(zone(tlsa("_443._tcp.www", "1 0 1", sha256))), "tlsa-pkix-usage-smtp")
                  .empty());
    }
}

TEST_CASE("tlsa: without-dnssec") {
    // RFC 7672 §2.2: only DNSSEC-validated TLSA records are usable.
    const auto records = std::string{two_mx} + tlsa("_25._tcp.mx1", "3 1 1", sha256) + // line 9
                         tlsa("_25._tcp.mx2", "3 1 1", sha256);                        // line 10
    SUBCASE("reported once, at the first TLSA record") {
        const auto found = only(lint(zone(records)), "tlsa-without-dnssec");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 9);
        CHECK(found[0].message.starts_with("cannot use TLSA records in an unsigned zone"));
    }
    SUBCASE("also for TLSA records of other services") {
        const auto found =
            only(lint(zone(tlsa("_443._tcp.www", "3 1 1", sha256))), "tlsa-without-dnssec");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
    }
    SUBCASE("a DNSKEY below the apex is no sign of a signed zone") {
        const auto found =
            only(lint(zone(records + "sub IN DNSKEY 257 3 13 "
                                     "j4326pKBC6OirlP8x/RHSNktZgYLimBChY8YYry1rGZ/"
                                     "Qjqu4l5mY54Zl2gUqam1jz+cJk8gpi31Uoi74WRCxw==\n")),
                 "tlsa-without-dnssec");
        CHECK(found.size() == 1);
    }
    SUBCASE("an apex DNSKEY") {
        CHECK(only(lint(zone(records + "@ IN DNSKEY 257 3 13 "
                                       "j4326pKBC6OirlP8x/RHSNktZgYLimBChY8YYry1rGZ/"
                                       "Qjqu4l5mY54Zl2gUqam1jz+cJk8gpi31Uoi74WRCxw==\n")),
                   "tlsa-without-dnssec")
                  .empty());
    }
    SUBCASE("--assume-signed") {
        CHECK(only(lint(zone(records), signed_zone()), "tlsa-without-dnssec").empty());
    }
    SUBCASE("no TLSA records") {
        CHECK(only(lint(zone(two_mx)), "tlsa-without-dnssec").empty());
    }
}

TEST_CASE("tlsa: orphan") {
    // RFC 7672 §2.3.3: TLSA is looked up for the exchanges of the MX RRset only.
    SUBCASE("reported once per owner") {
        const auto found =
            only(lint(zone(std::string{two_mx} + tlsa("_25._tcp.mx1", "3 1 1", sha256) + // line 9
                           tlsa("_25._tcp.old", "3 1 1", sha256) +                       // line 10
                           tlsa("_25._tcp.old", "2 0 1", sha256)),                       // line 11
                      signed_zone()),
                 "tlsa-orphan");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 10);
        CHECK(found[0].owner == "_25._tcp.old.example.com.");
        CHECK(found[0].message == "cannot use TLSA at '_25._tcp.old.example.com.': "
                                  "'old.example.com.' is not an MX exchange of this zone, so no "
                                  "SMTP client looks it up");
    }
    SUBCASE("the exchange of a subdomain's MX counts") {
        CHECK(only(lint(zone("shop IN MX 10 mx.shop\nmx.shop IN A 192.0.2.30\n" +
                             tlsa("_25._tcp.mx.shop", "3 1 1", sha256))),
                   "tlsa-orphan")
                  .empty());
    }
    SUBCASE("other services are not SMTP") {
        CHECK(only(lint(zone(tlsa("_443._tcp.www", "3 1 1", sha256) +
                             tlsa("_25._udp.mx9", "3 1 1", sha256))),
                   "tlsa-orphan")
                  .empty());
    }
    SUBCASE("TLSA below a zone cut is not this zone's data") {
        CHECK(only(lint(zone("sub IN NS ns1.example.net.\n" +
                             tlsa("_25._tcp.mx.sub", "3 1 1", sha256))),
                   "tlsa-orphan")
                  .empty());
    }
    SUBCASE("the null MX names no exchange") {
        const auto found = only(lint(zone("@ IN MX 0 .\n" + tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                                "tlsa-orphan");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 6);
    }
}

TEST_CASE("tlsa: dane-partial-mx-coverage") {
    // RFC 7672 §2.3.3: a bare exchange lets an attacker downgrade delivery.
    SUBCASE("one of two exchanges has TLSA") {
        const auto found =
            only(lint(zone(std::string{two_mx} + tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                 "dane-partial-mx-coverage");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 6); // the MX record naming mx2
        CHECK(found[0].owner == "example.com.");
        CHECK(found[0].message == "cannot protect mail for 'example.com.' to "
                                  "'mx2.example.com.' with DANE: "
                                  "'_25._tcp.mx2.example.com.' has no TLSA while "
                                  "'mx1.example.com.' has, so an attacker can downgrade delivery "
                                  "through it");
    }
    SUBCASE("each domain's MX set is judged on its own (RFC 7672 §2.3.3)") {
        // example.com. uses mx1 (with TLSA) alone; shop.example.com. uses mx2 alone: neither
        // domain mixes protected and bare exchanges.
        const auto found = only(lint(zone("@ IN MX 10 mx1\n"
                                          "shop IN MX 10 mx2\n"
                                          "mx1 IN A 192.0.2.25\n"
                                          "mx2 IN A 192.0.2.26\n" +
                                          tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                                "dane-partial-mx-coverage");
        CHECK(found.empty());
    }
    SUBCASE("a shared exchange is reported for each domain that mixes") {
        const auto found = only(lint(zone("@ IN MX 10 mx1\n"    // 5
                                          "@ IN MX 20 mx2\n"    // 6
                                          "shop IN MX 10 mx1\n" // 7
                                          "shop IN MX 20 mx2\n" // 8
                                          "mx1 IN A 192.0.2.25\n"
                                          "mx2 IN A 192.0.2.26\n" +
                                          tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                                "dane-partial-mx-coverage");
        REQUIRE(found.size() == 2);
        CHECK(found[0].line == 6);
        CHECK(found[1].line == 8);
        CHECK(found[1].owner == "shop.example.com.");
    }
    SUBCASE("several bare exchanges, each reported once") {
        const auto found =
            only(lint(zone(std::string{two_mx} + "@ IN MX 30 mx3\nmx3 IN A 192.0.2.27\n" + // line 9
                           "shop IN MX 10 mx3\n" + tlsa("_25._tcp.mx2", "3 1 1", sha256))),
                 "dane-partial-mx-coverage");
        REQUIRE(found.size() == 2);
        CHECK(found[0].line == 5);
        CHECK(found[1].line == 9);
    }
    SUBCASE("all or none") {
        CHECK(only(lint(zone(two_mx)), "dane-partial-mx-coverage").empty());
        CHECK(only(lint(zone(std::string{two_mx} + tlsa("_25._tcp.mx1", "3 1 1", sha256) +
                             tlsa("_25._tcp.mx2", "3 1 1", sha256))),
                   "dane-partial-mx-coverage")
                  .empty());
    }
    SUBCASE("out-of-zone exchanges are not counted") {
        CHECK(only(lint(zone("@ IN MX 10 mx1\n@ IN MX 20 backup.example.net.\n"
                             "mx1 IN A 192.0.2.25\n" +
                             tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                   "dane-partial-mx-coverage")
                  .empty());
    }
    SUBCASE("exchanges below a zone cut are not counted") {
        CHECK(only(lint(zone("@ IN MX 10 mx1\n@ IN MX 20 mx.sub\nsub IN NS ns1.example.net.\n"
                             "mx1 IN A 192.0.2.25\n" +
                             tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                   "dane-partial-mx-coverage")
                  .empty());
    }
    SUBCASE("exchanges without an address are left to the mx rules") {
        CHECK(only(lint(zone("@ IN MX 10 mx1\n@ IN MX 20 missing\n@ IN MX 30 192.0.2.25\n"
                             "@ IN MX 40 txt-only\n@ IN MX 50 alias\n"
                             "txt-only IN TXT \"x\"\nalias IN CNAME mx1\n"
                             "mx1 IN A 192.0.2.25\n" +
                             tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                   "dane-partial-mx-coverage")
                  .empty());
        // An address through a wildcard is an address.
        const auto found = only(lint(zone("@ IN MX 10 mx1\n@ IN MX 20 w.pool\n" // line 6
                                          "*.pool IN A 192.0.2.30\n"
                                          "mx1 IN A 192.0.2.25\n" +
                                          tlsa("_25._tcp.mx1", "3 1 1", sha256))),
                                "dane-partial-mx-coverage");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 6);
    }
    SUBCASE("TLSA through an alias") {
        // RFC 7672 §2.2.3: the TLSA base domain may be a CNAME.
        const auto base = std::string{two_mx} + tlsa("_25._tcp.mx1", "3 1 1", sha256);
        CHECK(only(lint(zone(base + "_25._tcp.mx2 IN CNAME _dane\n" +
                             tlsa("_dane", "3 1 1", sha256))),
                   "dane-partial-mx-coverage")
                  .empty());
        // Out of the zone: cannot be checked, so not reported.
        CHECK(only(lint(zone(base + "_25._tcp.mx2 IN CNAME _dane.example.net.\n")),
                   "dane-partial-mx-coverage")
                  .empty());
        // In the zone but without TLSA at the target.
        const auto found = only(lint(zone(base + "_25._tcp.mx2 IN CNAME _dane\n_dane IN A "
                                                 "192.0.2.1\n")),
                                "dane-partial-mx-coverage");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 6);
        // A CNAME loop ends without TLSA.
        CHECK(only(lint(zone(base + "_25._tcp.mx2 IN CNAME loop\nloop IN CNAME _25._tcp.mx2\n")),
                   "dane-partial-mx-coverage")
                  .size() == 1);
    }
    SUBCASE("TLSA through a wildcard") {
        CHECK(only(lint(zone(std::string{two_mx} + tlsa("_25._tcp.mx1", "3 1 1", sha256) +
                             tlsa("*._tcp.mx2", "3 1 1", sha256))),
                   "dane-partial-mx-coverage")
                  .empty());
    }
    SUBCASE("an exchange whose TLSA cannot be checked counts as protected") {
        // No TLSA record in the zone at all: mx1's TLSA lookup leaves the zone through an
        // alias, or is delegated away at _tcp.mx1, so mx1 may well have TLSA; mx2 is bare.
        for (const std::string hint :
             {"_25._tcp.mx1 IN CNAME _dane.example.net.\n", "_tcp.mx1 IN NS ns1.example.net.\n"}) {
            CAPTURE(hint);
            const auto found =
                only(lint(zone(std::string{two_mx} + hint)), "dane-partial-mx-coverage");
            REQUIRE(found.size() == 1);
            CHECK(found[0].line == 6); // the MX record naming mx2
        }
    }
}

// RULES.md "Steering": pool members "must ..., when DANE is used, have TLSA". A finding about
// one is at the config line that names it (test_zone.hpp: mxsteer.toml, line 20 on).
TEST_CASE("tlsa: dane-partial-mx-coverage for steering pool members") {
    using mxsteer::lint::test::steering;
    const std::string base = std::string{two_mx} + "mx3 IN A 192.0.2.27\n" +
                             tlsa("_25._tcp.mx1", "3 1 1", sha256) +
                             tlsa("_25._tcp.mx2", "3 1 1", sha256);

    SUBCASE("a member without TLSA beside exchanges with TLSA: warning at the member") {
        const auto found =
            only(lint(zone(base), steering("example.com.", {"mx1.example.com.", "mx3.example.com."},
                                           signed_zone())),
                 "dane-partial-mx-coverage");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].file == "mxsteer.toml");
        CHECK(found[0].line == 21);
        CHECK(found[0].column == 15);
        CHECK(found[0].owner == "example.com.");
        CHECK(found[0].message ==
              "cannot protect mail for 'example.com.' to steering pool member 'mx3.example.com.' "
              "of 'example.com.' with DANE: '_25._tcp.mx3.example.com.' has no TLSA while "
              "'mx1.example.com.' has, so an attacker can downgrade delivery through it");
    }
    SUBCASE("a member with TLSA: no finding, and its TLSA is no orphan") {
        const auto text = zone(base + tlsa("_25._tcp.mx3", "3 1 1", sha256));
        // Without steering, nobody is given mx3: its TLSA is an orphan.
        CHECK(only(lint(text, signed_zone()), "tlsa-orphan").size() == 1);
        const auto found = dane_findings(
            lint(text, steering("example.com.", {"mx3.example.com."}, signed_zone())));
        CHECK(found.empty());
    }
    SUBCASE("a member with TLSA beside bare exchanges: the exchanges are reported") {
        const auto found = only(lint(zone(std::string{two_mx} + "mx3 IN A 192.0.2.27\n" +
                                          tlsa("_25._tcp.mx3", "3 1 1", sha256)),
                                     steering("example.com.", {"mx3.example.com."}, signed_zone())),
                                "dane-partial-mx-coverage");
        REQUIRE(found.size() == 2);
        CHECK(found[0].file == "test.zone");
        CHECK(found[0].line == 5);
        CHECK(found[1].line == 6);
        CHECK(found[0].message.find("while 'mx3.example.com.' has") != std::string::npos);
    }
    SUBCASE("no DANE anywhere: nothing to be partial about") {
        CHECK(only(lint(zone(std::string{two_mx} + "mx3 IN A 192.0.2.27\n"),
                        steering("example.com.", {"mx3.example.com."}, signed_zone())),
                   "dane-partial-mx-coverage")
                  .empty());
    }
    SUBCASE("a member outside the zone cannot be checked offline") {
        CHECK(only(lint(zone(base), steering("example.com.", {"mx.example.net."}, signed_zone())),
                   "dane-partial-mx-coverage")
                  .empty());
    }
}

TEST_CASE("tlsa: fixtures") {
    SUBCASE("dane_full_coverage.valid.zone") {
        CHECK(dane_findings(lint_fixture("dane_full_coverage.valid.zone")).empty());
    }
    SUBCASE("dane_partial_coverage.invalid.zone") {
        const auto found = dane_findings(lint_fixture("dane_partial_coverage.invalid.zone"));
        REQUIRE(found.size() == 1);
        CHECK(found[0].rule == "dane-partial-mx-coverage");
        CHECK(found[0].line == 9);
    }
    SUBCASE("tlsa_bad_digest.invalid.zone") {
        const auto found = dane_findings(lint_fixture("tlsa_bad_digest.invalid.zone"));
        // Sorted by line, then rule id.
        REQUIRE(found.size() == 3);
        CHECK(found[0].rule == "tlsa-bad-digest-length");
        CHECK(found[0].line == 11);
        CHECK(found[1].rule == "tlsa-without-dnssec");
        CHECK(found[1].line == 11);
        CHECK(found[2].rule == "tlsa-pkix-usage-smtp");
        CHECK(found[2].line == 12);
    }
}
