// TOML config for mxlint, read with toml++ so that every error has a source position.
// SPDX-License-Identifier: MIT
#include "config.hpp"

#include "core/name.hpp"
#include "core/rule_table.hpp"
#include "toml_guard.hpp"
#include "zone_loader.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fnmatch.h>

namespace mxsteer::lint {

namespace {

class Parser {
public:
    explicit Parser(std::string path) : path_(std::move(path)) {}

    void error(const toml::source_region& where, std::string message) {
        result.errors.push_back(Diagnostic{"config",
                                           Severity::error,
                                           path_,
                                           where.begin.line,
                                           where.begin.column,
                                           {},
                                           std::move(message)});
    }

    RuleSettings rules(const toml::table& table, std::string_view context) {
        RuleSettings out;
        for (const auto& [key, value] : table) {
            const std::string id{key.str()};
            if (find_rule(id) == nullptr) {
                error(key.source(), fmt::format("{}: unknown rule '{}' (see mxlint --list-rules)",
                                                context, escape_bytes(id)));
                continue;
            }
            const auto* text = value.as_string();
            if (text == nullptr) {
                error(value.source(),
                      fmt::format("{}.{} must be a string: \"off\", \"info\", \"warning\" or "
                                  "\"error\"",
                                  context, id));
                continue;
            }
            const std::string& setting = text->get();
            if (setting == "off") {
                out[id] = std::nullopt;
            } else if (auto severity = parse_severity(setting)) {
                out[id] = *severity;
            } else {
                error(value.source(),
                      fmt::format("{}.{} must be \"off\", \"info\", \"warning\" or \"error\", "
                                  "got '{}'",
                                  context, id, escape_bytes(setting)));
            }
        }
        return out;
    }

    void parse(const toml::table& root) {
        for (const auto& [key, value] : root) {
            if (key == "rules") {
                if (const auto* table = value.as_table()) {
                    result.config.rules = rules(*table, "rules");
                } else {
                    error(value.source(), "rules must be a table of rule id = setting");
                }
            } else if (key == "files") {
                const auto* array = value.as_array();
                if (array == nullptr || !array->is_array_of_tables()) {
                    error(value.source(), "files must be an array of tables ([[files]])");
                    continue;
                }
                for (const auto& entry : *array) {
                    file_override(*entry.as_table());
                }
            } else {
                error(key.source(), fmt::format("unknown key '{}', expected 'rules' or 'files'",
                                                escape_bytes(key.str())));
            }
        }
    }

    void file_override(const toml::table& table) {
        LintConfig::FileOverride entry;
        bool has_match = false;
        for (const auto& [key, value] : table) {
            if (key == "match") {
                if (const auto* text = value.as_string(); text != nullptr && !text->get().empty()) {
                    entry.pattern = text->get();
                    has_match = true;
                } else {
                    error(value.source(), "files.match must be a non-empty glob string");
                }
            } else if (key == "rules") {
                if (const auto* rule_table = value.as_table()) {
                    entry.rules = rules(*rule_table, "files.rules");
                } else {
                    error(value.source(), "files.rules must be a table of rule id = setting");
                }
            } else {
                error(key.source(),
                      fmt::format("unknown key 'files.{}', expected 'match' or 'rules'",
                                  escape_bytes(key.str())));
            }
        }
        if (!has_match) {
            error(table.source(), "a [[files]] entry needs a 'match' glob");
            return;
        }
        result.config.files.push_back(std::move(entry));
    }

    ConfigResult result;

private:
    std::string path_;
};

} // namespace

RuleSettings LintConfig::settings_for(std::string_view path) const {
    RuleSettings out = rules;
    const std::string full{path};
    const std::string name = std::filesystem::path(full).filename().string();
    for (const auto& entry : files) {
        if (::fnmatch(entry.pattern.c_str(), full.c_str(), 0) == 0 ||
            ::fnmatch(entry.pattern.c_str(), name.c_str(), 0) == 0) {
            for (const auto& [id, setting] : entry.rules) {
                out[id] = setting;
            }
        }
    }
    return out;
}

ConfigKind config_kind(std::string_view text) {
    // The same guards as the parsers: anything they refuse is left to parse_lint_config().
    if (text.size() > max_toml_bytes || toml_too_deep(text)) {
        return ConfigKind::mxlint;
    }
    constexpr std::array<std::string_view, 7> mxsteer_keys{
        "zones", "listen", "log_level", "regions", "networks", "geoip", "steer"};
    try {
        const toml::table root = toml::parse(text);
        for (const auto& entry : root) {
            if (std::find(mxsteer_keys.begin(), mxsteer_keys.end(), entry.first.str()) !=
                mxsteer_keys.end()) {
                return ConfigKind::mxsteer;
            }
        }
    } catch (const toml::parse_error&) {
        // Not TOML: parse_lint_config() reports where and why.
    }
    return ConfigKind::mxlint;
}

ConfigResult parse_lint_config(std::string_view text, const std::string& path) {
    Parser parser{path};
    if (text.size() > max_toml_bytes) {
        parser.result.errors.push_back(
            Diagnostic{"config",
                       Severity::error,
                       path,
                       0,
                       0,
                       {},
                       fmt::format("cannot read config: larger than {} bytes", max_toml_bytes)});
        return std::move(parser.result);
    }
    if (const auto deep = toml_too_deep(text)) {
        parser.result.errors.push_back(Diagnostic{
            "config",
            Severity::error,
            path,
            deep->line,
            deep->column,
            {},
            fmt::format("keys nest too deeply: more than {} dots outside strings on one line",
                        max_toml_dots_per_line)});
        return std::move(parser.result);
    }
    try {
        const toml::table root = toml::parse(text, path);
        parser.parse(root);
    } catch (const toml::parse_error& e) {
        parser.result.errors.push_back(Diagnostic{"config",
                                                  Severity::error,
                                                  path,
                                                  e.source().begin.line,
                                                  e.source().begin.column,
                                                  {},
                                                  std::string{e.description()}});
    }
    return std::move(parser.result);
}

ConfigResult load_lint_config(const std::string& path) {
    return parse_lint_config(read_text_file(path), path);
}

} // namespace mxsteer::lint
