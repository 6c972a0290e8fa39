// Zone files -> AnswerStore, with every zone linted by the same rules as mxlint.
// SPDX-License-Identifier: MIT
#include "zone_set.hpp"

#include "core/lint.hpp"
#include "core/name.hpp"
#include "log.hpp"
#include "mmdb.hpp"
#include "rules_runner.hpp"
#include "steer_toml.hpp"
#include "zone_loader.hpp"
#include "zone_render.hpp"

#include <fmt/format.h>

#include <system_error>
#include <unordered_map>

namespace mxsteer::io {

namespace {

void log_finding(const lint::Diagnostic& d) {
    const std::string where =
        d.line == 0 ? d.file : fmt::format("{}:{}:{}", d.file, d.line, d.column);
    (d.severity == lint::Severity::error ? log::error : log::warning)(
        "steering finding", {{"at", where}, {"rule", d.rule}, {"message", d.message}});
}

// Networks files and the geo database, then the binding to the zones.
core::SteeringResult bind_config(const core::SteeringConfig& config, const std::string& config_file,
                                 const std::vector<const lint::Zone*>& zones) {
    std::vector<core::NetworkConfig> networks = config.networks;
    for (auto& n : networks) {
        n.file = config_file;
    }
    bool ok = true;
    for (const auto& file : config.network_files) {
        auto read = read_networks_file(file.name);
        for (const auto& error : read.errors) {
            log_finding(error);
            ok = false;
        }
        networks.insert(networks.end(), read.networks.begin(), read.networks.end());
    }
    std::shared_ptr<const core::GeoDatabase> database;
    if (config.geoip.database) {
        auto opened = MmdbDatabase::open(*config.geoip.database);
        if (!opened.database) {
            log_finding(lint::Diagnostic{"config",
                                         lint::Severity::error,
                                         config_file,
                                         config.geoip.database_pos.line,
                                         config.geoip.database_pos.column,
                                         {},
                                         opened.error});
            ok = false;
        } else {
            log::info("geo database opened", {{"file", *config.geoip.database},
                                              {"type", opened.database->database_type()}});
            database = std::move(opened.database);
        }
    }
    std::vector<core::OverrideConfig> overrides;
    if (config.overrides_file) {
        auto read = read_overrides_file(config.overrides_file->name);
        for (const auto& error : read.errors) {
            log_finding(error);
            ok = false;
        }
        overrides = std::move(read.overrides);
    }
    auto result =
        core::bind_steering(config, networks, std::move(database), zones, config_file, overrides);
    for (const auto& finding : result.findings) {
        log_finding(finding);
    }
    if (!ok) {
        result.steering.reset();
    }
    return result;
}

} // namespace

ZoneSetResult load_zone_set(const std::vector<core::ZoneSource>& sources,
                            const core::SteeringConfig& steering, const std::string& config_file) {
    std::vector<core::ServedZone> zones;
    std::vector<lint::Zone> kept; // for binding the steering config
    kept.reserve(sources.size());
    // origin -> the file serving it: pdns would see one zone twice in getAllDomains.
    std::unordered_map<std::string, std::string> served_from;
    ZoneSetResult result;
    for (const auto& source : sources) {
        const std::string& path = source.file;
        try {
            const std::string text = lint::read_text_file(path);
            auto origin = source.origin ? source.origin : lint::implied_origin(text, path);
            if (!origin) {
                log::error("zone refused", {{"file", path},
                                            {"reason", "cannot tell its origin: none configured, "
                                                       "no leading $ORIGIN and the file name "
                                                       "is not a domain"}});
                ++result.refused;
                continue;
            }
            const std::string key = lint::ascii_lower(*origin);
            if (auto it = served_from.find(key); it != served_from.end()) {
                log::error("zone refused",
                           {{"zone", *origin},
                            {"file", path},
                            {"reason", fmt::format("zone already served from '{}'", it->second)}});
                ++result.refused;
                continue;
            }
            auto loaded = lint::load_zone_file(path, text, *origin);
            // As mxlint lints it, with the MTA-STS policy beside the file.
            const auto findings = lint::lint_loaded(loaded, path, {}, {});
            bool errors = false;
            for (const auto& d : findings) {
                if (d.severity == lint::Severity::info) {
                    continue;
                }
                errors = errors || d.severity == lint::Severity::error;
                const std::string where = fmt::format("{}:{}", d.file, d.line);
                (d.severity == lint::Severity::error ? log::error : log::warning)(
                    "zone finding", {{"at", where}, {"rule", d.rule}, {"message", d.message}});
            }
            if (errors) {
                log::error("zone refused", {{"zone", *origin},
                                            {"file", path},
                                            {"reason", "lint errors, see the findings above"}});
                ++result.refused;
                continue;
            }
            zones.push_back(render_zone(loaded.zone));
            kept.push_back(std::move(loaded.zone));
            served_from.emplace(key, path);
            log::info("zone loaded", {{"zone", *origin},
                                      {"file", path},
                                      {"records", std::to_string(kept.back().records().size())}});
        } catch (const std::exception& e) {
            log::error("zone refused", {{"file", path}, {"reason", e.what()}});
            ++result.refused;
        }
    }
    std::vector<const lint::Zone*> bound;
    for (const auto& zone : kept) {
        bound.push_back(&zone);
    }
    auto steered = bind_config(steering, config_file, bound);
    if (!steered.steering) {
        result.steering_failed = true;
        result.steering = std::make_shared<const core::Steering>();
    } else {
        result.steering = std::move(steered.steering);
        for (const auto& rule : result.steering->rules) {
            log::info("steering", {{"name", rule.name},
                                   {"pools", std::to_string(rule.pools.size())},
                                   {"canonical", std::to_string(rule.canonical.size())}});
        }
    }
    result.store = std::make_shared<const core::AnswerStore>(std::move(zones), result.steering);
    return result;
}

} // namespace mxsteer::io
