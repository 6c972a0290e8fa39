// Tests of rule group dmarc (RFC 7489).
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

std::vector<Diagnostic> dmarc_findings(std::string_view records) {
    return test::with_prefix(test::run(records), "dmarc-");
}

std::string dmarc_txt(std::string_view text) {
    return "_dmarc IN TXT \"" + std::string{text} + "\"\n";
}

} // namespace

TEST_CASE("dmarc: well-formed records yield no dmarc finding") {
    // Every tag of RFC 7489 section 6.3 with a valid value.
    constexpr std::string_view every_tag =
        "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=50; fo=0:1:d:s; rf=afrf; "
        "ri=86400; rua=mailto:dmarc@example.com,mailto:agg@example.net!10m; "
        "ruf=mailto:forensic@example.com";
    const std::vector<std::string_view> records{
        every_tag,
        "v=DMARC1; p=none",
        "v=DMARC1;p=reject;",
        "v = DMARC1 ; p = quarantine ; ",
        "v=DMARC1\t;\tp=none",
        "v=DMARC1; p=None; sp=REJECT; adkim=S",
        "v=DMARC1; p=none; pct=0; ri=4294967295; fo = 1 : d",
        "v=DMARC1; p=none; rua=mailto:a@example.com , https://reports.example.net/dmarc!100",
        "v=DMARC1; p=none; np=reject; future_tag=anything",
    };
    for (const auto record : records) {
        CAPTURE(record);
        CHECK(
            dmarc_findings("@ IN MX 10 mail\nmail IN A 192.0.2.25\n" + dmarc_txt(record)).empty());
    }
}

TEST_CASE("dmarc: a record that breaks the RFC 7489 section 6.4 syntax is invalid") {
    struct Row {
        std::string_view record;
        std::string_view reason; // part of the message
    };
    const std::vector<Row> rows{
        {"v=DMARC1", "'p'"},
        {"v=DMARC1; rua=mailto:dmarc@example.com", "the required tag 'p'"},
        {"v=DMARC1; sp=reject; p=none", "'p' must directly follow"},
        {"v=DMARC1; p=block", "p='block'"},
        {"v=DMARC1; p=", "p=''"},
        {"v=DMARC1; p=none; sp=deny", "sp='deny'"},
        {"v=DMARC1; p=none; adkim=relaxed", "adkim='relaxed'"},
        {"v=DMARC1; p=none; aspf=x", "aspf='x'"},
        {"v=DMARC1; p=none; pct=101", "pct='101'"},
        {"v=DMARC1; p=none; pct=-1", "pct='-1'"},
        {"v=DMARC1; p=none; pct=50%", "pct='50%'"},
        {"v=DMARC1; p=none; pct=", "pct=''"},
        {"v=DMARC1; p=none; ri=1d", "ri='1d'"},
        {"v=DMARC1; p=none; ri=4294967296", "ri='4294967296'"},
        {"v=DMARC1; p=none; fo=2", "fo='2'"},
        {"v=DMARC1; p=none; fo=0,1", "fo='0,1'"},
        {"v=DMARC1; p=none; rf=iodef", "rf='iodef'"},
        {"v=DMARC1; p=none; rua=dmarc@example.com", "'dmarc@example.com' has no URI scheme"},
        {"v=DMARC1; p=none; ruf=mailto:", "'mailto:'"},
        {"v=DMARC1; p=none; rua=mailto:a@example.com,", "'' has no URI scheme"},
        {"v=DMARC1; p=none; rua=mailto:a@example.com!10x", "size limit '!10x'"},
        {"v=DMARC1; p=none; rua=mailto:a@example.com!", "size limit '!'"},
        {"v=DMARC1; p=none; rua=", "'' has no URI scheme"},
        {"v=dmarc1; p=none", "version 'dmarc1' must be exactly 'DMARC1'"},
        {"v=DMARC1; p=none; p=reject", "tag 'p' appears more than once"},
        {"v=DMARC1; p=none; v=DMARC1", "tag 'v' appears more than once"},
        {"v=DMARC1; p=none; rua", "'rua' is not a tag=value pair"},
        {"v=DMARC1; p=none; 1x=y", "'1x' is not a valid tag name"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.record);
        const auto found = run(dmarc_txt(row.record), "dmarc-invalid");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(found[0].owner == "_dmarc.example.com.");
        CHECK(contains(found[0].message, "cannot use DMARC record at '_dmarc.example.com.'"));
        CHECK(contains(found[0].message, row.reason));
    }
}

TEST_CASE("dmarc: a version without its semicolon swallows the next tag") {
    // "v=DMARC1 p=none" is one tag v with the value "DMARC1 p=none", and then p is missing.
    const auto found = run(dmarc_txt("v=DMARC1 p=none"), "dmarc-invalid");
    REQUIRE(found.size() == 2);
    CHECK(found[0].line == 5);
    CHECK(contains(found[0].message, "version 'DMARC1 p=none' must be exactly 'DMARC1'"));
    CHECK(contains(found[1].message, "the required tag 'p'"));
}

TEST_CASE("dmarc: every problem of a record is reported") {
    const auto found = run(dmarc_txt("v=DMARC1; p=none; adkim=x; aspf=y"), "dmarc-invalid");
    REQUIRE(found.size() == 2);
    CHECK(contains(found[0].message, "adkim='x'"));
    CHECK(contains(found[1].message, "aspf='y'"));
}

TEST_CASE("dmarc: v=DMARC1 must be the first tag (RFC 7489 section 6.6.3)") {
    SUBCASE("a record with the version later is discarded by receivers: invalid") {
        const auto found = run(dmarc_txt("p=reject; v=DMARC1"), "dmarc-invalid");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "must begin with 'v=DMARC1'"));
        CHECK(contains(found[0].message, "'p=reject; v=DMARC1'"));
    }
    SUBCASE("leading spaces before the version make receivers discard it too") {
        const auto found = run(dmarc_txt("  v=DMARC1; p=reject"), "dmarc-invalid");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "must begin with 'v=DMARC1'"));
    }
    SUBCASE("other TXT records at _dmarc are discarded and ignored") {
        CHECK(dmarc_findings(dmarc_txt("v=DMARC1; p=none") + dmarc_txt("site-verification=abc") +
                             dmarc_txt("v=spf1 -all"))
                  .empty());
    }
}

TEST_CASE("dmarc: strings of one record are joined without a separator") {
    SUBCASE("a split inside a tag is fine") {
        CHECK(run("_dmarc IN TXT \"v=DMARC1; p=rej\" \"ect; rua=mailto:d@example.com\"\n",
                  "dmarc-invalid")
                  .empty());
    }
    SUBCASE("a split that drops the ';' glues two tags") {
        const auto found = run(
            "_dmarc IN TXT \"v=DMARC1; p=reject\" \"rua=mailto:d@example.com\"\n", "dmarc-invalid");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "p='rejectrua=mailto:d@example.com'"));
    }
}

TEST_CASE("dmarc: more than one DMARC record at _dmarc (RFC 7489 section 6.6.3)") {
    SUBCASE("the second record is reported with the count") {
        const auto found = run(dmarc_txt("v=DMARC1; p=none") + dmarc_txt("v=DMARC1; p=reject"),
                               "dmarc-multiple-records");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 6);
        CHECK(contains(found[0].message, "cannot publish 2 DMARC records at "
                                         "'_dmarc.example.com.'"));
    }
    SUBCASE("an invalid second record still counts") {
        const auto found = run(dmarc_txt("v=DMARC1; p=none") + dmarc_txt("v=DMARC1; p=bad") +
                                   dmarc_txt("v=DMARC1"),
                               "dmarc-multiple-records");
        REQUIRE(found.size() == 2);
        CHECK(found[0].line == 6);
        CHECK(found[1].line == 7);
        CHECK(contains(found[1].message, "cannot publish 3 DMARC records"));
    }
    SUBCASE("one record per _dmarc name is fine") {
        CHECK(run(dmarc_txt("v=DMARC1; p=none") + "_dmarc.sub IN TXT \"v=DMARC1; p=none\"\n" +
                      dmarc_txt("not dmarc"),
                  "dmarc-multiple-records")
                  .empty());
    }
}

TEST_CASE("dmarc: a DMARC record outside _dmarc is never queried (RFC 7489 section 6.1)") {
    SUBCASE("at the apex and at a look-alike label") {
        const auto found = run("@ IN TXT \"v=DMARC1; p=reject\"\n"
                               "dmarc IN TXT \"v=DMARC1; p=reject\"\n"
                               "_dmarc.sub IN TXT \"v=DMARC1; p=reject\"\n",
                               "dmarc-wrong-location");
        REQUIRE(found.size() == 2);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "'example.com.'"));
        CHECK(contains(found[0].message, "'_dmarc.example.com.'"));
        CHECK(found[1].line == 6);
        CHECK(contains(found[1].message, "'_dmarc.dmarc.example.com.'"));
    }
    SUBCASE("external report authorisations under _report._dmarc are not policies") {
        // RFC 7489 section 7.1: example.net authorises reports for example.org with a bare
        // "v=DMARC1" at example.org._report._dmarc.<its domain>.
        CHECK(dmarc_findings("example.org._report._dmarc IN TXT \"v=DMARC1\"\n"
                             "*._report._dmarc IN TXT \"v=DMARC1;\"\n")
                  .empty());
    }
    SUBCASE("a version tag split over strings or after long blanks is still DMARC") {
        const std::string blanks(40, ' ');
        const auto found = run("mail IN TXT \"v\" \"=DM\" \"ARC1; p=reject\"\n"
                               "www IN TXT \"v" +
                                   blanks + "=" + blanks + "DMARC1; p=none\"\n" +
                                   "ftp IN TXT \"v=" + blanks + "DMARCX; p=none\"\n",
                               "dmarc-wrong-location");
        REQUIRE(found.size() == 2);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "'_dmarc.mail.example.com.'"));
        CHECK(found[1].line == 6);
        CHECK(contains(found[1].message, "'_dmarc.www.example.com.'"));
    }
    SUBCASE("records under _dmarc and other TXT elsewhere are fine") {
        CHECK(run(dmarc_txt("v=DMARC1; p=none") + "@ IN TXT \"v=spf1 -all\"\n" +
                      "@ IN TXT \"see v=DMARC1 at _dmarc\"\n",
                  "dmarc-wrong-location")
                  .empty());
    }
}

TEST_CASE("dmarc: a mail domain without DMARC gets advice") {
    SUBCASE("reported at the first MX record of the name") {
        const auto found = run("mail IN A 192.0.2.25\n"
                               "@ IN MX 10 mail\n"
                               "@ IN MX 20 mail\n",
                               "dmarc-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::info);
        CHECK(found[0].line == 6);
        CHECK(contains(found[0].message, "'_dmarc.example.com.'"));
    }
    SUBCASE("a subdomain without its own record and without one at the apex") {
        const auto found = run("mail IN A 192.0.2.25\n"
                               "sub IN MX 10 mail\n",
                               "dmarc-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 6);
        CHECK(found[0].owner == "sub.example.com.");
        CHECK(contains(found[0].message, "'_dmarc.sub.example.com.' nor at '_dmarc.example.com.'"));
    }
    SUBCASE("the organisational domain's record covers subdomains") {
        CHECK(run("mail IN A 192.0.2.25\n"
                  "@ IN MX 10 mail\n"
                  "sub IN MX 10 mail\n" +
                      dmarc_txt("v=DMARC1; p=reject"),
                  "dmarc-missing")
                  .empty());
    }
    SUBCASE("a subdomain's own record is enough") {
        CHECK(run("mail IN A 192.0.2.25\n"
                  "sub IN MX 10 mail\n"
                  "_dmarc.sub IN TXT \"v=DMARC1; p=reject\"\n",
                  "dmarc-missing")
                  .empty());
    }
    SUBCASE("a record that is not DMARC does not count") {
        const auto found = run("mail IN A 192.0.2.25\n"
                               "@ IN MX 10 mail\n" +
                                   dmarc_txt("p=reject"),
                               "dmarc-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 6);
    }
    SUBCASE("an alias at _dmarc hands the policy elsewhere") {
        CHECK(run("mail IN A 192.0.2.25\n"
                  "@ IN MX 10 mail\n"
                  "_dmarc IN CNAME _dmarc.example.net.\n",
                  "dmarc-missing")
                  .empty());
    }
    SUBCASE("null MX or no MX needs no DMARC advice") {
        CHECK(run("@ IN MX 0 .\nweb IN A 192.0.2.80\n", "dmarc-missing").empty());
    }
}
