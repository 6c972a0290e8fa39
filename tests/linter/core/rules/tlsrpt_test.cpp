// Tests of rule group tlsrpt (RFC 8460 §3).
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

std::string tlsrpt_txt(std::string_view text) {
    return "_smtp._tls IN TXT \"" + std::string{text} + "\"\n";
}

} // namespace

TEST_CASE("tlsrpt: well-formed records are fine") {
    const std::vector<std::string_view> records{
        "v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
        "v=TLSRPTv1;rua=https://reports.example.net/v1/tlsrpt",
        "v=TLSRPTv1 ; rua=mailto:a@example.com , https://reports.example.net/tlsrpt ;",
        "v=TLSRPTv1; rua=MAILTO:a@example.com; ext_1=value; x-y.z=1:2",
        "v=TLSRPTv1;\trua=mailto:a@example.com",
    };
    for (const auto record : records) {
        CAPTURE(record);
        CHECK(run(tlsrpt_txt(record)).empty());
    }
    SUBCASE("the record of a subdomain") {
        CHECK(run("_smtp._tls.sub IN TXT \"v=TLSRPTv1; rua=mailto:a@example.com\"\n").empty());
    }
}

TEST_CASE("tlsrpt: a record that breaks the RFC 8460 section 3 syntax is invalid") {
    struct Row {
        std::string_view record;
        std::string_view reason; // part of the message
    };
    const std::vector<Row> rows{
        {"v=TLSRPTv1", "must be followed by ';'"},
        {"v=TLSRPTv1 rua=mailto:a@example.com", "must be followed by ';'"},
        {"v=TLSRPTv1rua=mailto:a@example.com", "must be followed by ';'"},
        {"v=TLSRPTv1; ext=1", "the required field 'rua='"},
        {"v=TLSRPTv1; rua=ftp://reports.example.net/", "'ftp://reports.example.net/' must use"},
        {"v=TLSRPTv1; rua=tlsrpt@example.com", "'tlsrpt@example.com' must use"},
        {"v=TLSRPTv1; rua=", "'' must use"},
        {"v=TLSRPTv1; rua=mailto:", "'mailto:' is not of the form"},
        {"v=TLSRPTv1; rua=mailto:example.com", "'mailto:example.com' is not of the form"},
        {"v=TLSRPTv1; rua=https:reports.example.net", "is not of the form 'https://"},
        {"v=TLSRPTv1; rua=https://", "is not of the form 'https://"},
        {"v=TLSRPTv1; rua=mailto:a@example.com,", "'' must use"},
        {"v=TLSRPTv1; RUA=mailto:a@example.com", "must be written 'rua='"},
        {"v=TLSRPTv1; rua = mailto:a@example.com", "must be written 'rua='"},
        {"v=TLSRPTv1;; rua=mailto:a@example.com", "empty"},
        {"v=TLSRPTv1; rua=mailto:a@example.com; bad ext=1", "neither 'rua=' nor an extension"},
        {"v=TLSRPTv1; rua=mailto:a@example.com; -x=1", "neither 'rua=' nor an extension"},
        {"v=TLSRPTv1; rua=mailto:a@example.com; x=", "neither 'rua=' nor an extension"},
        {"v=TLSRPTv1; rua=mailto:a@example.com; x=a=b", "neither 'rua=' nor an extension"},
        {"v=TLSRPTv1; rua=mailto:a@example.com; flag", "neither 'rua=' nor an extension"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.record);
        const auto found = run(tlsrpt_txt(row.record));
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(found[0].owner == "_smtp._tls.example.com.");
        CHECK(contains(found[0].message, "'_smtp._tls.example.com.'"));
        CHECK(contains(found[0].message, row.reason));
    }
}

TEST_CASE("tlsrpt: the record must begin with v=TLSRPTv1 (RFC 8460 section 3)") {
    SUBCASE("wrong case or a version that is not first") {
        for (const std::string_view record :
             {"v=tlsrptv1; rua=mailto:a@example.com", "rua=mailto:a@example.com; v=TLSRPTv1",
              "rua=mailto:a@example.com", " v=TLSRPTv1; rua=mailto:a@example.com"}) {
            CAPTURE(record);
            const auto found = run(tlsrpt_txt(record));
            REQUIRE(found.size() == 1);
            CHECK(found[0].line == 5);
            CHECK(contains(found[0].message, "must begin with 'v=TLSRPTv1;'"));
        }
    }
    SUBCASE("other TXT beside a valid record are discarded by senders and ignored here") {
        CHECK(
            run(tlsrpt_txt("verification=abc") + tlsrpt_txt("v=TLSRPTv1; rua=mailto:a@example.com"))
                .empty());
    }
    SUBCASE("TXT records elsewhere are not TLS-RPT records") {
        CHECK(run("_tls IN TXT \"v=TLSRPTv1\"\n"
                  "_smtp IN TXT \"v=TLSRPTv1\"\n"
                  "@ IN TXT \"v=TLSRPTv1\"\n")
                  .empty());
    }
}

TEST_CASE("tlsrpt: strings of one record are joined without a separator") {
    SUBCASE("a split inside a URI is fine") {
        CHECK(
            run("_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tls\" \"rpt@example.com\"\n").empty());
    }
    SUBCASE("a split that drops the ';' glues the version to the field") {
        const auto found = run("_smtp._tls IN TXT \"v=TLSRPTv1\" \"rua=mailto:a@example.com\"\n");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "'v=TLSRPTv1rua=mailto:a@example.com'"));
    }
}

TEST_CASE("tlsrpt: more than one record means none (RFC 8460 section 3)") {
    const auto found = run(tlsrpt_txt("v=TLSRPTv1; rua=mailto:a@example.com") +
                           tlsrpt_txt("v=TLSRPTv1; rua=https://reports.example.net/"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == Severity::error);
    CHECK(found[0].line == 6);
    CHECK(contains(found[0].message, "cannot publish 2 TLS-RPT records"));
}
