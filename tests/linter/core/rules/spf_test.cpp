// Tests of rule group spf (RFC 7208).
// SPDX-License-Identifier: MIT
#include "../../test_zone.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::lint;
using mxsteer::lint::test::contains;
using mxsteer::lint::test::run;

namespace {

// Every spf-* finding: a clean policy must produce none.
std::vector<Diagnostic> spf_findings(std::string_view records) {
    return test::with_prefix(test::run(records), "spf-");
}

// A TXT record line for the apex.
std::string apex_txt(std::string_view text) {
    return "@ IN TXT \"" + std::string{text} + "\"\n";
}

} // namespace

TEST_CASE("spf: a well-formed policy yields no spf finding") {
    const auto found = spf_findings("@ IN MX 10 mail\n"
                                    "mail IN A 192.0.2.25\n"
                                    "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a "
                                    "mx:example.net//64 include:_spf.example.net "
                                    "exists:%{ir}.%{l1r+-}._spf.%{d} exp=explain._spf.%{d} "
                                    "-all\"\n"
                                    "@ IN TXT \"unrelated verification token\"\n");
    CHECK(found.empty());
}

TEST_CASE("spf: every term form of the RFC 7208 section 12 ABNF parses") {
    // Each variant is a valid term; wrapping it in a record must not raise spf-syntax-error.
    const std::vector<std::string_view> terms{
        "all",
        "-all",
        "~all",
        "?ALL",
        "include:example.net",
        "include:example.net.",
        "INCLUDE:_spf.example.net",
        "+a",
        "a/24",
        "a//64",
        "a/24//64",
        "a:example.net",
        "a:example.net/24//64",
        "mx",
        "mx:%{d}",
        "mx:mail.%{d2}/28",
        "ip4:192.0.2.1",
        "ip4:0.0.0.0/0",
        "ip4:198.51.100.0/32",
        "ip6:2001:db8::1",
        "ip6:2001:db8::/32",
        "ip6:::ffff:192.0.2.1/128",
        "ip6:2001:DB8:0:0:0:0:0:1",
        "exists:%{i}._spf.example.net",
        "exists:%{ir}.%{v}.%{L}._spf.%{d}",
        "exists:%{l}%%%_%-.example.net",
        "redirect=_spf.example.net",
        "exp=explain.example.net",
        "custom-modifier=anything%{c}goes",
        "x.y_z=",
        "v2.test=literal",
        "include:123-456.example",
    };
    for (const auto term : terms) {
        CAPTURE(term);
        const auto found = run(apex_txt("v=spf1 " + std::string{term}), "spf-syntax-error");
        CHECK(found.empty());
    }
    SUBCASE("a bare version is a valid policy (neutral)") {
        CHECK(run(apex_txt("v=spf1"), "spf-syntax-error").empty());
    }
    SUBCASE("the version is case-insensitive and extra spaces are allowed") {
        CHECK(run(apex_txt("V=SPF1   mx    -all  "), "spf-syntax-error").empty());
    }
}

TEST_CASE("spf: a term that does not parse is a syntax error quoting the term") {
    struct Row {
        std::string_view term;
        std::string_view reason; // part of the message
    };
    const std::vector<Row> rows{
        {"ip4:192.0.2.300", "not an IPv4 address"},
        {"ip4:192.0.2", "not an IPv4 address"},
        {"ip4:192.0.2.01", "not an IPv4 address"},
        {"ip4:192.0.2.0/33", "prefix"},
        {"ip4:192.0.2.0/024", "prefix"},
        {"ip4:192.0.2.0/", "prefix"},
        {"ip4:2001:db8::1", "not an IPv4 address"},
        {"ip4", "'ip4' needs"},
        {"ip6:2001:db8::zz", "not an IPv6 address"},
        {"ip6:192.0.2.1", "not an IPv6 address"},
        {"ip6:2001:db8::/129", "prefix"},
        {"a/33", "prefix length"},
        {"a//129", "prefix length"},
        {"mx:example.net/24/24", "prefix length"},
        {"a:example.net//", "prefix length"},
        {"include", "needs ':' and a domain"},
        {"include:", "domain is missing"},
        {"include:example", "top-level label"},
        {"include:example.123", "top-level label"},
        {"include:example.-net", "top-level label"},
        {"include:example..net", "empty label"},
        {"include=example.net", "takes ':' not '='"},
        {"all:example.net", "takes no argument"},
        {"all/24", "takes no argument"},
        {"ptr/24", "optional ':' and a domain"},
        {"ip:192.0.2.1", "not a mechanism"},
        {"mx.example.net", "not a mechanism"},
        {"spf2.0/pra", "not a mechanism"},
        {"-redirect=example.net", "cannot take a qualifier"},
        {"redirect=", "domain is missing"},
        {"exists:%{x}.example.net", "macro letter"},
        {"exists:%{c}.example.net", "macro letter"},
        {"exists:%{d0}.example.net", "nonzero"},
        {"exists:%{d2q}.example.net", "delimiter"},
        {"exists:%{d.example.net", "no closing"},
        {"exists:%d.example.net", "is not a macro"},
        {"exists:example.net%", "must start a macro"},
        {"1abc", "starts with a mechanism name"},
        {"=value", "starts with a mechanism name"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.term);
        const auto found =
            run(apex_txt("v=spf1 " + std::string{row.term} + " -all"), "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(found[0].owner == "example.com.");
        CHECK(contains(found[0].message, "'" + std::string{row.term} + "'"));
        CHECK(contains(found[0].message, row.reason));
    }
}

TEST_CASE("spf: each bad term of a record is reported") {
    const auto found =
        run(apex_txt("v=spf1 ip4:192.0.2.256 mx ip6:2001:db8:::1 -all"), "spf-syntax-error");
    REQUIRE(found.size() == 2);
    CHECK(contains(found[0].message, "'ip4:192.0.2.256'"));
    CHECK(contains(found[1].message, "'ip6:2001:db8:::1'"));
}

TEST_CASE("spf: redirect and exp may appear only once (RFC 7208 section 6)") {
    SUBCASE("two redirects") {
        const auto found = run(apex_txt("v=spf1 redirect=_spf.example.net redirect=example.org"),
                               "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "'redirect=example.org'"));
        CHECK(contains(found[0].message, "only once"));
    }
    SUBCASE("two exp, names differently cased") {
        const auto found =
            run(apex_txt("v=spf1 exp=a.example.net EXP=b.example.net -all"), "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "'EXP=b.example.net'"));
    }
    SUBCASE("one of each is fine") {
        CHECK(run(apex_txt("v=spf1 mx exp=a.example.net redirect=_spf.example.net"),
                  "spf-syntax-error")
                  .empty());
    }
}

TEST_CASE("spf: strings of one record are joined without a separator (RFC 7208 section 3.3)") {
    SUBCASE("a split without a space glues two terms into one bad term") {
        const auto found =
            run("@ IN TXT \"v=spf1 ip4:192.0.2.0/24\" \"-all\"\n", "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "'ip4:192.0.2.0/24-all'"));
    }
    SUBCASE("a split that keeps the space is fine") {
        const auto all = run("@ IN TXT \"v=spf1 ip4:192.0.2.0/24 \" \"-all\"\n");
        CHECK(test::only(all, "spf-syntax-error").empty());
        // The joined record ends in "-all", so it is not a pass-all or missing-all policy.
        CHECK(test::only(all, "spf-pass-all").empty());
    }
    SUBCASE("a split right after the version makes receivers ignore the record") {
        const auto all = run("@ IN MX 10 mail\n"
                             "mail IN A 192.0.2.25\n"
                             "@ IN TXT \"v=spf1\" \"include:_spf.example.net -all\"\n");
        const auto found = test::only(all, "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 7);
        CHECK(contains(found[0].message, "'v=spf1include:_spf.example.net -all'"));
        CHECK(contains(found[0].message, "followed by a space"));
        // The record is already reported; spf-missing would repeat it.
        CHECK(test::only(all, "spf-missing").empty());
    }
    SUBCASE("a split inside the version tag still makes an SPF record") {
        // Joined: "v=spf1 +all", in any case of the tag.
        for (const std::string text :
             {"\"v=sp\" \"f1 +all\"", "\"V\" \"=S\" \"Pf1 +all\"", "\"\" \"v=spf1 +all\""}) {
            CAPTURE(text);
            const auto found = run("@ IN TXT " + text + "\n", "spf-pass-all");
            REQUIRE(found.size() == 1);
            CHECK(found[0].line == 5);
        }
        // ... and a split tag followed by no space is the near miss.
        const auto found = run("@ IN TXT \"v=s\" \"pf1mx\"\n", "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "followed by a space"));
    }
    SUBCASE("a multi-line record split across parentheses is reported at its first line") {
        const auto found = run("@ IN TXT ( \"v=spf1 mx\"\n"
                               "           \" ip4:192.0.2.0/24\"\n"
                               "           \" ip4:198.51.100.0/33 -all\" )\n",
                               "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "'ip4:198.51.100.0/33'"));
    }
}

TEST_CASE("spf: only TXT records that are exactly v=spf1 or begin with 'v=spf1 ' are SPF") {
    // RFC 7208 section 4.5: other TXT records are not SPF and are not checked.
    const auto found = spf_findings(apex_txt("v=spf10 +all") + apex_txt("spf1 +all") +
                                    apex_txt(" v=spf1 +all") + apex_txt("x v=spf1 +all"));
    // "v=spf10" starts with the version but lacks the space: a near miss, reported once.
    REQUIRE(found.size() == 1);
    CHECK(found[0].rule == "spf-syntax-error");
    CHECK(found[0].line == 5);
}

TEST_CASE("spf: more than one SPF record at a name") {
    SUBCASE("two records: the second is reported with the count") {
        const auto found =
            run(apex_txt("v=spf1 mx -all") + apex_txt("v=spf1 a -all"), "spf-multiple-records");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 6);
        CHECK(found[0].owner == "example.com.");
        CHECK(contains(found[0].message, "cannot publish 2 SPF records at 'example.com.'"));
    }
    SUBCASE("three records: the second and third are reported") {
        const auto found = run(apex_txt("v=spf1 mx -all") + apex_txt("other text") +
                                   apex_txt("V=SPF1 a -all") + apex_txt("v=spf1"),
                               "spf-multiple-records");
        REQUIRE(found.size() == 2);
        CHECK(found[0].line == 7);
        CHECK(found[1].line == 8);
        CHECK(contains(found[0].message, "cannot publish 3 SPF records"));
    }
    SUBCASE("one SPF record per name and other TXT beside it are fine") {
        const auto found =
            run(apex_txt("v=spf1 mx -all") + apex_txt("not spf") + "sub IN TXT \"v=spf1 -all\"\n",
                "spf-multiple-records");
        CHECK(found.empty());
    }
}

namespace {

// "v=spf1 a:h1.example.net a:h2.example.net ... -all" with `count` lookup terms.
std::string lookups(int count, std::string_view prefix = "v=spf1") {
    std::string text{prefix};
    for (int i = 1; i <= count; ++i) {
        text += " a:h" + std::to_string(i) + ".example.net";
    }
    return text;
}

} // namespace

TEST_CASE("spf: more than 10 DNS-querying terms (RFC 7208 section 4.6.4)") {
    SUBCASE("10 terms are at the limit") {
        CHECK(run(apex_txt(lookups(10) + " -all"), "spf-too-many-lookups").empty());
    }
    SUBCASE("11 terms exceed it") {
        const auto found = run(apex_txt(lookups(11) + " -all"), "spf-too-many-lookups");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "needs 11"));
    }
    SUBCASE("each querying kind counts: include a mx ptr exists redirect") {
        // 2 include + 2 a + 2 mx + 2 ptr + 2 exists + redirect = 11; ip4/ip6/exp/all don't.
        const auto found = run(apex_txt("v=spf1 include:a.example.net include:b.example.net a "
                                        "a:example.net mx mx:example.net ptr ptr:example.net "
                                        "exists:x.example.net exists:%{i}.example.net "
                                        "ip4:192.0.2.1 ip6:2001:db8::1 exp=e.example.net "
                                        "redirect=c.example.net"),
                               "spf-too-many-lookups");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "needs 11"));
        // Two include targets and the redirect target are outside the zone.
        CHECK(contains(found[0].message, "3 include/redirect targets outside the zone"));
    }
    SUBCASE("ip4, ip6, all and exp do not query DNS") {
        CHECK(run(apex_txt(lookups(10) + " ip4:192.0.2.1 ip6:2001:db8::1 exp=e.example.net -all"),
                  "spf-too-many-lookups")
                  .empty());
    }
    SUBCASE("in-zone includes are followed and their terms added") {
        // apex: 1 include + 2 = 3, _spf: 9, total 12. _spf alone needs 9: fine.
        const auto found = run(apex_txt("v=spf1 include:_spf.example.com a mx -all") +
                                   "_spf IN TXT \"" + lookups(9) + " -all\"\n",
                               "spf-too-many-lookups");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(found[0].owner == "example.com.");
        CHECK(contains(found[0].message, "needs 12"));
        CHECK(!contains(found[0].message, "outside the zone"));
    }
    SUBCASE("nested in-zone includes are followed recursively, and repeats count each time") {
        // apex -> _a (twice) -> _b; _b has 4, _a = 1 + 4 = 5 (+1 own include) ... computed:
        // _b: 4; _a: include:_b (1+4) = 5; apex: 2 x include:_a (1+5) = 12.
        const auto found = run(apex_txt("v=spf1 include:_a.example.com include:_a.example.com "
                                        "-all") +
                                   "_a IN TXT \"v=spf1 include:_b.example.com -all\"\n" +
                                   "_b IN TXT \"" + lookups(4) + " -all\"\n",
                               "spf-too-many-lookups");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "needs 12"));
    }
    SUBCASE("a redirect target in the zone is followed") {
        const auto found = run(apex_txt("v=spf1 redirect=_spf.example.com") + "_spf IN TXT \"" +
                                   lookups(10) + " -all\"\n",
                               "spf-too-many-lookups");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "needs 11"));
    }
    SUBCASE("a redirect is ignored when the record has all (RFC 7208 section 6.1)") {
        CHECK(run(apex_txt("v=spf1 mx redirect=_spf.example.com -all") + "_spf IN TXT \"" +
                      lookups(10) + " -all\"\n",
                  "spf-too-many-lookups")
                  .empty());
    }
    SUBCASE("terms after all are never evaluated, so they query nothing") {
        CHECK(run(apex_txt("v=spf1 -all " + lookups(11, "")), "spf-too-many-lookups").empty());
    }
    SUBCASE("targets outside the zone count only the term itself") {
        CHECK(run(apex_txt("v=spf1 include:_spf.example.net include:example.org " + lookups(8, "") +
                           " -all"),
                  "spf-too-many-lookups")
                  .empty());
    }
    SUBCASE("an in-zone target without SPF adds nothing but its own term") {
        CHECK(run(apex_txt("v=spf1 include:nospf.example.com " + lookups(9, "") + " -all") +
                      "nospf IN A 192.0.2.1\n",
                  "spf-too-many-lookups")
                  .empty());
    }
    SUBCASE("an include loop is reported at every record on it") {
        const auto found = run("@ IN TXT \"v=spf1 include:_a.example.com -all\"\n"
                               "_a IN TXT \"v=spf1 include:_b.example.com -all\"\n"
                               "_b IN TXT \"v=spf1 redirect=example.com\"\n",
                               "spf-too-many-lookups");
        REQUIRE(found.size() == 3);
        CHECK(found[0].line == 5);
        CHECK(found[1].line == 6);
        CHECK(found[2].line == 7);
        CHECK(found[0].severity == Severity::error);
        CHECK(contains(found[0].message, "loop 'example.com.' -> '_a.example.com.' -> "
                                         "'_b.example.com.' -> 'example.com.'"));
    }
    SUBCASE("a record including itself is a loop") {
        const auto found =
            run(apex_txt("v=spf1 include:EXAMPLE.com. -all"), "spf-too-many-lookups");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "loop 'example.com.' -> 'example.com.'"));
    }
    SUBCASE("a graph of loops is reported without walking every path through it") {
        // Each of 40 records includes the next three: about 3^40 paths, every one ending in a
        // loop. Only the first loop found matters.
        std::string zone;
        for (int i = 0; i < 40; ++i) {
            zone += "n" + std::to_string(i) + " IN TXT \"v=spf1";
            for (int step = 1; step <= 3; ++step) {
                zone += " include:n" + std::to_string((i + step) % 40) + ".example.com";
            }
            zone += " -all\"\n";
        }
        const auto found = run(zone, "spf-too-many-lookups");
        REQUIRE(found.size() == 40);
        // From n0 the walk takes the first include of each record until it is back at n0.
        std::string loop = "loop 'n0.example.com.'";
        for (int i = 1; i < 40; ++i) {
            loop += " -> 'n" + std::to_string(i) + ".example.com.'";
        }
        CHECK(contains(found[0].message, loop + " -> 'n0.example.com.'"));
    }
    SUBCASE("a target below a zone cut is not this zone's data and is not followed") {
        CHECK(run("sub IN NS ns1.example.net.\n" +
                      apex_txt("v=spf1 include:_spf.sub.example.com " + lookups(9, "") + " -all") +
                      "_spf.sub IN TXT \"" + lookups(10) + " -all\"\n",
                  "spf-too-many-lookups")
                  .empty());
    }
}

TEST_CASE("spf: SPF published as RR type 99 is deprecated (RFC 7208 section 3.1)") {
    SUBCASE("a type SPF record is reported") {
        const auto all = run(apex_txt("v=spf1 mx -all") + "@ IN SPF \"v=spf1 +all\"\n");
        const auto found = test::only(all, "spf-rrtype-deprecated");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 6);
        CHECK(contains(found[0].message, "'example.com.'"));
        // Only its type is reported: receivers never read its text.
        CHECK(test::only(all, "spf-pass-all").empty());
        CHECK(test::only(all, "spf-multiple-records").empty());
    }
    SUBCASE("TXT alone is fine") {
        CHECK(run(apex_txt("v=spf1 mx -all"), "spf-rrtype-deprecated").empty());
    }
}

TEST_CASE("spf: the ptr mechanism should not be published (RFC 7208 section 5.5)") {
    SUBCASE("ptr in any form is reported") {
        for (const std::string_view term : {"ptr", "?ptr", "ptr:example.net", "-PTR"}) {
            CAPTURE(term);
            const auto found =
                run(apex_txt("v=spf1 mx " + std::string{term} + " -all"), "spf-ptr-mechanism");
            REQUIRE(found.size() == 1);
            CHECK(found[0].severity == Severity::warning);
            CHECK(found[0].line == 5);
            CHECK(contains(found[0].message, "'" + std::string{term} + "'"));
        }
    }
    SUBCASE("a domain that merely contains 'ptr' is fine") {
        CHECK(run(apex_txt("v=spf1 a:ptr.example.net include:ptr.example.org -all"),
                  "spf-ptr-mechanism")
                  .empty());
    }
}

TEST_CASE("spf: terms after all are never evaluated (RFC 7208 section 5.1)") {
    SUBCASE("mechanisms after all") {
        const auto found = run(apex_txt("v=spf1 mx -all a ip4:192.0.2.1"), "spf-terms-after-all");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "after '-all'"));
        CHECK(contains(found[0].message, "'a', 'ip4:192.0.2.1'"));
    }
    SUBCASE("a redirect after all is ignored too (RFC 7208 section 6.1)") {
        const auto found =
            run(apex_txt("v=spf1 ~all redirect=_spf.example.net"), "spf-terms-after-all");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "'redirect=_spf.example.net'"));
    }
    SUBCASE("all as the last term, or a redirect without all, is fine") {
        CHECK(run(apex_txt("v=spf1 mx -all") + "a IN TXT \"v=spf1 mx redirect=example.net\"\n" +
                      "b IN TXT \"v=spf1 -all \"\n",
                  "spf-terms-after-all")
                  .empty());
    }
}

TEST_CASE("spf: +all authorises the whole Internet (RFC 7208 section 5.1)") {
    SUBCASE("all and +all are reported") {
        for (const std::string_view term : {"all", "+all", "+ALL"}) {
            CAPTURE(term);
            const auto found = run(apex_txt("v=spf1 mx " + std::string{term}), "spf-pass-all");
            REQUIRE(found.size() == 1);
            CHECK(found[0].severity == Severity::warning);
            CHECK(found[0].line == 5);
            CHECK(contains(found[0].message, "'" + std::string{term} + "'"));
        }
    }
    SUBCASE("-all, ~all and ?all are fine") {
        for (const std::string_view term : {"-all", "~all", "?all"}) {
            CAPTURE(term);
            CHECK(run(apex_txt("v=spf1 mx " + std::string{term}), "spf-pass-all").empty());
        }
    }
}

TEST_CASE("spf: a mail domain without SPF gets advice (RFC 7208 section 3)") {
    SUBCASE("reported at the first MX record of the name") {
        const auto found = run("@ IN MX 10 mail\n"
                               "@ IN MX 20 mail2\n"
                               "mail IN A 192.0.2.25\n"
                               "mail2 IN A 192.0.2.26\n",
                               "spf-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::info);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "'example.com.'"));
    }
    SUBCASE("a subdomain that receives mail needs its own record") {
        const auto found = run(apex_txt("v=spf1 mx -all") + "@ IN MX 10 mail\n" +
                                   "sub IN MX 10 mail\n" + "mail IN A 192.0.2.25\n",
                               "spf-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 7);
        CHECK(found[0].owner == "sub.example.com.");
    }
    SUBCASE("a type 99 record does not count as SPF") {
        const auto found = run(
            "@ IN MX 10 mail\nmail IN A 192.0.2.25\n@ IN SPF \"v=spf1 mx -all\"\n", "spf-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
    }
    SUBCASE("a name with SPF, a null MX, or no MX is fine") {
        CHECK(run(apex_txt("v=spf1 mx -all") + "@ IN MX 10 mail\n" + "mail IN A 192.0.2.25\n" +
                      "nomail IN MX 0 .\n" + "web IN A 192.0.2.80\n",
                  "spf-missing")
                  .empty());
    }
}

TEST_CASE("spf: messages quote non-ASCII record bytes as escapes") {
    const auto found = run("@ IN TXT \"v=spf1 ip4:192.0.2.1\\200 -all\"\n", "spf-syntax-error");
    REQUIRE(found.size() == 1);
    CHECK(contains(found[0].message, "'ip4:192.0.2.1\\200'"));
}

TEST_CASE("spf: file fixtures state their outcome") {
    const std::string dir = std::string{MXSTEER_TEST_DATA} + "/zones/";
    SUBCASE("split strings without a space") {
        auto loaded = load_zone_file(dir + "spf_split_strings.invalid.zone", "example.com.");
        CHECK(loaded.diagnostics.empty());
        const auto found = test::only(run_rules(loaded.zone, {}), "spf-syntax-error");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 6);
        CHECK(contains(found[0].message, "'ip4:192.0.2.0/24-all'"));
    }
    SUBCASE("split strings keeping the space") {
        auto loaded = load_zone_file(dir + "spf_split_strings.valid.zone", "example.com.");
        CHECK(loaded.diagnostics.empty());
        for (const auto& d : run_rules(loaded.zone, {})) {
            CHECK_MESSAGE(!d.rule.starts_with("spf-"), d.rule, ": ", d.message);
        }
    }
}

TEST_CASE("spf: records below a zone cut are not this zone's data (RFC 1034 section 4.2.1)") {
    SUBCASE("a delegated name's TXT is skipped") {
        CHECK(spf_findings("sub IN NS ns1.example.net.\n"
                           "sub IN TXT \"v=spf1 +all\"\n"
                           "deep.sub IN TXT \"v=spf1 ip4:192.0.2.300 -all\"\n")
                  .empty());
    }
    SUBCASE("the same records without the delegation are checked") {
        const auto found = spf_findings("sub IN TXT \"v=spf1 +all\"\n"
                                        "deep.sub IN TXT \"v=spf1 ip4:192.0.2.300 -all\"\n");
        REQUIRE(found.size() == 2);
        CHECK(found[0].rule == "spf-pass-all");
        CHECK(found[0].line == 5);
        CHECK(found[1].rule == "spf-syntax-error");
        CHECK(found[1].line == 6);
    }
}
