// mxsteerd configuration rules: value parsers and the cross-value checks of validate().
// SPDX-License-Identifier: MIT
#include "core/config.hpp"

#include "core/name.hpp"
#include "core/text.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <utility>

namespace mxsteer::core {

namespace {

constexpr std::array<std::pair<LogLevel, std::string_view>, 4> log_level_names{{
    {LogLevel::debug, "debug"},
    {LogLevel::info, "info"},
    {LogLevel::warning, "warning"},
    {LogLevel::error, "error"},
}};

lint::Diagnostic error_at(const std::string& file, SourcePosition at, std::string message) {
    return lint::Diagnostic{"config", lint::Severity::error, file, at.line, at.column,
                            {},       std::move(message)};
}

// "line 3" for a value from the file, "the command line" for one without a position.
std::string where(SourcePosition at) {
    return at.line == 0 ? std::string{"the command line"} : fmt::format("line {}", at.line);
}

// A TCP port in decimal, 1..65535, digits only.
std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5 || text.front() == '0') {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

} // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
    for (const auto& [level, name] : log_level_names) {
        if (text == name) {
            return level;
        }
    }
    return std::nullopt;
}

std::string_view to_string(LogLevel level) {
    for (const auto& [candidate, name] : log_level_names) {
        if (candidate == level) {
            return name;
        }
    }
    return "info";
}

std::optional<Listen> parse_listen(std::string_view text) {
    Listen listen;
    listen.path.clear();
    if (text == "pipe") {
        listen.kind = Listen::Kind::pipe;
        return listen;
    }
    constexpr std::string_view unix_prefix = "unix:";
    if (text.starts_with(unix_prefix) && text.size() > unix_prefix.size()) {
        listen.kind = Listen::Kind::unix_socket;
        listen.path = text.substr(unix_prefix.size());
        return listen;
    }
    constexpr std::string_view http_prefix = "http:";
    if (!text.starts_with(http_prefix)) {
        return std::nullopt;
    }
    text.remove_prefix(http_prefix.size());
    std::string_view address = default_http_address;
    std::string_view port_text = text;
    if (text.starts_with('[')) {
        // "[IPV6]:PORT": the brackets keep the address's colons apart from the port's.
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        address = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        if (!is_ipv6_literal(address)) {
            return std::nullopt;
        }
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        address = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (!is_ipv4_literal(address)) {
            return std::nullopt; // also an IPv6 address without brackets
        }
    }
    const auto port = parse_port(port_text);
    if (!port) {
        return std::nullopt;
    }
    listen.kind = Listen::Kind::http;
    listen.address = address;
    listen.port = *port;
    return listen;
}

std::string to_string(const Listen& listen) {
    switch (listen.kind) {
    case Listen::Kind::pipe:
        return "pipe";
    case Listen::Kind::http:
        if (listen.address.find(':') != std::string::npos) {
            return fmt::format("http:[{}]:{}", listen.address, listen.port);
        }
        return fmt::format("http:{}:{}", listen.address, listen.port);
    case Listen::Kind::unix_socket:
        break;
    }
    return "unix:" + listen.path;
}

bool is_ipv4_literal(std::string_view text) {
    // Four decimal octets 0..255 without leading zeros, as inet_pton(AF_INET) reads them.
    int octets = 0;
    while (true) {
        const auto dot = text.find('.');
        const std::string_view octet = text.substr(0, dot);
        if (octet.empty() || octet.size() > 3 || (octet.size() > 1 && octet.front() == '0')) {
            return false;
        }
        int value = 0;
        for (const char c : octet) {
            if (c < '0' || c > '9') {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        if (value > 255 || ++octets > 4) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return octets == 4;
        }
        text.remove_prefix(dot + 1);
    }
}

bool is_ipv6_literal(std::string_view text) {
    // RFC 4291 section 2.2: eight groups of 1..4 hex digits, one "::" standing for one or more
    // zero groups, the last two groups optionally written as an IPv4 address. No zone index.
    if (text.size() < 2 || text.size() > 45) {
        return false;
    }
    const auto gap = text.find("::");
    if (gap != std::string_view::npos && text.find("::", gap + 1) != std::string_view::npos) {
        return false;
    }
    // Counts the groups of one side of the "::" (or of the whole address); -1 if malformed.
    const auto groups = [](std::string_view side, bool last) -> int {
        if (side.empty()) {
            return 0;
        }
        int count = 0;
        while (true) {
            const auto colon = side.find(':');
            const std::string_view group = side.substr(0, colon);
            if (colon == std::string_view::npos && last &&
                group.find('.') != std::string_view::npos) {
                return is_ipv4_literal(group) ? count + 2 : -1;
            }
            if (group.empty() || group.size() > 4 ||
                group.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
                return -1;
            }
            ++count;
            if (colon == std::string_view::npos) {
                return count;
            }
            side.remove_prefix(colon + 1);
        }
    };
    if (gap == std::string_view::npos) {
        return groups(text, true) == 8;
    }
    const int before = groups(text.substr(0, gap), false);
    const int after = groups(text.substr(gap + 2), true);
    return before >= 0 && after >= 0 && before + after <= 7;
}

std::optional<std::string> parse_origin(std::string_view text) {
    // A name standing alone, outside any zone file: no "@", no escapes, no relative form other
    // than a missing final dot. Labels of 1..63 bytes, at most 255 bytes on the wire (RFC 1035
    // §2.3.4).
    if (text.empty() || text == "@" || text.find("..") != std::string_view::npos ||
        (text.front() == '.' && text != ".")) {
        return std::nullopt;
    }
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '\\') {
            return std::nullopt;
        }
    }
    auto name = lint::canonical_name(text, ".");
    if (!name) {
        return std::nullopt;
    }
    std::size_t label = 0;
    for (const char c : *name) {
        label = c == '.' ? 0 : label + 1;
        if (label > 63) {
            return std::nullopt;
        }
    }
    // Wire form: a length byte per label plus the root byte; the text form's dots stand in for
    // all but the first length byte.
    if (*name != "." && name->size() + 1 > 255) {
        return std::nullopt;
    }
    return name;
}

std::vector<lint::Diagnostic> validate(const Config& config, const std::string& file) {
    std::vector<lint::Diagnostic> errors;
    if (config.listen.kind == Listen::Kind::unix_socket) {
        const std::string& path = config.listen.path;
        if (path.find('\0') != std::string::npos) {
            errors.push_back(error_at(file, config.listen.at,
                                      fmt::format("listen socket path must not contain a NUL "
                                                  "byte, got '{}'",
                                                  lint::quote(path))));
        } else if (path.size() > max_socket_path) {
            errors.push_back(error_at(
                file, config.listen.at,
                fmt::format("listen socket path must be at most {} bytes, got {} bytes: '{}'",
                            max_socket_path, path.size(), lint::quote(path))));
        }
    }

    if (config.listen.kind == Listen::Kind::http) {
        const Listen& listen = config.listen;
        if (!is_ipv4_literal(listen.address) && !is_ipv6_literal(listen.address)) {
            errors.push_back(error_at(file, listen.at,
                                      fmt::format("listen address must be an IPv4 or IPv6 "
                                                  "literal, got '{}'",
                                                  lint::quote(listen.address))));
        }
        if (listen.port == 0) {
            errors.push_back(error_at(file, listen.at, "listen port must be 1..65535, got 0"));
        }
    }

    // Index of the first zone per origin and per (file, origin): a config may list thousands.
    std::map<std::string, std::size_t> origins;
    std::map<std::pair<std::string, std::optional<std::string>>, std::size_t> listings;
    for (std::size_t i = 0; i < config.zones.size(); ++i) {
        const ZoneSource& zone = config.zones[i];
        if (zone.file.empty()) {
            errors.push_back(error_at(file, zone.at, "zones: file must not be empty"));
            continue;
        }
        if (zone.file.find('\0') != std::string::npos) {
            errors.push_back(
                error_at(file, zone.at,
                         fmt::format("zones: file must not contain a NUL byte, got '{}'",
                                     lint::quote(zone.file))));
            continue;
        }
        // The first listing wins; a later one is the mistake and is reported where it is.
        if (zone.origin) {
            const auto [it, fresh] = origins.try_emplace(*zone.origin, i);
            if (!fresh) {
                const ZoneSource& earlier = config.zones[it->second];
                errors.push_back(
                    error_at(file, zone.at,
                             fmt::format("zones: origin {} is already served by {} ({})",
                                         lint::quoted(*zone.origin), lint::quoted(earlier.file),
                                         where(earlier.at))));
                continue;
            }
        }
        const auto [it, fresh] = listings.try_emplace({zone.file, zone.origin}, i);
        if (!fresh) {
            errors.push_back(
                error_at(file, zone.at,
                         fmt::format("zones: file {} is already listed ({})",
                                     lint::quoted(zone.file), where(config.zones[it->second].at))));
        }
    }
    return errors;
}

} // namespace mxsteer::core
