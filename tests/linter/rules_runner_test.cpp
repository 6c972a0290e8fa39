// run_rules_threaded: on a zone big enough for its two threads, the findings are exactly those
// of run_rules, every rule group one after the other, in the same order.
// SPDX-License-Identifier: MIT
#include "rules_runner.hpp"
#include "test_zone.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mxsteer::lint;

namespace {

bool same(const Diagnostic& a, const Diagnostic& b) {
    return a.rule == b.rule && a.severity == b.severity && a.file == b.file && a.line == b.line &&
           a.column == b.column && a.owner == b.owner && a.message == b.message;
}

} // namespace

TEST_CASE("run_rules_threaded: a big zone's findings are those of run_rules") {
    // 10,000 mail domains of 6 records each: an MX to an exchange with an address, a broken
    // SPF record, a broken DMARC record and a TLSA record with a short SHA-256 digest, so the
    // groups on both threads find something for every domain.
    constexpr int domains = 10000;
    std::string text = "$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
                       "ns1 A 192.0.2.53\n";
    for (int i = 0; i < domains; ++i) {
        const std::string d = "d" + std::to_string(i);
        text += d + " MX 10 mx" + std::to_string(i) + "\n";
        text += "mx" + std::to_string(i) + " A 192.0.2." + std::to_string(i % 250 + 1) + "\n";
        text += d + " TXT \"v=spf1 ip4:192.0.2.1/33 -all\"\n";
        text += "_dmarc." + d + " TXT \"v=DMARC1; p=sometimes\"\n";
        text += "_25._tcp.mx" + std::to_string(i) + " TLSA 3 1 1 0123456789abcdef\n";
        text += "www." + d + " A 192.0.2.80\n";
    }
    const LoadResult loaded = test::load(text);
    REQUIRE(loaded.zone.records().size() >= 60000); // above the size that uses two threads
    const std::vector<Diagnostic> expected = run_rules(loaded.zone, {});
    const std::vector<Diagnostic> found = run_rules_threaded(loaded.zone, {});

    // Not vacuous: groups of both threads found something for every domain.
    CHECK(test::with_prefix(expected, "spf-").size() >= domains);
    CHECK(test::with_prefix(expected, "dmarc-").size() >= domains);
    CHECK(test::with_prefix(expected, "tlsa-").size() >= domains);
    CHECK(test::with_prefix(expected, "mx-").size() >= domains);

    REQUIRE(found.size() == expected.size());
    std::size_t differences = 0;
    for (std::size_t i = 0; i < found.size(); ++i) {
        if (!same(found[i], expected[i])) {
            ++differences;
            if (differences <= 3) {
                CAPTURE(i);
                CHECK(found[i].rule == expected[i].rule);
                CHECK(found[i].line == expected[i].line);
                CHECK(found[i].message == expected[i].message);
            }
        }
    }
    CHECK(differences == 0);
}
