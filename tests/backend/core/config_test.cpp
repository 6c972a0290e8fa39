// Tests of the mxsteerd config rules: value parsers and validate(), without any file syntax.
// SPDX-License-Identifier: MIT
#include "core/config.hpp"

#include <doctest/doctest.h>

#include <cstdint>
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

TEST_CASE("config: listen is 'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT'") {
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

TEST_CASE("config: http listen values: a port, an IPv4 address, a bracketed IPv6 address") {
    struct Row {
        std::string_view text;
        std::string_view address;
        std::uint16_t port;
        std::string_view canonical; // to_string()
    };
    const Row rows[] = {
        // A port alone binds loopback: the http connector has no authentication.
        {"http:8053", "127.0.0.1", 8053, "http:127.0.0.1:8053"},
        {"http:1", "127.0.0.1", 1, "http:127.0.0.1:1"},
        {"http:65535", "127.0.0.1", 65535, "http:127.0.0.1:65535"},
        {"http:192.0.2.53:80", "192.0.2.53", 80, "http:192.0.2.53:80"},
        {"http:0.0.0.0:8053", "0.0.0.0", 8053, "http:0.0.0.0:8053"},
        {"http:[::1]:8053", "::1", 8053, "http:[::1]:8053"},
        {"http:[::]:8053", "::", 8053, "http:[::]:8053"},
        {"http:[2001:db8::53]:8053", "2001:db8::53", 8053, "http:[2001:db8::53]:8053"},
        {"http:[2001:DB8:0:0:0:0:0:53]:8053", "2001:DB8:0:0:0:0:0:53", 8053,
         "http:[2001:DB8:0:0:0:0:0:53]:8053"},
        {"http:[::ffff:192.0.2.1]:8053", "::ffff:192.0.2.1", 8053, "http:[::ffff:192.0.2.1]:8053"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.text);
        const auto listen = core::parse_listen(row.text);
        REQUIRE(listen);
        CHECK(listen->kind == Listen::Kind::http);
        CHECK(listen->address == row.address);
        CHECK(listen->port == row.port);
        CHECK(core::to_string(*listen) == row.canonical);
        // The canonical text reads back as the same endpoint.
        CHECK(core::parse_listen(core::to_string(*listen)) == listen);
        Config config;
        config.listen = *listen;
        CHECK(core::validate(config, "m.toml").empty());
    }

    for (const std::string_view bad : {"http:",
                                       "http",
                                       "http:0",
                                       "http:65536",
                                       "http:99999999999",
                                       "http:080",
                                       "http:-1",
                                       "http:+80",
                                       "http:80 ",
                                       "http: 80",
                                       "http:8o",
                                       "http:localhost:80",
                                       "http:example.com:80",
                                       "http:192.0.2.1",
                                       "http:192.0.2.1:",
                                       "http:192.0.2:80",
                                       "http:192.0.2.256:80",
                                       "http:192.0.2.01:80",
                                       "http:192.0.2.1.5:80",
                                       "http:1.2.3.4.:80",
                                       "http::80",
                                       "http:::1:80",
                                       "http:[::1]",
                                       "http:[::1]:",
                                       "http:[::1]80",
                                       "http:[]:80",
                                       "http:[1::2::3]:80",
                                       "http:[12345::]:80",
                                       "http:[1:2:3:4:5:6:7:8:9]:80",
                                       "http:[1:2:3:4:5:6:7]:80",
                                       "http:[::1%lo]:80",
                                       "http:[192.0.2.1]:80",
                                       "http:[::1.2.3]:80",
                                       "http:[g::]:80",
                                       "http:[:1]:80",
                                       "http:[1:]:80",
                                       "HTTP:80",
                                       "http:[::1]:80:",
                                       "https:8053"}) {
        CAPTURE(bad);
        CHECK_FALSE(core::parse_listen(bad));
    }
}

TEST_CASE("config: address literals as inet_pton reads them") {
    for (const std::string_view good : {"0.0.0.0", "255.255.255.255", "192.0.2.1", "10.0.0.10"}) {
        CAPTURE(good);
        CHECK(core::is_ipv4_literal(good));
        CHECK_FALSE(core::is_ipv6_literal(good));
    }
    for (const std::string_view good :
         {"::", "::1", "1::", "2001:db8::", "2001:db8:0:0:0:0:0:1",
          "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6::8", "::ffff:192.0.2.1",
          "1:2:3:4:5:6:192.0.2.1", "fe80::abcd:EF01"}) {
        CAPTURE(good);
        CHECK(core::is_ipv6_literal(good));
        CHECK_FALSE(core::is_ipv4_literal(good));
    }
    for (const std::string_view bad : {"",
                                       ".",
                                       "1.2.3",
                                       "1.2.3.4.5",
                                       "256.0.0.1",
                                       "0127.0.0.1",
                                       "127..0.1",
                                       "a.b.c.d",
                                       " 127.0.0.1",
                                       "127.0.0.1 ",
                                       ":",
                                       ":::",
                                       "1:2:3:4:5:6:7:8:9",
                                       "1::2::3",
                                       "1:2:3:4:5:6:7:8::",
                                       "::1:2:3:4:5:6:7:8",
                                       "1:2:3:4:5:6:7",
                                       "12345::",
                                       "::g",
                                       "1:2:3:4:5:6:7:192.0.2.1",
                                       "::192.0.2",
                                       "::1.2.3.4:5",
                                       "fe80::1%eth0"}) {
        CAPTURE(bad);
        CHECK_FALSE(core::is_ipv4_literal(bad));
        CHECK_FALSE(core::is_ipv6_literal(bad));
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
    config.listen = Listen{};
    config.listen.path = std::string{"/run/a\0b", 8};
    config.listen.at = {1, 1};
    errors = core::validate(config, "mxsteer.toml");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message ==
          "listen socket path must not contain a NUL byte, got '/run/a\\000b'");
}

TEST_CASE("config: an http listen built in code is checked too") {
    // parse_listen() only builds valid ones; validate() also guards a Listen made otherwise.
    Config config;
    config.listen.kind = Listen::Kind::http;
    config.listen.at = {4, 10};
    config.listen.address = "localhost";
    auto errors = core::validate(config, "m.toml");
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 4);
    CHECK(errors[0].message == "listen address must be an IPv4 or IPv6 literal, got 'localhost'");
    CHECK(errors[1].message == "listen port must be 1..65535, got 0");

    config.listen.address = "::1";
    config.listen.port = 8053;
    CHECK(core::validate(config, "m.toml").empty());
    // A changed address or port is a different endpoint (a reload warns about it).
    Listen other = config.listen;
    other.port = 8054;
    CHECK_FALSE(other == config.listen);
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
