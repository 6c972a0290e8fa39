// Tests of rule group mta_sts (RFC 8461).
// SPDX-License-Identifier: MIT
#include "../../test_zone.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::lint;
using mxsteer::lint::test::lint;
using mxsteer::lint::test::only;
using mxsteer::lint::test::soa;

namespace {

// The test zone head (4 lines) followed by `records`: the first record is on line 5.
std::string zone(std::string_view records) {
    return std::string{soa} + std::string{records};
}

// A mail domain with one in-zone exchange and a host for the policy.
constexpr std::string_view mail = "@ IN MX 10 mx1\n"           // line 5
                                  "mx1 IN A 192.0.2.25\n"      // line 6
                                  "mta-sts IN A 192.0.2.80\n"; // line 7

LintOptions with_policy(std::string_view text, std::string file = "example.com.mta-sts.txt") {
    LintOptions options;
    options.mta_sts_policy = MtaStsPolicyText{std::move(file), std::string{text}};
    return options;
}

// Findings of every mta-sts-* rule.
std::vector<Diagnostic> mta_sts_findings(const std::vector<Diagnostic>& all) {
    std::vector<Diagnostic> out;
    for (const auto& d : all) {
        if (d.rule.starts_with("mta-sts")) {
            out.push_back(d);
        }
    }
    return out;
}

std::string read_data(const std::string& path) {
    std::ifstream in(std::string{MXSTEER_TEST_DATA} + "/" + path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<Diagnostic> lint_fixture(const std::string& name, const LintOptions& options) {
    auto loaded = load_zone_file(std::string{MXSTEER_TEST_DATA} + "/zones/" + name, "example.com.");
    CHECK(loaded.diagnostics.empty());
    return run_rules(loaded.zone, options);
}

} // namespace

TEST_CASE("mta-sts: a complete setup has no findings") {
    const auto found =
        lint(zone(std::string{mail} + "_mta-sts IN TXT \"v=STSv1; id=20240501T101500\"\n"),
             with_policy("version: STSv1\nmode: enforce\nmx: mx1.example.com\n"
                         "max_age: 604800\n"));
    CHECK(mta_sts_findings(found).empty());
}

TEST_CASE("mta-sts: txt-invalid") {
    // RFC 8461 §3.1: sts-text-record = sts-version 1*(sts-field-delim sts-field)
    // [sts-field-delim], with id = 1*32(ALPHA / DIGIT).
    struct Row {
        std::string_view rdata;   // TXT rdata in master-file syntax
        std::string_view message; // empty: valid or ignored
    };
    const Row rows[] = {
        {R"("v=STSv1; id=1")", ""},
        {R"("v=STSv1;id=20240501")", ""},
        {R"("v=STSv1; id=1;")", ""},
        {R"("v=STSv1; id=1; ext=va_lu.e")", ""},
        {R"("v=STSv1; id=abcdefghijklmnopqrstuvwxyz012345")", ""}, // 32 characters
        {R"("v=STSv1; " "id=1")", ""},                             // strings are concatenated
        {R"("v=spf1 -all")", ""}, // not an STS record: ignored (§3.1)
        {R"("site-verification=abc")", ""},
        {R"("v=STSv1")", "cannot find 'id=': expected 'v=STSv1; id=<1 to 32 letters and digits>'"},
        {R"("v=STSv1;")", "cannot find 'id=': expected 'v=STSv1; id=<1 to 32 letters and digits>'"},
        {R"("v=STSv1; ext=1")",
         "cannot find 'id=': expected 'v=STSv1; id=<1 to 32 letters and digits>'"},
        {R"("v=STSv1; id=")", "cannot use id '': expected 1 to 32 letters and digits"},
        {R"("v=STSv1; id=2024-05-01")",
         "cannot use id '2024-05-01': expected 1 to 32 letters and digits"},
        {R"("v=STSv1; id=abcdefghijklmnopqrstuvwxyz0123456")",
         "cannot use id 'abcdefghijklmnopqrstuvwxyz0123456': expected 1 to 32 letters and digits"},
        {R"("v=STSv1; id=1; id=2")",
         "cannot repeat 'id=': senders cannot tell which one identifies the policy"},
        {R"("v=STSv1; ID=1")", "cannot use 'ID=1': field names are case-sensitive, expected 'id='"},
        {R"("v=STSv1; id=1;; ext=1")",
         "cannot parse an empty field: expected 'name=value' between ';'"},
        {R"("v=STSv1; id=1; ext")", "cannot parse field 'ext': expected 'name=value'"},
        {R"("v=STSv1; id=1; ext=a=b")",
         "cannot parse field 'ext=a=b': a value is printable ASCII without ';', '=' or blanks"},
        {R"("v=STSv1 ; id=1")", "cannot put blanks between 'v=STSv1' and ';': senders discard "
                                "records that do not begin with 'v=STSv1;'"},
        {R"("v=STSv10; id=1")", "cannot use version 'v=STSv10': expected 'v=STSv1' followed by "
                                "';'"},
        // Near misses (%s"v=STSv1" is case-sensitive, RFC 7405): senders ignore them.
        {R"("v=STSv2; id=1")", "cannot use version 'v=STSv2': expected exactly 'v=STSv1' "
                               "(case-sensitive, no blanks), so senders ignore this record"},
        {R"("v=stsv1; id=1")", "cannot use version 'v=stsv1': expected exactly 'v=STSv1' "
                               "(case-sensitive, no blanks), so senders ignore this record"},
        {R"("V=STSv1; id=1")", "cannot use version 'V=STSv1': expected exactly 'v=STSv1' "
                               "(case-sensitive, no blanks), so senders ignore this record"},
        {R"(" v = STSv1; id=1")", "cannot use version ' v = STSv1': expected exactly 'v=STSv1' "
                                  "(case-sensitive, no blanks), so senders ignore this record"},
        {R"("id=1; v=STSv1")", "cannot put 'v=STSv1' after other fields: senders discard records "
                               "that do not begin with 'v=STSv1;'"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.rdata);
        const auto found = only(lint(zone("_mta-sts IN TXT " + std::string{row.rdata} + "\n")),
                                "mta-sts-txt-invalid");
        if (row.message.empty()) {
            CHECK(found.empty());
            continue;
        }
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(found[0].owner == "_mta-sts.example.com.");
        CHECK(found[0].message == row.message);
    }

    SUBCASE("records at other names are not STS records") {
        CHECK(only(lint(zone("mta-sts IN TXT \"v=STSv1\"\n_dmarc IN TXT \"v=STSv1\"\n")),
                   "mta-sts-txt-invalid")
                  .empty());
    }
    SUBCASE("records below a zone cut are not served by this zone") {
        CHECK(only(lint(zone("sub IN NS ns1.example.net.\n_mta-sts.sub IN TXT \"v=STSv1\"\n")),
                   "mta-sts-txt-invalid")
                  .empty());
    }
}

TEST_CASE("mta-sts: multiple-records") {
    SUBCASE("two STS records at one name") {
        const auto found =
            only(lint(zone(std::string{mail} + "_mta-sts IN TXT \"v=STSv1; id=1\"\n"
                                               "_mta-sts IN TXT \"v=STSv1; id=2\"\n")),
                 "mta-sts-multiple-records");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 9); // the second record
        CHECK(found[0].message == "cannot publish 2 MTA-STS records at '_mta-sts.example.com.': "
                                  "senders then ignore MTA-STS for the domain");
    }
    SUBCASE("an invalid STS record still counts") {
        const auto found = only(lint(zone("_mta-sts IN TXT \"v=STSv1\"\n"
                                          "_mta-sts IN TXT \"v=STSv1; id=2\"\n")),
                                "mta-sts-multiple-records");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 6);
    }
    SUBCASE("other TXT records beside one STS record") {
        CHECK(only(lint(zone("_mta-sts IN TXT \"v=STSv1; id=1\"\n"
                             "_mta-sts IN TXT \"site-verification=abc\"\n"
                             "_mta-sts IN TXT \"v=STSV1; id=2\"\n")),
                   "mta-sts-multiple-records")
                  .empty());
    }
    SUBCASE("one record at each of two names") {
        CHECK(only(lint(zone("_mta-sts IN TXT \"v=STSv1; id=1\"\n"
                             "_mta-sts.sub IN TXT \"v=STSv1; id=1\"\n")),
                   "mta-sts-multiple-records")
                  .empty());
    }
}

TEST_CASE("mta-sts: host-missing") {
    constexpr std::string_view record = "_mta-sts IN TXT \"v=STSv1; id=1\"\n"; // line 5
    SUBCASE("no mta-sts host at all") {
        const auto found = only(lint(zone(record)), "mta-sts-host-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(found[0].message == "cannot serve the MTA-STS policy of 'example.com.': "
                                  "'mta-sts.example.com.' has no A, AAAA or CNAME record");
    }
    SUBCASE("a host without address records") {
        const auto found = only(lint(zone(std::string{record} + "mta-sts IN TXT \"hello\"\n")),
                                "mta-sts-host-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
    }
    SUBCASE("for a subdomain") {
        const auto found =
            only(lint(zone("_mta-sts.shop IN TXT \"v=STSv1; id=1\"\nmta-sts IN A 192.0.2.80\n")),
                 "mta-sts-host-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].owner == "_mta-sts.shop.example.com.");
        CHECK(found[0].message.find("'mta-sts.shop.example.com.'") != std::string::npos);
    }
    SUBCASE("served") {
        for (const std::string_view host :
             {"mta-sts IN A 192.0.2.80\n", "mta-sts IN AAAA 2001:db8::80\n",
              "mta-sts IN CNAME sts.example.net.\n", "* IN A 192.0.2.80\n",
              "mta-sts IN NS ns1.example.net.\n"}) { // a delegation: another zone serves it
            CAPTURE(host);
            CHECK(only(lint(zone(std::string{record} + std::string{host})), "mta-sts-host-missing")
                      .empty());
        }
    }
    SUBCASE("the host is outside the zone") {
        // A zone for _mta-sts.example.com. alone: mta-sts.example.com. lives elsewhere.
        const auto found = lint(zone("@ IN TXT \"v=STSv1; id=1\"\n"), {}, "_mta-sts.example.com.");
        CHECK(only(found, "mta-sts-txt-invalid").empty());
        CHECK(only(found, "mta-sts-host-missing").empty());
    }
    SUBCASE("only a near miss: nothing is announced") {
        CHECK(only(lint(zone("_mta-sts IN TXT \"v=stsv1; id=1\"\n")), "mta-sts-host-missing")
                  .empty());
    }
}

TEST_CASE("mta-sts: policy-invalid") {
    const auto text = zone(std::string{mail} + "_mta-sts IN TXT \"v=STSv1; id=1\"\n");
    SUBCASE("one finding per error, at the policy file and line") {
        const auto found = only(lint(text, with_policy("version: STSv1\n"
                                                       "mode: enforce\n"
                                                       "max_age: 99999999999\n"
                                                       "mx: mx1.example.com\n"
                                                       "mx: *.*.example.com\n")),
                                "mta-sts-policy-invalid");
        REQUIRE(found.size() == 2);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].file == "example.com.mta-sts.txt");
        CHECK(found[0].line == 3);
        CHECK(found[0].owner.empty());
        CHECK(found[0].message ==
              "max_age must be an integer from 0 to 31557600, got '99999999999'");
        CHECK(found[1].line == 5);
    }
    SUBCASE("whole-file errors have line 0") {
        const auto found = only(lint(text, with_policy("")), "mta-sts-policy-invalid");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 0);
        CHECK(found[0].file == "example.com.mta-sts.txt");
    }
    SUBCASE("a valid policy") {
        CHECK(only(lint(text, with_policy("version: STSv1\nmode: testing\nmx: mx1.example.com\n"
                                          "max_age: 86400\n")),
                   "mta-sts-policy-invalid")
                  .empty());
    }
    SUBCASE("no policy given") {
        CHECK(only(lint(text), "mta-sts-policy-invalid").empty());
    }
}

TEST_CASE("mta-sts: mx-not-covered") {
    const auto text = zone("@ IN MX 10 mx1\n"              // line 5
                           "@ IN MX 20 mx2.example.net.\n" // line 6
                           "@ IN MX 30 a.b.example.com.\n" // line 7
                           "mx1 IN A 192.0.2.25\n"
                           "a.b IN A 192.0.2.26\n"
                           "mta-sts IN A 192.0.2.80\n"
                           "_mta-sts IN TXT \"v=STSv1; id=1\"\n");
    auto policy = [](std::string_view mode, std::string_view mx) {
        return with_policy("version: STSv1\nmode: " + std::string{mode} + "\n" + std::string{mx} +
                           "max_age: 86400\n");
    };

    SUBCASE("enforce: error at the MX record") {
        const auto found =
            only(lint(text, policy("enforce", "mx: mx1.example.com\nmx: *.example.com\n")),
                 "mta-sts-mx-not-covered");
        REQUIRE(found.size() == 2);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 6);
        CHECK(found[0].owner == "example.com.");
        CHECK(found[0].message ==
              "cannot deliver to 'mx2.example.net.' under MTA-STS mode "
              "'enforce': no mx pattern in 'example.com.mta-sts.txt' matches it");
        // The wildcard matches one label only.
        CHECK(found[1].line == 7);
        CHECK(found[1].message.find("'a.b.example.com.'") != std::string::npos);
    }
    SUBCASE("testing: warning") {
        const auto found =
            only(lint(text, policy("testing", "mx: mx1.example.com\nmx: *.b.example.com\n")),
                 "mta-sts-mx-not-covered");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 6);
        CHECK(found[0].message ==
              "cannot validate 'mx2.example.net.' under MTA-STS mode "
              "'testing': no mx pattern in 'example.com.mta-sts.txt' matches "
              "it, so senders report failures and enforce mode would refuse it");
    }
    SUBCASE("none: nothing") {
        CHECK(only(lint(text, policy("none", "mx: mx1.example.com\n")), "mta-sts-mx-not-covered")
                  .empty());
    }
    SUBCASE("every exchange covered") {
        CHECK(only(lint(text, policy("enforce", "mx: MX1.example.com\nmx: mx2.example.net\n"
                                                "mx: *.b.example.com\n")),
                   "mta-sts-mx-not-covered")
                  .empty());
    }
    SUBCASE("no policy given") {
        CHECK(only(lint(text), "mta-sts-mx-not-covered").empty());
    }
    SUBCASE("an invalid policy is not applied by senders") {
        CHECK(only(lint(text, policy("enforce", "mx: mx1.example.com\nmax_age: -1\n")),
                   "mta-sts-mx-not-covered")
                  .empty());
    }
    SUBCASE("a subdomain's MX answers to the subdomain's policy, not this one") {
        // RFC 8461 §3.3: a sender looks up _mta-sts.<the recipient domain>.
        CHECK(only(lint(text + "shop IN MX 10 mail.example.net.\n",
                        policy("enforce", "mx: mx1.example.com\nmx: mx2.example.net\n"
                                          "mx: *.b.example.com\n")),
                   "mta-sts-mx-not-covered")
                  .empty());
    }
    SUBCASE("null MX has no exchange to cover") {
        CHECK(only(lint(zone("@ IN MX 0 .\n"), policy("enforce", "mx: mx1.example.com\n")),
                   "mta-sts-mx-not-covered")
                  .empty());
    }
}

// RULES.md "Steering": pool members "must ... be covered by the MTA-STS policy". A finding
// about one is at the config line that names it (test_zone.hpp: mxsteer.toml, line 20 on).
TEST_CASE("mta-sts: mx-not-covered for steering pool members") {
    using mxsteer::lint::test::steering;
    const auto text = zone("@ IN MX 10 mx1\n" // line 5
                           "mx1 IN A 192.0.2.25\n"
                           "mx2 IN A 192.0.2.26\n"
                           "mta-sts IN A 192.0.2.80\n"
                           "_mta-sts IN TXT \"v=STSv1; id=1\"\n");
    auto policy = [](std::string_view mode, std::string_view mx) {
        return with_policy("version: STSv1\nmode: " + std::string{mode} + "\n" + std::string{mx} +
                           "max_age: 86400\n");
    };
    const std::vector<std::string> pools{"mx1.example.com.", "mx2.example.com.", "mx.example.net."};

    SUBCASE("enforce: error at the pool member") {
        const auto found = only(
            lint(text, steering("example.com.", pools, policy("enforce", "mx: mx1.example.com\n"))),
            "mta-sts-mx-not-covered");
        REQUIRE(found.size() == 2);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].file == "mxsteer.toml");
        CHECK(found[0].line == 21);
        CHECK(found[0].column == 15);
        CHECK(found[0].owner == "example.com.");
        CHECK(found[0].message == "cannot deliver to steering pool member 'mx2.example.com.' of "
                                  "'example.com.' under MTA-STS mode 'enforce': no mx pattern in "
                                  "'example.com.mta-sts.txt' matches it");
        // An exchange outside the zone needs a pattern just the same.
        CHECK(found[1].line == 22);
        CHECK(found[1].message.find("'mx.example.net.'") != std::string::npos);
    }
    SUBCASE("testing: warning") {
        const auto found = only(
            lint(text, steering("example.com.", pools, policy("testing", "mx: *.example.com\n"))),
            "mta-sts-mx-not-covered");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].file == "mxsteer.toml");
        CHECK(found[0].line == 22);
    }
    SUBCASE("every member covered") {
        CHECK(only(lint(text, steering("example.com.", pools,
                                       policy("enforce", "mx: *.example.com\n"
                                                         "mx: mx.example.net\n"))),
                   "mta-sts-mx-not-covered")
                  .empty());
    }
    SUBCASE("a steered subdomain answers to the subdomain's policy, not this one") {
        CHECK(only(lint(text + "shop IN MX 10 mx1\n",
                        steering("shop.example.com.", pools,
                                 policy("enforce", "mx: mx1.example.com\n"))),
                   "mta-sts-mx-not-covered")
                  .empty());
    }
    SUBCASE("no policy given") {
        CHECK(only(lint(text, steering("example.com.", pools)), "mta-sts-mx-not-covered").empty());
    }
}

TEST_CASE("mta-sts: missing") {
    SUBCASE("a mail domain without MTA-STS") {
        const auto found = only(lint(zone(mail)), "mta-sts-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::info);
        CHECK(found[0].line == 5);
        CHECK(found[0].message == "cannot find an MTA-STS record at '_mta-sts.example.com.': "
                                  "senders use TLS to 'example.com.' only opportunistically");
    }
    SUBCASE("a policy file without a record") {
        const auto found = only(lint(zone("www IN A 192.0.2.80\n"),
                                     with_policy("version: STSv1\nmode: none\nmax_age: 86400\n")),
                                "mta-sts-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::info);
        CHECK(found[0].line == 0);
        CHECK(found[0].file == "test.zone");
        CHECK(found[0].message ==
              "cannot find an MTA-STS record at '_mta-sts.example.com.' for "
              "the policy in 'example.com.mta-sts.txt': senders never fetch it");
    }
    SUBCASE("announced") {
        CHECK(only(lint(zone(std::string{mail} + "_mta-sts IN TXT \"v=STSv1; id=1\"\n")),
                   "mta-sts-missing")
                  .empty());
    }
    SUBCASE("a near miss is reported as txt-invalid, not again as missing") {
        const auto found = lint(zone(std::string{mail} + "_mta-sts IN TXT \"v=STSv2; id=1\"\n"));
        CHECK(only(found, "mta-sts-missing").empty());
        CHECK(only(found, "mta-sts-txt-invalid").size() == 1);
    }
    SUBCASE("no mail: no MX, or only a null MX") {
        CHECK(only(lint(zone("www IN A 192.0.2.80\n")), "mta-sts-missing").empty());
        CHECK(only(lint(zone("@ IN MX 0 .\n")), "mta-sts-missing").empty());
    }
    SUBCASE("a record for a subdomain does not announce the apex") {
        const auto found =
            only(lint(zone(std::string{mail} + "_mta-sts.shop IN TXT \"v=STSv1; id=1\"\n")),
                 "mta-sts-missing");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
    }
}

TEST_CASE("mta-sts: fixtures") {
    const auto policy = with_policy(read_data("policies/mta_sts_enforce.valid.txt"));
    SUBCASE("mta_sts_complete.valid.zone") {
        CHECK(mta_sts_findings(lint_fixture("mta_sts_complete.valid.zone", policy)).empty());
    }
    SUBCASE("mta_sts_host_missing.invalid.zone") {
        const auto found = lint_fixture("mta_sts_host_missing.invalid.zone", policy);
        const auto host = only(found, "mta-sts-host-missing");
        REQUIRE(host.size() == 1);
        CHECK(host[0].line == 9);
        const auto covered = only(found, "mta-sts-mx-not-covered");
        REQUIRE(covered.size() == 1);
        CHECK(covered[0].line == 8);
        CHECK(covered[0].message.find("'mx.example.org.'") != std::string::npos);
    }
}
