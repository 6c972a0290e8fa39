// Tests of the input rules (RULES.md "Input").
// SPDX-License-Identifier: MIT
#include "../../test_zone.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mxsteer::lint;
using mxsteer::lint::test::lint;
using mxsteer::lint::test::only;
using mxsteer::lint::test::soa;

TEST_CASE("input: a zone without SOA at the apex (RFC 1035 §5.2)") {
    auto found = only(lint("www A 192.0.2.1\nsub SOA ns1 h 1 2 3 4 5\n"), "zone-missing-soa");
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == Severity::error);
    CHECK(found[0].line == 0); // about the whole file
    CHECK(only(lint(std::string{soa}), "zone-missing-soa").empty());
    CHECK(only(lint(""), "zone-missing-soa").size() == 1);
}

TEST_CASE("input: a CNAME owner with other data (RFC 1034 §3.6.2, RFC 2181 §10.1)") {
    auto found = only(lint(std::string{soa} +
                           "www CNAME web\n"   // 5
                           "www TXT \"x\"\n"   // 6
                           "web A 192.0.2.1\n" // 7
                           "two CNAME web\n"   // 8
                           "two CNAME www\n"   // 9
                           "ok CNAME web\n"    // 10
                           "ok RRSIG A 8 3 300 20300101000000 20200101000000 1 example.com. "
                           "AAAA\n"), // 11: DNSSEC types may stand beside a CNAME
                      "cname-and-other-data");
    REQUIRE(found.size() == 2);
    CHECK(found[0].line == 6);
    CHECK(found[0].severity == Severity::error);
    CHECK(found[0].message.find("TXT") != std::string::npos);
    CHECK(found[1].line == 9);
    CHECK(found[1].message.find("more than one CNAME") != std::string::npos);
}
