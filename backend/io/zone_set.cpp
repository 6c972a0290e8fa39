// Zone files -> AnswerStore, with every zone linted by the same rules as mxlint.
// SPDX-License-Identifier: MIT
#include "zone_set.hpp"

#include "core/lint.hpp"
#include "core/name.hpp"
#include "log.hpp"
#include "zone_loader.hpp"
#include "zone_render.hpp"

#include <fmt/format.h>

#include <system_error>
#include <unordered_map>

namespace mxsteer::io {

ZoneSetResult load_zone_set(const std::vector<core::ZoneSource>& sources) {
    std::vector<core::ServedZone> zones;
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
            auto findings = lint::run_rules(loaded.zone, {});
            findings.insert(findings.end(), loaded.diagnostics.begin(), loaded.diagnostics.end());
            findings = lint::apply_settings(std::move(findings), {}, loaded.suppressions);
            lint::sort_findings(findings);
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
            served_from.emplace(key, path);
            log::info("zone loaded", {{"zone", *origin},
                                      {"file", path},
                                      {"records", std::to_string(loaded.zone.records().size())}});
        } catch (const std::exception& e) {
            log::error("zone refused", {{"file", path}, {"reason", e.what()}});
            ++result.refused;
        }
    }
    result.store = std::make_shared<const core::AnswerStore>(std::move(zones));
    return result;
}

} // namespace mxsteer::io
