// The mxsteerd TOML config read with toml++, which gives every key and value a source position.
// SPDX-License-Identifier: MIT
#include "config_toml.hpp"

#include "core/text.hpp"
#include "steer_toml.hpp"
#include "toml_guard.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace mxsteer::io {

namespace {

struct FileCloser {
    void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};

// "an integer", "a table": what a message says was seen where a value of another type belongs.
std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

core::SourcePosition position(const toml::source_region& where) {
    return {where.begin.line, where.begin.column};
}

class Parser {
public:
    explicit Parser(std::string path)
        : path_(std::move(path)), base_dir_(std::filesystem::path(path_).parent_path()) {}

    void parse(const toml::table& root) {
        for (const auto& [key, value] : root) {
            if (key == "listen") {
                listen(value);
            } else if (key == "log_level") {
                log_level(value);
            } else if (key == "zones") {
                zones(value);
            } else if (!parse_steering_key(
                           key.str(), value, result.steering,
                           [this](core::SourcePosition at, std::string message) {
                               error(at, std::move(message));
                           },
                           [this](const std::string& file) { return resolve(file); })) {
                error(key.source(), fmt::format("unknown key {}, expected 'listen', 'log_level', "
                                                "'zones', 'regions', 'networks', 'geoip', 'steer', "
                                                "'health' or 'overrides'",
                                                lint::quoted(key.str())));
            }
        }
    }

    void error(const toml::source_region& where, std::string message) {
        error(position(where), std::move(message));
    }

    void error(core::SourcePosition at, std::string message) {
        result.errors.push_back(lint::Diagnostic{
            "config", lint::Severity::error, path_, at.line, at.column, {}, std::move(message)});
    }

    ConfigResult result;

private:
    // Relative paths in the file are relative to the file's directory, not to the working
    // directory, so that a config means the same from wherever mxsteerd is started.
    std::string resolve(const std::string& file) const {
        if (base_dir_.empty() || std::filesystem::path(file).is_absolute()) {
            return file;
        }
        return (base_dir_ / file).string();
    }

    void listen(const toml::node& value) {
        const auto* text = value.as_string();
        if (text == nullptr) {
            error(value.source(), fmt::format("listen must be a string, {}, got {}",
                                              core::listen_expected, type_name(value)));
            return;
        }
        auto parsed = core::parse_listen(text->get());
        if (!parsed) {
            error(value.source(), fmt::format("listen must be {}, got '{}'", core::listen_expected,
                                              lint::quote(text->get())));
            return;
        }
        if (parsed->kind == core::Listen::Kind::unix_socket) {
            parsed->path = resolve(parsed->path);
        }
        parsed->at = position(value.source());
        result.config.listen = std::move(*parsed);
    }

    void log_level(const toml::node& value) {
        constexpr std::string_view expected = "'debug', 'info', 'warning' or 'error'";
        const auto* text = value.as_string();
        if (text == nullptr) {
            error(value.source(), fmt::format("log_level must be a string, {}, got {}", expected,
                                              type_name(value)));
            return;
        }
        auto level = core::parse_log_level(text->get());
        if (!level) {
            error(value.source(), fmt::format("log_level must be {}, got '{}'", expected,
                                              lint::quote(text->get())));
            return;
        }
        result.config.log_level = *level;
    }

    // [[zones]] tables, or the short form zones = ["a.zone", "b.zone"]; the two may mix.
    void zones(const toml::node& value) {
        const auto* array = value.as_array();
        if (array == nullptr) {
            error(value.source(), fmt::format("zones must be [[zones]] tables or a list of zone "
                                              "file names, got {}",
                                              type_name(value)));
            return;
        }
        for (const auto& entry : *array) {
            if (const auto* file = entry.as_string()) {
                zone_file(*file, core::ZoneSource{});
            } else if (const auto* table = entry.as_table()) {
                zone_table(*table);
            } else {
                error(entry.source(),
                      fmt::format("a zones entry must be a zone file name or a table with "
                                  "'file' and 'origin', got {}",
                                  type_name(entry)));
            }
        }
    }

    void zone_table(const toml::table& table) {
        core::ZoneSource zone;
        const toml::value<std::string>* file = nullptr;
        bool ok = true;
        for (const auto& [key, value] : table) {
            if (key == "file") {
                file = value.as_string();
                if (file == nullptr) {
                    error(value.source(), fmt::format("zones.file must be a string, the zone "
                                                      "file's path, got {}",
                                                      type_name(value)));
                    ok = false;
                }
            } else if (key == "origin") {
                ok = zone_origin(value, zone) && ok;
            } else {
                error(key.source(), fmt::format("unknown key 'zones.{}', expected 'file' or "
                                                "'origin'",
                                                lint::escape_bytes(key.str())));
                ok = false;
            }
        }
        if (file == nullptr) {
            if (ok) {
                error(table.source(), "a [[zones]] entry needs 'file', the zone file's path");
            }
            return;
        }
        if (ok) {
            zone_file(*file, std::move(zone));
        }
    }

    bool zone_origin(const toml::node& value, core::ZoneSource& zone) {
        const auto* text = value.as_string();
        if (text == nullptr) {
            error(value.source(), fmt::format("zones.origin must be a string, a domain name like "
                                              "'example.com.', got {}",
                                              type_name(value)));
            return false;
        }
        auto origin = core::parse_origin(text->get());
        if (!origin) {
            error(value.source(), fmt::format("zones.origin must be a domain name like "
                                              "'example.com.', got '{}'",
                                              lint::quote(text->get())));
            return false;
        }
        zone.origin = std::move(origin);
        return true;
    }

    void zone_file(const toml::value<std::string>& file, core::ZoneSource zone) {
        if (file.get().empty()) {
            error(file.source(), "zones.file must not be empty");
            return;
        }
        zone.file = resolve(file.get());
        zone.at = position(file.source());
        result.config.zones.push_back(std::move(zone));
    }

    std::string path_;
    std::filesystem::path base_dir_;
};

lint::Diagnostic whole_file_error(const std::string& path, std::string message) {
    return lint::Diagnostic{"config", lint::Severity::error, path, 0, 0, {}, std::move(message)};
}

} // namespace

ConfigResult parse_config_toml(std::string_view text, const std::string& path) {
    if (text.size() > max_config_bytes) {
        ConfigResult result;
        result.errors.push_back(whole_file_error(
            path, fmt::format("cannot read config: larger than {} bytes", max_config_bytes)));
        return result;
    }
    Parser parser{path};
    if (const auto deep = lint::toml_too_deep(text)) {
        parser.error(core::SourcePosition{deep->line, deep->column},
                     fmt::format("keys nest too deeply: more than {} dots outside strings on "
                                 "one line",
                                 lint::max_toml_dots_per_line));
        return std::move(parser.result);
    }
    try {
        const toml::table root = toml::parse(text, path);
        parser.parse(root);
    } catch (const toml::parse_error& e) {
        parser.error(e.source(), std::string{e.description()});
        return std::move(parser.result);
    }
    auto problems = core::validate(parser.result.config, path);
    auto& errors = parser.result.errors;
    errors.insert(errors.end(), std::make_move_iterator(problems.begin()),
                  std::make_move_iterator(problems.end()));
    // toml++ visits keys in sorted order; report in file order.
    std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
        return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return std::move(parser.result);
}

ConfigResult load_config_toml(const std::string& path) {
    const std::unique_ptr<std::FILE, FileCloser> file{std::fopen(path.c_str(), "rb")};
    if (!file) {
        const int failure = errno;
        ConfigResult result;
        result.errors.push_back(whole_file_error(
            path, fmt::format("cannot read config: {}", std::generic_category().message(failure))));
        return result;
    }
    // One byte past the cap tells "exactly at the cap" from "larger".
    std::string text(max_config_bytes + 1, '\0');
    const std::size_t size = std::fread(text.data(), 1, text.size(), file.get());
    if (std::ferror(file.get()) != 0) {
        const int failure = errno; // EISDIR for a directory
        ConfigResult result;
        result.errors.push_back(whole_file_error(
            path, fmt::format("cannot read config: {}", std::generic_category().message(failure))));
        return result;
    }
    text.resize(size);
    return parse_config_toml(text, path);
}

std::string format_config_error(const lint::Diagnostic& error) {
    if (error.line == 0) {
        return fmt::format("{}: {}: {}", error.file, lint::to_string(error.severity),
                           error.message);
    }
    return fmt::format("{}:{}:{}: {}: {}", error.file, error.line, error.column,
                       lint::to_string(error.severity), error.message);
}

} // namespace mxsteer::io
