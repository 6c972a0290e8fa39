// Tests of the zone model's name index.
// SPDX-License-Identifier: MIT
#include "../test_zone.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

using namespace mxsteer::lint;

TEST_CASE("zone: existence, empty non-terminals and types") {
    auto r = test::load("@ SOA ns1 h 1 2 3 4 5\n"
                        "a.b.c A 192.0.2.1\n"
                        "MiXeD TXT \"x\"\n");
    const Zone& z = r.zone;
    CHECK(z.exists("a.b.c.example.com."));
    CHECK(z.exists("b.c.example.com.")); // empty non-terminal
    CHECK(z.exists("c.example.com."));
    CHECK(z.records_at("b.c.example.com.").empty());
    CHECK_FALSE(z.exists("x.example.com."));
    CHECK(z.exists("mixed.example.com.")); // owners are case-folded
    CHECK(z.has_type("a.b.c.example.com.", rrtype::a));
    CHECK_FALSE(z.has_type("a.b.c.example.com.", rrtype::aaaa));
    CHECK(z.in_zone("anything.example.com."));
    CHECK_FALSE(z.in_zone("example.net."));
}

TEST_CASE("zone: delegations make names below them non-authoritative (RFC 1034 §4.2.1)") {
    auto r = test::load("@ SOA ns1 h 1 2 3 4 5\n"
                        "@ NS ns1\n"
                        "sub NS ns.sub\n"
                        "ns.sub A 192.0.2.1\n"
                        "other A 192.0.2.2\n");
    const Zone& z = r.zone;
    CHECK_FALSE(z.below_cut("example.com."));
    CHECK(z.below_cut("sub.example.com."));
    CHECK(z.below_cut("ns.sub.example.com."));
    CHECK(z.below_cut("does.not.exist.sub.example.com."));
    CHECK_FALSE(z.below_cut("other.example.com."));
    CHECK_FALSE(z.below_cut("missing.example.com."));
}

TEST_CASE("zone: a cut covers names below it through empty non-terminals") {
    // The deep names come before the delegations, so their ancestors are created, as empty
    // non-terminals, before the cut is known.
    auto r = test::load("@ SOA ns1 h 1 2 3 4 5\n"
                        "a.b.deep.sub A 192.0.2.1\n"
                        "m.n.o A 192.0.2.2\n"
                        "x.y.z.t A 192.0.2.3\n"
                        "sub NS ns.example.net.\n"
                        "z.t NS ns.example.net.\n");
    const Zone& z = r.zone;
    CHECK(z.below_cut("a.b.deep.sub.example.com."));
    CHECK(z.below_cut("b.deep.sub.example.com.")); // empty non-terminal below the cut
    CHECK(z.below_cut("deep.sub.example.com."));
    CHECK(z.below_cut("sub.example.com."));
    CHECK(z.below_cut("y.z.t.example.com."));
    CHECK(z.below_cut("x.y.z.t.example.com."));
    CHECK_FALSE(z.below_cut("t.example.com.")); // empty non-terminal above a cut
    CHECK_FALSE(z.below_cut("n.o.example.com."));
    CHECK_FALSE(z.below_cut("m.n.o.example.com."));
    CHECK(z.exists("b.deep.sub.example.com."));
    CHECK(z.exists("t.example.com."));
}

TEST_CASE("zone: mail domains come in name order") {
    // Several names share their first eight octets; "." sorts before digits and letters.
    auto r = test::load("@ SOA ns1 h 1 2 3 4 5\n"
                        "mailbox1a MX 10 mx\n"
                        "mailbox2.x MX 10 mx\n"
                        "mailbox10 MX 10 mx\n"
                        "@ MX 10 mx\n"
                        "mailbox1 MX 10 mx\n"
                        "mail MX 10 mx\n"
                        "mailbox MX 10 mx\n"
                        "nullmx MX 0 .\n");
    const Zone& z = r.zone;
    std::vector<std::string_view> names;
    for (const auto& domain : z.mail_domain_ids()) {
        names.push_back(z.name(domain.name));
        CHECK(z.records()[domain.first_mx].name == domain.name);
    }
    const std::vector<std::string_view> expected{"example.com.",           "mail.example.com.",
                                                 "mailbox.example.com.",   "mailbox1.example.com.",
                                                 "mailbox10.example.com.", "mailbox1a.example.com.",
                                                 "mailbox2.x.example.com."};
    CHECK(names == expected);
}

TEST_CASE("zone: wildcard coverage follows the closest encloser (RFC 4592 §3.3.1)") {
    auto r = test::load("@ SOA ns1 h 1 2 3 4 5\n"
                        "*.w A 192.0.2.1\n"
                        "x.w A 192.0.2.2\n"
                        "deep.y.w A 192.0.2.3\n"
                        "*.cut A 192.0.2.4\n"
                        "cut NS ns.example.net.\n");
    const Zone& z = r.zone;
    CHECK(z.covering_wildcard("a.w.example.com.") == "*.w.example.com.");
    CHECK_FALSE(z.covering_wildcard("x.w.example.com."));   // exists
    CHECK_FALSE(z.covering_wildcard("q.y.w.example.com.")); // encloser y.w has no wildcard
    CHECK(z.covering_wildcard("a.b.w.example.com.") == "*.w.example.com.");
    CHECK_FALSE(z.covering_wildcard("a.example.com."));
    CHECK_FALSE(z.covering_wildcard("a.cut.example.com.")); // below a delegation
    CHECK_FALSE(z.covering_wildcard("a.example.net."));     // not in the zone
}

TEST_CASE("zone: DNSSEC intent") {
    CHECK_FALSE(test::load("@ SOA ns1 h 1 2 3 4 5\n").zone.dnssec_intent());
    CHECK(test::load(
              "@ SOA ns1 h 1 2 3 4 5\n"
              "@ DNSKEY 257 3 13 "
              "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L"
              "53eKGQ==\n")
              .zone.dnssec_intent());
    CHECK(test::load("@ SOA ns1 h 1 2 3 4 5\n"
                     "@ RRSIG SOA 13 2 300 20300101000000 20200101000000 1 example.com. AAAA\n")
              .zone.dnssec_intent());
}

TEST_CASE("zone: rdata keeps its full 16-bit length, and longer rdata is refused") {
    Zone z{"example.com."};
    const auto file = z.add_file("test.zone");
    const std::vector<std::uint8_t> longest(65535, 0x41);
    const auto id = z.add("example.com.", rrtype::txt, 300, longest, file, 1, 1);
    z.finish();
    CHECK(z.rdata(z.records()[id]).size() == 65535);
    CHECK(z.rdata(z.records()[id]).back() == 0x41);
    Zone refused{"example.com."};
    const std::vector<std::uint8_t> too_long(65536, 0x41);
    CHECK_THROWS_AS(refused.add("example.com.", rrtype::txt, 300, too_long, 0, 1, 1),
                    std::invalid_argument);
}
