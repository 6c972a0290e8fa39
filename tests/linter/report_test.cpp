// Tests of the text, JSON and SARIF renderers on hand-built findings.
// SPDX-License-Identifier: MIT
#include "report.hpp"

#include <doctest/doctest.h>

using namespace mxsteer::lint;

namespace {

ReportInput sample() {
    ReportInput in;
    in.files = 2;
    in.findings = {
        {"zone-missing-soa", Severity::error, "a.zone", 0, 0, "a.", "zone 'a.' has no SOA"},
        {"mx-target-cname", Severity::error, "b.zone", 5, 9, "b.", "MX exchange 'x.b.' is a CNAME"},
        {"null-mx-nonzero-pref", Severity::warning, "b.zone", 6, 1, "b.", "pref 10"},
        {"mx-single", Severity::info, "b.zone", 7, 1, "b.", "single"},
    };
    return in;
}

} // namespace

TEST_CASE("report: text lines and per-rule summary") {
    const std::string text = render_text(sample());
    CHECK(text == "a.zone: error: zone 'a.' has no SOA [zone-missing-soa]\n"
                  "b.zone:5:9: error: MX exchange 'x.b.' is a CNAME [mx-target-cname]\n"
                  "b.zone:6:1: warning: pref 10 [null-mx-nonzero-pref]\n"
                  "b.zone:7:1: info: single [mx-single]\n"
                  "2 files checked: 2 errors, 1 warning, 1 info\n"
                  "  mx-single                    info     1\n"
                  "  mx-target-cname              error    1\n"
                  "  null-mx-nonzero-pref         warning  1\n"
                  "  zone-missing-soa             error    1\n");
}

TEST_CASE("report: --quiet drops info findings and the summary") {
    auto in = sample();
    in.quiet = true;
    const std::string text = render_text(in);
    CHECK(text.find("[mx-single]") == std::string::npos);
    CHECK(text.find("checked") == std::string::npos);
    CHECK(text.find("[mx-target-cname]") != std::string::npos);
}

TEST_CASE("report: JSON fields as RULES.md lists them") {
    const std::string json = render_json(sample());
    CHECK(json.find(R"({"rule":"mx-target-cname","severity":"error","file":"b.zone","line":5,)"
                    R"("column":9,"owner":"b.","message":"MX exchange 'x.b.' is a CNAME",)"
                    R"("rfc":"RFC 2181 §10.3"})") != std::string::npos);
    CHECK(json.find(R"("summary":{"files":2,"errors":2,"warnings":1,"info":1,)") !=
          std::string::npos);
}

TEST_CASE("report: JSON escaping keeps UTF-8 and replaces invalid bytes") {
    CHECK(json_escape("a\"b\\c\n") == "a\\\"b\\\\c\\n");
    CHECK(json_escape("\x01") == "\\u0001");
    CHECK(json_escape("§ é 😀") == "§ é 😀");             // well-formed UTF-8 passes through
    CHECK(json_escape("\xff") == "\\ufffd");            // never valid in UTF-8
    CHECK(json_escape("\xc3") == "\\ufffd");            // truncated sequence
    CHECK(json_escape("\xc0\xaf") == "\\ufffd\\ufffd"); // overlong encoding of '/'
    CHECK(json_escape("\xed\xa0\x80") == "\\ufffd\\ufffd\\ufffd"); // UTF-16 surrogate
}

TEST_CASE("report: SARIF 2.1.0 with rules, levels and relative locations") {
    const std::string sarif = render_sarif(sample(), "9.9.9");
    CHECK(sarif.find(R"("version":"2.1.0")") != std::string::npos);
    CHECK(sarif.find(R"("name":"mxlint","version":"9.9.9")") != std::string::npos);
    // Every rule carries help text and, when it cites one, a link to its RFC section.
    CHECK(sarif.find(R"("id":"mx-target-cname")") != std::string::npos);
    CHECK(sarif.find(R"("helpUri":"https://www.rfc-editor.org/rfc/rfc2181#section-10.3")") !=
          std::string::npos);
    CHECK(sarif.find(R"("level":"note")") != std::string::npos); // info maps to note
    CHECK(sarif.find(R"("uri":"b.zone","uriBaseId":"%SRCROOT%"},"region":{"startLine":5,)"
                     R"("startColumn":9})") != std::string::npos);
    // A whole-file finding has no region (SARIF lines start at 1).
    CHECK(sarif.find(R"("uri":"a.zone","uriBaseId":"%SRCROOT%"}})") != std::string::npos);
}
