// mxsteerd configuration: the typed settings and the rules they must meet, free of any syntax.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/diagnostic.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::core {

// Where a value was written in the config file: 1-based line and column; 0:0 for a default or a
// value from the command line.
struct SourcePosition {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

enum class LogLevel : std::uint8_t { debug, info, warning, error };

[[nodiscard]] std::optional<LogLevel> parse_log_level(std::string_view text);
[[nodiscard]] std::string_view to_string(LogLevel level);

// The one endpoint pdns talks to: a unix socket mxsteerd listens on, stdin/stdout when pdns
// spawns mxsteerd itself (remote-connection-string=pipe:command=...), or a TCP address for
// pdns's HTTP connector (remote-connection-string=http:url=http://ADDRESS:PORT/dns).
struct Listen {
    enum class Kind : std::uint8_t { unix_socket, pipe, http };
    Kind kind = Kind::unix_socket;
    std::string path = "/run/mxsteer/pdns.sock"; // unix_socket only
    SourcePosition at;
    std::string address;    // http only: an IPv4 or IPv6 literal, without brackets
    std::uint16_t port = 0; // http only: 1..65535

    friend bool operator==(const Listen& a, const Listen& b) {
        return a.kind == b.kind && a.path == b.path && a.address == b.address && a.port == b.port;
    }
};

// What a listen value must look like, for messages.
inline constexpr std::string_view listen_expected = "'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT'";
// Longest unix socket path: sockaddr_un::sun_path holds 108 bytes with the terminating NUL.
inline constexpr std::size_t max_socket_path = 107;
// The address of "http:PORT": loopback, since the HTTP connector has no authentication.
inline constexpr std::string_view default_http_address = "127.0.0.1";

// "unix:PATH" (PATH non-empty), "pipe", "http:PORT" (on 127.0.0.1), "http:IPV4:PORT" or
// "http:[IPV6]:PORT" (PORT 1..65535 in decimal; addresses are literals, not host names);
// nullopt for anything else. The path is kept as written; its length is checked by validate().
[[nodiscard]] std::optional<Listen> parse_listen(std::string_view text);
// The text parse_listen() reads back: "unix:/run/mxsteer/pdns.sock", "pipe",
// "http:127.0.0.1:8053" or "http:[::1]:8053".
[[nodiscard]] std::string to_string(const Listen& listen);

// Address literals as inet_pton(3) reads them: "192.0.2.1" (no leading zeros); "2001:db8::1",
// "::", "::ffff:192.0.2.1" (no zone index, no brackets).
[[nodiscard]] bool is_ipv4_literal(std::string_view text);
[[nodiscard]] bool is_ipv6_literal(std::string_view text);

// A zone file to serve. Without `origin` the zone's origin is its leading $ORIGIN, else the
// file name (as mxlint does).
struct ZoneSource {
    std::string file;
    std::optional<std::string> origin; // canonical: lowercase, absolute
    SourcePosition at;                 // the entry (or the string) in the zones list
};

// A zone origin as written by a user ("example.com." or "example.com"), canonicalised to
// lowercase and absolute; nullopt when it is not a domain name.
[[nodiscard]] std::optional<std::string> parse_origin(std::string_view text);

// Everything mxsteerd runs with. Each member has the default it runs with when neither the
// config file nor the command line sets it. Later sections ([[regions]], [networks], [geoip],
// [[steer]], [health]) become members here, each read by the TOML adapter and checked by
// validate() the same way.
struct Config {
    Listen listen;
    LogLevel log_level = LogLevel::info;
    std::vector<ZoneSource> zones;
};

// Rules that span values or need them resolved (paths joined to the config directory): the
// socket path fits sun_path, an http listen has an address literal and a port, no zone file is
// listed twice, no origin is given twice. Each
// problem is a Diagnostic with rule "config", severity error, `file` and the value's position.
// An empty result means the config is usable. Never throws.
[[nodiscard]] std::vector<lint::Diagnostic> validate(const Config& config, const std::string& file);

} // namespace mxsteer::core
