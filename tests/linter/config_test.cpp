// Tests of the TOML config: settings, per-file overrides, and errors with file:line:col.
// SPDX-License-Identifier: MIT
#include "config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <system_error>

using namespace mxsteer::lint;

TEST_CASE("config: rule settings and per-file overrides") {
    auto r = parse_lint_config(R"(
[rules]
mx-single = "off"
spf-ptr-mechanism = "error"

[[files]]
match = "legacy/*.zone"
rules = { dkim-key-weak = "off", mx-single = "warning" }
)",
                               "mxlint.toml");
    REQUIRE(r.errors.empty());
    auto base = r.config.settings_for("zones/example.com.zone");
    REQUIRE(base.contains("mx-single"));
    CHECK_FALSE(base.at("mx-single").has_value());
    CHECK(base.at("spf-ptr-mechanism") == Severity::error);
    CHECK_FALSE(base.contains("dkim-key-weak"));

    auto legacy = r.config.settings_for("legacy/old.zone");
    CHECK(legacy.at("mx-single") == Severity::warning);
    CHECK_FALSE(legacy.at("dkim-key-weak").has_value());
}

TEST_CASE("config: errors say where and what was expected") {
    SUBCASE("unknown rule id") {
        auto r = parse_lint_config("[rules]\nmx-singel = \"off\"\n", "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].file == "c.toml");
        CHECK(r.errors[0].line == 2);
        CHECK(r.errors[0].column == 1);
        CHECK(r.errors[0].message.find("unknown rule 'mx-singel'") != std::string::npos);
    }
    SUBCASE("bad value") {
        auto r = parse_lint_config("[rules]\nmx-single = \"loud\"\n", "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].line == 2);
        CHECK(r.errors[0].column == 13);
        CHECK(r.errors[0].message.find("got 'loud'") != std::string::npos);
    }
    SUBCASE("wrong type") {
        auto r = parse_lint_config("[rules]\nmx-single = 3\n", "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].message.find("must be a string") != std::string::npos);
    }
    SUBCASE("unknown key") {
        auto r = parse_lint_config("[rulez]\n", "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].line == 1);
    }
    SUBCASE("files entry without match") {
        auto r = parse_lint_config("[[files]]\nrules = {}\n", "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].message.find("match") != std::string::npos);
    }
    SUBCASE("TOML syntax") {
        auto r = parse_lint_config("[rules\nmx-single = \"off\"\n", "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].line == 1);
    }
    SUBCASE("a key of 20,000 dotted parts is refused before the TOML parser sees it") {
        std::string deep = "[rules]\n";
        for (int i = 0; i < 20000; ++i) {
            deep += "a.";
        }
        deep += "a = \"off\"\n";
        auto r = parse_lint_config(deep, "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].line == 2);
        CHECK(r.errors[0].column == 130); // the 65th dot
        CHECK(r.errors[0].message.find("nest too deeply") != std::string::npos);
    }
    SUBCASE("dots inside strings and comments do not count") {
        auto r = parse_lint_config("[rules] # " + std::string(200, '.') + "\nmx-single = \"off\"\n",
                                   "c.toml");
        CHECK(r.errors.empty());
    }
    SUBCASE("larger than 1 MiB") {
        auto r = parse_lint_config(std::string((1 << 20) + 1, '#'), "c.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].message.find("larger than") != std::string::npos);
    }
    SUBCASE("binary garbage") {
        auto r = parse_lint_config(std::string_view{"\x00\xff\xfe[[", 5}, "c.toml");
        CHECK_FALSE(r.errors.empty());
    }
}

TEST_CASE("config: a missing file is an I/O error") {
    CHECK_THROWS_AS((void)load_lint_config("/nonexistent/mxlint.toml"), std::system_error);
}

TEST_CASE("config: --config tells mxlint.toml from mxsteer.toml by the top-level keys") {
    struct Row {
        std::string_view text;
        ConfigKind kind;
    };
    const Row rows[] = {
        {"[rules]\nmx-single = \"off\"\n", ConfigKind::mxlint},
        {"[[files]]\nmatch = \"*.zone\"\n", ConfigKind::mxlint},
        {"", ConfigKind::mxlint},
        {"# only a comment\n", ConfigKind::mxlint},
        // Any key of mxsteerd's config makes it an mxsteer.toml.
        {"zones = [\"example.com.zone\"]\n", ConfigKind::mxsteer},
        {"listen = \"pipe\"\n", ConfigKind::mxsteer},
        {"log_level = \"info\"\n", ConfigKind::mxsteer},
        {"[[regions]]\nname = \"eu\"\n", ConfigKind::mxsteer},
        {"[networks]\n\"192.0.2.0/24\" = \"eu\"\n", ConfigKind::mxsteer},
        {"[geoip]\ndefault = \"eu\"\n", ConfigKind::mxsteer},
        {"[[steer]]\nname = \"example.com.\"\n", ConfigKind::mxsteer},
        // Mixed: read as mxsteer.toml, whose parser reports 'rules' as an unknown key.
        {"[rules]\nmx-single = \"off\"\n[[steer]]\nname = \"example.com.\"\n", ConfigKind::mxsteer},
        // A key nested below another table is not top-level.
        {"[rules]\nsteer = \"off\"\n", ConfigKind::mxlint},
        // Not TOML: left to parse_lint_config(), which says where.
        {"zones = [\n", ConfigKind::mxlint},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        CHECK(config_kind(row.text) == row.kind);
    }
    // Nested past the guard's limit: refused unparsed, as parse_lint_config() refuses it.
    std::string deep = "steer";
    for (int i = 0; i < 70; ++i) {
        deep += ".a";
    }
    CHECK(config_kind(deep + " = 1\n") == ConfigKind::mxlint);
}
