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
    if (text == "pipe") {
        return Listen{Listen::Kind::pipe, {}, {}};
    }
    constexpr std::string_view unix_prefix = "unix:";
    if (text.starts_with(unix_prefix) && text.size() > unix_prefix.size()) {
        return Listen{Listen::Kind::unix_socket, std::string{text.substr(unix_prefix.size())}, {}};
    }
    return std::nullopt;
}

std::string to_string(const Listen& listen) {
    return listen.kind == Listen::Kind::pipe ? std::string{"pipe"} : "unix:" + listen.path;
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
