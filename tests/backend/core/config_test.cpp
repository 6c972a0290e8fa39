// Tests of the mxsteerd config rules: value parsers and validate(), without any file syntax.
// SPDX-License-Identifier: MIT
#include "core/config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace mxsteer;
using core::Config;
using core::Listen;
using core::LogLevel;
using core::ZoneSource;

TEST_CASE("config: log levels read back as written") {
    for (const auto level : {LogLevel::debug, LogLevel::info, LogLevel::warning, LogLevel::error}) {
        CHECK(core::parse_log_level(core::to_string(level)) == level);
    }
    // Names are exact: no case folding, no abbreviations, no numbers.
    for (const std::string_view bad : {"", "INFO", "warn", "err", "3", "info "}) {
        CAPTURE(bad);
        CHECK_FALSE(core::parse_log_level(bad));
    }
}

TEST_CASE("config: listen is 'unix:PATH' or 'pipe'") {
    const auto unix_socket = core::parse_listen("unix:/run/mxsteer/pdns.sock");
    REQUIRE(unix_socket);
    CHECK(unix_socket->kind == Listen::Kind::unix_socket);
    CHECK(unix_socket->path == "/run/mxsteer/pdns.sock");
    CHECK(core::to_string(*unix_socket) == "unix:/run/mxsteer/pdns.sock");

    // A relative path is kept as written; the adapter resolves it.
    const auto relative = core::parse_listen("unix:pdns.sock");
    REQUIRE(relative);
    CHECK(relative->path == "pdns.sock");

    const auto pipe = core::parse_listen("pipe");
    REQUIRE(pipe);
    CHECK(pipe->kind == Listen::Kind::pipe);
    CHECK(core::to_string(*pipe) == "pipe");

    for (const std::string_view bad : {"", "unix:", "unix", "tcp:1", "http:url=http://127.0.0.1/",
                                       "PIPE", "pipe:", " pipe", "/run/mxsteer/pdns.sock"}) {
        CAPTURE(bad);
        CHECK_FALSE(core::parse_listen(bad));
    }
}

TEST_CASE("config: the default listen is the documented socket") {
    const Config config;
    CHECK(core::to_string(config.listen) == "unix:/run/mxsteer/pdns.sock");
    CHECK(config.log_level == LogLevel::info);
    CHECK(config.zones.empty());
}

TEST_CASE("config: origins are canonical domain names") {
    struct Row {
        std::string_view text;
        std::string_view expected; // empty: refused
    };
    const Row rows[] = {
        {"example.com.", "example.com."},
        {"example.com", "example.com."}, // a missing final dot is forgiven
        {"Example.COM.", "example.com."},
        {"xn--bcher-kva.example.", "xn--bcher-kva.example."},
        {"_dmarc.example.com.", "_dmarc.example.com."},
        {".", "."},
        {"", ""},
        {"@", ""},
        {"example..com.", ""},
        {".example.com.", ""},
        {"exa mple.com.", ""},
        {"exa\\.mple.com.", ""},
        {"b\xc3\xbc"
         "cher.example.",
         ""},
        {std::string_view{"a\0b.", 4}, ""},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        const auto origin = core::parse_origin(row.text);
        if (row.expected.empty()) {
            CHECK_FALSE(origin);
        } else {
            REQUIRE(origin);
            CHECK(*origin == row.expected);
        }
    }

    // RFC 1035 §2.3.4: labels of 63 octets or less, names of 255 octets or less.
    const std::string label63(63, 'a');
    CHECK(core::parse_origin(label63 + ".example."));
    CHECK_FALSE(core::parse_origin(label63 + "a.example."));
    const std::string name255 =
        label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
    REQUIRE(name255.size() == 253); // 255 octets on the wire with the final dot
    CHECK(core::parse_origin(name255 + "."));
    CHECK_FALSE(core::parse_origin(name255 + "b."));
}

namespace {

ZoneSource zone(std::string file, std::optional<std::string> origin, std::uint32_t line) {
    return ZoneSource{std::move(file), std::move(origin), {line, 1}};
}

} // namespace

TEST_CASE("config: validate accepts the defaults and a plain zone list") {
    Config config;
    CHECK(core::validate(config, "mxsteer.toml").empty());
    config.zones = {zone("a.zone", std::nullopt, 3), zone("b.zone", "example.org.", 4),
                    zone("b.zone", "example.net.", 5)}; // one file under two names is fine
    CHECK(core::validate(config, "mxsteer.toml").empty());
}

TEST_CASE("config: the socket path must fit sockaddr_un") {
    Config config;
    config.listen.at = {2, 10};
    config.listen.path = "/" + std::string(core::max_socket_path - 1, 's');
    CHECK(core::validate(config, "mxsteer.toml").empty());

    config.listen.path += "s";
    auto errors = core::validate(config, "mxsteer.toml");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].rule == "config");
    CHECK(errors[0].severity == lint::Severity::error);
    CHECK(errors[0].file == "mxsteer.toml");
    CHECK(errors[0].line == 2);
    CHECK(errors[0].column == 10);
    CHECK(errors[0].message.starts_with(
        "listen socket path must be at most 107 bytes, got 108 bytes: '/sss"));

    // A pipe has no path to check.
    config.listen.kind = Listen::Kind::pipe;
    CHECK(core::validate(config, "mxsteer.toml").empty());

    // TOML strings may hold "\u0000"; the kernel would cut the path there.
    config.listen = Listen{Listen::Kind::unix_socket, std::string{"/run/a\0b", 8}, {1, 1}};
    errors = core::validate(config, "mxsteer.toml");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message ==
          "listen socket path must not contain a NUL byte, got '/run/a\\000b'");
}

TEST_CASE("config: a zone is listed once and an origin is served once") {
    Config config;
    SUBCASE("the same file twice") {
        config.zones = {zone("a.zone", std::nullopt, 3), zone("a.zone", std::nullopt, 7)};
        const auto errors = core::validate(config, "m.toml");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].line == 7);
        CHECK(errors[0].message == "zones: file 'a.zone' is already listed (line 3)");
    }
    SUBCASE("the same origin from two files") {
        config.zones = {zone("a.zone", "example.com.", 3), zone("b.zone", "example.com.", 9)};
        const auto errors = core::validate(config, "m.toml");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].line == 9);
        CHECK(errors[0].message ==
              "zones: origin 'example.com.' is already served by 'a.zone' (line 3)");
    }
    SUBCASE("a duplicate from the command line has no line") {
        config.zones = {zone("a.zone", std::nullopt, 0), zone("a.zone", std::nullopt, 4)};
        const auto errors = core::validate(config, "m.toml");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].message == "zones: file 'a.zone' is already listed (the command line)");
    }
    SUBCASE("empty and NUL-holding file names") {
        config.zones = {zone("", std::nullopt, 2), zone(std::string{"a\0.zone", 7}, {}, 5)};
        const auto errors = core::validate(config, "m.toml");
        REQUIRE(errors.size() == 2);
        CHECK(errors[0].line == 2);
        CHECK(errors[0].message == "zones: file must not be empty");
        CHECK(errors[1].line == 5);
        CHECK(errors[1].message == "zones: file must not contain a NUL byte, got 'a\\000.zone'");
    }
}
