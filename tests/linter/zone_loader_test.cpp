// Tests of the master-file loader: positions, directives, includes, errors and hostile input.
// SPDX-License-Identifier: MIT
#include "test_zone.hpp"
#include "zone_loader.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mxsteer::lint;
using mxsteer::lint::test::load;

namespace {

const std::string data = MXSTEER_TEST_DATA;

const Record* first(const Zone& zone, std::string_view name, std::uint16_t type) {
    auto found = zone.records_at(name, type);
    return found.empty() ? nullptr : found.front();
}

} // namespace

TEST_CASE("loader: records keep file, line and column, and owners inherit and go relative") {
    auto r = load("$TTL 1h\n"                                   // 1
                  "@ IN SOA ns1 hostmaster ( 1 ; serial\n"      // 2
                  "     7200 3600 1209600 300 )\n"              // 3
                  "Mail  MX 10 mx1\n"                           // 4
                  "      MX 20 mx2.example.com.\n"              // 5
                  "\n"                                          // 6
                  "; comment only\n"                            // 7
                  "mx1 1w2d A 192.0.2.25\n"                     // 8
                  "txt TXT \"a \\\"quoted\\\" \\065\" bare\n"); // 9
    CHECK(r.diagnostics.empty());
    const Zone& z = r.zone;
    const Record* soa = first(z, "example.com.", rrtype::soa);
    REQUIRE(soa);
    CHECK(soa->line == 2);
    CHECK(soa->ttl == 3600);

    auto mx = z.records_at("mail.example.com.", rrtype::mx);
    REQUIRE(mx.size() == 2);
    CHECK(mx[0]->line == 4);
    CHECK(mx[0]->column == 1);
    CHECK(decode_mx(z.rdata(*mx[0]))->exchange == "mx1.example.com.");
    CHECK(mx[1]->line == 5);
    CHECK(mx[1]->column == 7); // an inherited owner: the record starts at the type
    CHECK(decode_mx(z.rdata(*mx[1]))->preference == 20);

    const Record* a = first(z, "mx1.example.com.", rrtype::a);
    REQUIRE(a);
    CHECK(a->line == 8);
    CHECK(a->ttl == 7 * 86400 + 2 * 86400);

    const Record* txt = first(z, "txt.example.com.", rrtype::txt);
    REQUIRE(txt);
    auto strings = decode_strings(z.rdata(*txt));
    REQUIRE(strings);
    CHECK(*strings == std::vector<std::string>{"a \"quoted\" A", "bare"});
}

TEST_CASE("loader: a bad record is reported at its line and the next ones still load") {
    auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n" // 1
                  "good1 A 192.0.2.1\n"                            // 2
                  "bad A 300.1.1.1\n"                              // 3
                  "good2 A 192.0.2.2\n"                            // 4
                  "mx MX 70000 good1\n"                            // 5
                  "good3 A 192.0.2.3\n");                          // 6
    REQUIRE(r.diagnostics.size() == 2);
    CHECK(r.diagnostics[0].rule == "parse-error");
    CHECK(r.diagnostics[0].severity == Severity::error);
    CHECK(r.diagnostics[0].line == 3);
    CHECK(r.diagnostics[0].message.find("invalid IPv4 address") != std::string::npos);
    CHECK(r.diagnostics[0].message.find("bad A 300.1.1.1") != std::string::npos);
    CHECK(r.diagnostics[1].line == 5);
    CHECK(r.diagnostics[1].message.find("16 bits") != std::string::npos);
    CHECK(r.zone.has_type("good1.example.com.", rrtype::a));
    CHECK(r.zone.has_type("good2.example.com.", rrtype::a));
    CHECK(r.zone.has_type("good3.example.com.", rrtype::a));
    CHECK(first(r.zone, "good3.example.com.", rrtype::a)->line == 6);
}

TEST_CASE("loader: what ldns accepts silently is an error here") {
    SUBCASE("unclosed parenthesis points at the record that opened it") {
        auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                      "a A 192.0.2.1\n"
                      "b ( A 192.0.2.2\n"
                      "; the end\n");
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].line == 3);
        CHECK(r.diagnostics[0].message.find("never closed") != std::string::npos);
    }
    SUBCASE("unterminated quote") {
        auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                      "t TXT \"no end\n"
                      "after A 192.0.2.1\n");
        REQUIRE_FALSE(r.diagnostics.empty());
        CHECK(r.diagnostics[0].line == 2);
        CHECK(r.diagnostics[0].rule == "parse-error");
    }
    SUBCASE("$TTL abc") {
        auto r = load("$TTL abc\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n");
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].line == 1);
        CHECK(r.zone.has_type("example.com.", rrtype::soa));
    }
    SUBCASE("a bad $ORIGIN keeps the previous origin") {
        auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                      "$ORIGIN relative\n"
                      "after A 192.0.2.1\n");
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].line == 2);
        CHECK(r.zone.has_type("after.example.com.", rrtype::a));
    }
}

TEST_CASE("loader: character-strings over 255 octets are parse errors (RFC 1035 §3.3)") {
    const std::string s255(255, 'x');
    const std::string s256(256, 'y');
    SUBCASE("quoted") {
        auto r = load("t TXT \"" + s256 + "\"\n");
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].line == 1);
        CHECK(r.diagnostics[0].message.find("256 octets") != std::string::npos);
    }
    SUBCASE("bare") {
        auto r = load("\nt TXT " + s256 + "\n");
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].line == 2);
    }
    SUBCASE("exactly 255 is fine, also with escapes counted as one octet") {
        auto r = load("t TXT \"" + s255 + "\"\nu TXT \"\\065" + std::string(254, 'z') + "\"\n");
        CHECK(r.diagnostics.empty());
    }
    SUBCASE("in an SPF record") {
        auto r = load("t SPF \"" + s256 + "\"\n");
        REQUIRE(r.diagnostics.size() == 1);
    }
}

TEST_CASE("loader: an MX exchange written as an IPv6 literal is mx-target-is-ip") {
    auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                  "@ MX 10 2001:db8::25\n"
                  "@ MX 20 mx1\n");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].rule == "mx-target-is-ip");
    CHECK(r.diagnostics[0].severity == Severity::error);
    CHECK(r.diagnostics[0].line == 2);
    CHECK(r.zone.records_at("example.com.", rrtype::mx).size() == 1);
}

TEST_CASE("loader: owners outside the zone and other classes are refused") {
    auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                  "www.example.net. A 192.0.2.1\n"
                  "ch CH TXT \"x\"\n");
    REQUIRE(r.diagnostics.size() == 2);
    CHECK(r.diagnostics[0].line == 2);
    CHECK(r.diagnostics[0].message.find("outside the zone") != std::string::npos);
    CHECK(r.diagnostics[1].line == 3);
    CHECK_FALSE(r.zone.exists("www.example.net."));
}

TEST_CASE("loader: CRLF line ends read like LF") {
    auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\r\nwww A 192.0.2.1\r\n");
    CHECK(r.diagnostics.empty());
    REQUIRE(first(r.zone, "www.example.com.", rrtype::a));
    CHECK(first(r.zone, "www.example.com.", rrtype::a)->line == 2);
}

TEST_CASE("loader: $INCLUDE is relative to the including file and keeps the includer's origin") {
    auto r = load_zone_file(data + "/zones/include/main.valid.zone", "example.com.");
    CHECK(r.diagnostics.empty());
    const Record* mx2 = first(r.zone, "mx2.example.com.", rrtype::a);
    REQUIRE(mx2);
    CHECK(mx2->line == 3);
    CHECK(r.zone.file(*mx2).ends_with("sub/hosts.inc"));
    CHECK(r.zone.has_type("www.other.example.com.", rrtype::a));
    // The include's origin does not leak back into the includer.
    const Record* after = first(r.zone, "after.example.com.", rrtype::a);
    REQUIRE(after);
    CHECK(after->line == 8);
}

TEST_CASE("loader: include loops and missing includes are errors with the chain") {
    SUBCASE("loop") {
        auto r = load_zone_file(data + "/zones/include/loop.invalid.zone", "example.com.");
        REQUIRE(r.diagnostics.size() == 1);
        const auto& d = r.diagnostics[0];
        CHECK(d.rule == "parse-error");
        CHECK(d.file.ends_with("sub/loop_b.inc"));
        CHECK(d.line == 2);
        CHECK(d.message.find("include loop") != std::string::npos);
        CHECK(d.message.find("loop_a.inc:2") != std::string::npos);
        CHECK(d.message.find("loop.invalid.zone:3") != std::string::npos);
        // Everything around the loop still loads.
        CHECK(r.zone.exists("a.example.com."));
        CHECK(r.zone.exists("b.example.com."));
        CHECK(r.zone.exists("tail.example.com."));
    }
    SUBCASE("missing") {
        auto r = load_zone_file(data + "/zones/include/missing.invalid.zone", "example.com.");
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].line == 3);
        CHECK(r.diagnostics[0].message.find("No such file") != std::string::npos);
        CHECK(r.zone.exists("tail.example.com."));
    }
}

TEST_CASE("loader: hostile input gives findings, never a crash") {
    SUBCASE("empty") {
        auto r = load("");
        CHECK(r.diagnostics.empty());
        CHECK(r.zone.records().empty());
    }
    SUBCASE("comments only") {
        auto r = load("; nothing\n;\n\n");
        CHECK(r.diagnostics.empty());
        CHECK(r.zone.records().empty());
    }
    SUBCASE("binary garbage and NUL bytes") {
        std::string junk;
        for (int i = 0; i < 4096; ++i) {
            junk += static_cast<char>((i * 131) % 256);
        }
        auto r = load(junk);
        CHECK_FALSE(r.diagnostics.empty());
        for (const auto& d : r.diagnostics) {
            CHECK(d.rule == "parse-error");
            for (const char c : d.message) {
                CHECK(static_cast<unsigned char>(c) < 0x80); // messages stay ASCII
            }
        }
    }
    SUBCASE("a one-megabyte line") {
        auto r = load("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\nx A " +
                      std::string(1 << 20, '9') + "\ny A 192.0.2.1\n");
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].line == 2);
        CHECK(r.diagnostics[0].message.size() < 200);
        CHECK(r.zone.exists("y.example.com."));
    }
    SUBCASE("many bad lines stop after a cap") {
        std::string text;
        for (int i = 0; i < 5000; ++i) {
            text += "bad A 999.0.0.1\n";
        }
        auto r = load(text);
        CHECK(r.diagnostics.size() == 1001);
        CHECK(r.diagnostics.back().message.find("more than 1000 errors") != std::string::npos);
    }
}

TEST_CASE("loader: origin from $ORIGIN or from the file name") {
    CHECK(origin_from_text("; hi\n$TTL 300\n$ORIGIN Example.org.\n@ SOA x y 1 2 3 4 5\n") ==
          "example.org.");
    CHECK_FALSE(origin_from_text("@ SOA x y 1 2 3 4 5\n$ORIGIN example.org.\n"));
    CHECK(origin_from_file_name("zones/example.com.zone") == "example.com.");
    CHECK(origin_from_file_name("example.com.db") == "example.com.");
    CHECK(origin_from_file_name("/etc/bind/db.example.com") == "example.com.");
    CHECK(origin_from_file_name("example.com") == "example.com.");
    CHECK_FALSE(origin_from_file_name("zonefile"));
    // $ORIGIN wins over the file name; the file name serves when there is none.
    CHECK(implied_origin("$ORIGIN example.org.\n", "example.com.zone") == "example.org.");
    CHECK(implied_origin("@ SOA x y 1 2 3 4 5\n", "example.com.zone") == "example.com.");
    CHECK_FALSE(implied_origin("@ SOA x y 1 2 3 4 5\n", "zonefile"));
    CHECK_FALSE(origin_from_file_name("my zone.txt.zone"));
}

TEST_CASE("loader: inline suppressions are collected with their line") {
    auto r = load("a A 192.0.2.1 ; mxlint: disable=mx-single,spf-missing\n"
                  "; mxlint: disable=mx-target-cname\n"
                  "b TXT \"mxlint: disable=not-a-comment\"\n");
    REQUIRE(r.suppressions.size() == 2);
    CHECK(r.suppressions[0].line == 1);
    CHECK(r.suppressions[0].rules == std::vector<std::string>{"mx-single", "spf-missing"});
    CHECK(r.suppressions[1].line == 2);
}
