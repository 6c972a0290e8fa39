// [[regions]], [networks], [geoip] and [[steer]] read with toml++, and networks files.
// SPDX-License-Identifier: MIT
#include "steer_toml.hpp"

#include "core/name.hpp"
#include "core/text.hpp"
#include "zone_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <utility>

namespace mxsteer::io {

namespace {

core::SourcePosition at(const toml::node& node) {
    return {node.source().begin.line, node.source().begin.column};
}

core::SourcePosition at(const toml::key& key) {
    return {key.source().begin.line, key.source().begin.column};
}

std::string_view kind(const toml::node& node) {
    if (node.is_string()) {
        return "a string";
    }
    if (node.is_integer()) {
        return "an integer";
    }
    if (node.is_floating_point()) {
        return "a float";
    }
    if (node.is_boolean()) {
        return "a boolean";
    }
    if (node.is_array()) {
        return "an array";
    }
    if (node.is_table()) {
        return "a table";
    }
    return "a date or time";
}

class Reader {
public:
    Reader(core::SteeringConfig& out, const ConfigError& error, const PathResolver& resolve)
        : out_(out), error_(error), resolve_(resolve) {}

    void regions(const toml::node& value) {
        each_table(value, "regions", [&](const toml::table& t) {
            core::RegionConfig region;
            region.pos = at(t);
            std::optional<double> lat;
            std::optional<double> lon;
            bool named = false;
            bool valid = true;
            for (const auto& [key, v] : t) {
                if (key == "name") {
                    named = true;
                    valid = name_string(v, "regions.name", region.name) && valid;
                } else if (key == "latitude") {
                    lat = coordinate(v, "regions.latitude", 90);
                } else if (key == "longitude") {
                    lon = coordinate(v, "regions.longitude", 180);
                } else {
                    unknown(key, "regions", "'name', 'latitude' or 'longitude'");
                }
            }
            if (!named) {
                error_(region.pos, "a [[regions]] entry needs 'name', e.g. name = \"eu\"");
            }
            if (!named || !valid) {
                return;
            }
            region.at = both(lat, lon, region.pos, "regions");
            out_.regions.push_back(std::move(region));
        });
    }

    void networks(const toml::node& value) {
        const auto* table = value.as_table();
        if (table == nullptr) {
            error_(at(value), fmt::format("networks must be a table of \"CIDR\" = \"region\", "
                                          "got {}",
                                          kind(value)));
            return;
        }
        for (const auto& [key, v] : *table) {
            if (key == "files") {
                string_list(v, "networks.files", [&](const toml::value<std::string>& file) {
                    out_.network_files.push_back({resolve_(file.get()), at(file)});
                });
                continue;
            }
            auto prefix = core::parse_prefix(key.str());
            if (!prefix) {
                error_(at(key), fmt::format("networks keys must be CIDR blocks like "
                                            "\"192.0.2.0/24\" (host bits zero) or 'files', got {}",
                                            lint::quoted(key.str())));
                continue;
            }
            const auto* region = v.as_string();
            if (region == nullptr) {
                error_(at(v), fmt::format("networks.\"{}\" must be a region name, got {}",
                                          key.str(), kind(v)));
                continue;
            }
            out_.networks.push_back({*prefix, region->get(), {}, at(v)});
        }
    }

    void geoip(const toml::node& value) {
        const auto* table = value.as_table();
        if (table == nullptr) {
            error_(at(value), fmt::format("geoip must be a table, got {}", kind(value)));
            return;
        }
        core::GeoipConfig& g = out_.geoip;
        for (const auto& [key, v] : *table) {
            if (key == "database") {
                std::string path;
                if (plain_string(v, "geoip.database", path)) {
                    g.database = resolve_(path);
                    g.database_pos = at(v);
                }
            } else if (key == "default") {
                std::string region;
                if (name_string(v, "geoip.default", region)) {
                    g.default_region = core::NamedRef{region, at(v)};
                }
            } else if (key == "countries" || key == "continents") {
                code_map(v, key.str(), key == "countries" ? g.countries : g.continents);
            } else {
                unknown(key, "geoip", "'database', 'default', 'countries' or 'continents'");
            }
        }
    }

    void steer(const toml::node& value) {
        each_table(value, "steer", [&](const toml::table& t) { steer_table(t); });
    }

    void health(const toml::node& value) {
        const auto* table = value.as_table();
        if (table == nullptr) {
            error_(at(value), fmt::format("health must be a table, got {}", kind(value)));
            return;
        }
        core::HealthSection h;
        h.pos = at(value);
        core::HealthConfig& c = h.config;
        auto& t = c.timeouts;
        struct Duration {
            std::string_view key;
            core::Millis* value;
            double max_s;
        };
        const Duration durations[] = {
            {"interval", &c.interval, 3600},
            {"spread", &c.spread, 3600},
            {"fast_interval", &c.fast_interval, 3600},
            {"backoff_base", &c.backoff_base, 3600},
            {"backoff_max", &c.backoff_max, 86400},
            {"backoff_jitter", &c.backoff_jitter, 3600},
            {"connect_timeout", &t.connect, 300},
            {"banner_timeout", &t.banner, 300},
            {"ehlo_timeout", &t.ehlo, 300},
            {"starttls_timeout", &t.starttls, 300},
            {"tls_timeout", &t.tls_handshake, 300},
            {"quit_timeout", &t.quit, 300},
            {"tls_session_lifetime", &c.tls_session_lifetime, 86400},
        };
        for (const auto& [key, v] : *table) {
            const std::string_view name = key.str(); // clang 14: no capturing a binding
            const auto* duration =
                std::find_if(std::begin(durations), std::end(durations),
                             [name](const Duration& d) { return d.key == name; });
            if (duration != std::end(durations)) {
                if (auto seconds =
                        number(v, fmt::format("health.{}", key.str()), 0, duration->max_s)) {
                    *duration->value = core::Millis{static_cast<std::int64_t>(*seconds * 1000)};
                }
            } else if (key == "rise" || key == "fall" || key == "ok_after") {
                if (auto n = integer(v, fmt::format("health.{}", key.str()), 1, 100)) {
                    (key == "rise"   ? c.rise
                     : key == "fall" ? c.fall
                                     : c.ok_after) = static_cast<unsigned>(*n);
                }
            } else if (key == "backoff_factor") {
                if (auto f = number(v, "health.backoff_factor", 1, 10)) {
                    c.backoff_factor = *f;
                }
            } else if (key == "max_concurrent") {
                if (auto n = integer(v, "health.max_concurrent", 1, 65536)) {
                    c.max_concurrent = static_cast<std::size_t>(*n);
                }
            } else if (key == "port") {
                if (auto n = integer(v, "health.port", 1, 65535)) {
                    c.port = static_cast<std::uint16_t>(*n);
                }
            } else if (key == "max_snapshot_age") {
                if (auto n = integer(v, "health.max_snapshot_age", 1, 86400)) {
                    c.max_snapshot_age_s = *n;
                }
            } else if (key == "probe_name") {
                if (!domain(v, "health.probe_name", c.probe_name)) {
                    continue;
                }
                c.probe_name.pop_back(); // EHLO takes the name without the root dot
            } else if (key == "ca_file") {
                std::string file;
                if (plain_string(v, "health.ca_file", file)) {
                    c.ca_file = resolve_(file);
                }
            } else if (key == "source_address") {
                std::string text;
                if (plain_string(v, "health.source_address", text)) {
                    if (core::parse_address(text)) {
                        c.source_address = text;
                    } else {
                        error_(at(v), fmt::format("health.source_address must be an IP address, "
                                                  "got {}",
                                                  lint::quoted(text)));
                    }
                }
            } else if (key == "status_listen") {
                const auto* text = v.as_string();
                if (text == nullptr) {
                    error_(at(v), fmt::format("health.status_listen must be \"ADDRESS:PORT\" or "
                                              "\"\" (off), got {}",
                                              kind(v)));
                } else {
                    h.status_listen = text->get();
                }
            } else if (key == "starttls") {
                choice(v, "health.starttls", {"off", "opportunistic", "required"},
                       [&](int i) { c.starttls = static_cast<core::StartTls>(i); });
            } else if (key == "verify") {
                choice(v, "health.verify", {"none", "pkix", "dane", "both"},
                       [&](int i) { c.verify = static_cast<core::Verify>(i); });
            } else if (key == "initial_state") {
                choice(v, "health.initial_state", {"up", "down"}, [&](int i) {
                    c.initial_state = i == 0 ? core::Health::up : core::Health::down;
                });
            } else if (key == "exchange_up_when") {
                choice(v, "health.exchange_up_when", {"any", "all"},
                       [&](int i) { c.exchange_up_when = static_cast<core::ExchangeUpWhen>(i); });
            } else {
                unknown(
                    key, "health",
                    "a duration (interval, spread, fast_interval, backoff_base, backoff_max, "
                    "backoff_jitter, *_timeout, tls_session_lifetime), 'rise', 'fall', 'ok_after', "
                    "'backoff_factor', 'max_concurrent', 'port', 'max_snapshot_age', "
                    "'probe_name', 'ca_file', 'source_address', 'status_listen', "
                    "'starttls', 'verify', 'initial_state' or 'exchange_up_when'");
            }
        }
        for (const std::string& problem : core::validate(c)) {
            error_(h.pos, problem);
        }
        out_.health = std::move(h);
    }

private:
    void steer_table(const toml::table& t) {
        core::SteerConfig s;
        s.pos = at(t);
        s.ttl_pos = s.pos;
        bool named = false;
        bool valid = true;
        for (const auto& [key, v] : t) {
            if (key == "name") {
                named = true;
                valid = domain(v, "steer.name", s.name) && valid;
            } else if (key == "pools") {
                each_table(v, "steer.pools", [&](const toml::table& p) { pool(p, s); });
            } else if (key == "order") {
                order(v, s);
            } else if (key == "ttl_min" || key == "ttl_max") {
                if (auto n = integer(v, fmt::format("steer.{}", key.str()), 0, 604800)) {
                    (key == "ttl_min" ? s.ttl_min : s.ttl_max) = static_cast<std::uint32_t>(*n);
                    s.ttl_pos = at(v);
                }
            } else if (key == "relay_networks") {
                string_list(v, "steer.relay_networks", [&](const toml::value<std::string>& n) {
                    if (auto prefix = core::parse_prefix(n.get())) {
                        s.relay_networks.push_back(*prefix);
                    } else {
                        error_(at(n), fmt::format("steer.relay_networks entries must be CIDR "
                                                  "blocks like \"203.0.113.0/28\", got {}",
                                                  lint::quoted(n.get())));
                    }
                });
            } else if (key == "drop_unhealthy") {
                if (const auto* b = v.as_boolean()) {
                    s.drop_unhealthy = b->get();
                } else {
                    error_(at(v), fmt::format("steer.drop_unhealthy must be true or false, got {}",
                                              kind(v)));
                }
            } else if (key == "min_answers") {
                if (auto n = integer(v, "steer.min_answers", 1, 64)) {
                    s.min_answers = static_cast<std::size_t>(*n);
                }
            } else if (key == "preference_base" || key == "preference_step") {
                if (auto n = integer(v, fmt::format("steer.{}", key.str()), 0, 65535)) {
                    (key == "preference_base" ? s.preference_base : s.preference_step) =
                        static_cast<std::uint16_t>(*n);
                }
            } else {
                unknown(key, "steer",
                        "'name', 'pools', 'order', 'ttl_min', 'ttl_max', 'relay_networks', "
                        "'drop_unhealthy', 'min_answers', 'preference_base' or "
                        "'preference_step'");
            }
        }
        if (!named) {
            error_(s.pos, "a [[steer]] entry needs 'name', the steered owner like "
                          "\"example.com.\"");
        }
        if (!named || !valid) {
            return;
        }
        out_.steer.push_back(std::move(s));
    }

    void pool(const toml::table& t, core::SteerConfig& s) {
        core::PoolConfig p;
        p.pos = at(t);
        std::optional<double> lat;
        std::optional<double> lon;
        bool named = false;
        bool valid = true;
        for (const auto& [key, v] : t) {
            if (key == "name") {
                named = true;
                valid = name_string(v, "steer.pools.name", p.name) && valid;
            } else if (key == "exchanges") {
                string_list(v, "steer.pools.exchanges", [&](const toml::value<std::string>& e) {
                    if (auto name = lint::canonical_name(e.get())) {
                        p.exchanges.push_back({*name, at(e)});
                    } else {
                        error_(at(e), fmt::format("steer.pools.exchanges entries must be host "
                                                  "names like \"mx1.example.com.\", got {}",
                                                  lint::quoted(e.get())));
                    }
                });
            } else if (key == "latitude") {
                lat = coordinate(v, "steer.pools.latitude", 90);
            } else if (key == "longitude") {
                lon = coordinate(v, "steer.pools.longitude", 180);
            } else {
                unknown(key, "steer.pools", "'name', 'exchanges', 'latitude' or 'longitude'");
            }
        }
        if (!named) {
            error_(p.pos, "a [[steer.pools]] entry needs 'name'");
        }
        if (!named || !valid) {
            return;
        }
        p.at = both(lat, lon, p.pos, "steer.pools");
        s.pools.push_back(std::move(p));
    }

    // order = "distance" | "regions", or a table: region (or "default") = [pools].
    void order(const toml::node& v, core::SteerConfig& s) {
        if (const auto* text = v.as_string()) {
            if (text->get() == "distance" || text->get() == "regions") {
                s.distance = text->get() == "distance";
            } else {
                error_(at(v), fmt::format("steer.order must be \"distance\", \"regions\" or a "
                                          "table of region = [pools], got {}",
                                          lint::quoted(text->get())));
            }
            return;
        }
        const auto* table = v.as_table();
        if (table == nullptr) {
            error_(at(v), fmt::format("steer.order must be \"distance\" or a table of region = "
                                      "[pools], got {}",
                                      kind(v)));
            return;
        }
        for (const auto& [key, list] : *table) {
            std::vector<core::NamedRef> pools;
            string_list(list, fmt::format("steer.order.{}", key.str()),
                        [&](const toml::value<std::string>& p) {
                            pools.push_back({p.get(), at(p)});
                        });
            s.order.emplace_back(core::NamedRef{std::string{key.str()}, at(key)}, std::move(pools));
        }
    }

    void code_map(const toml::node& v, std::string_view what,
                  std::vector<std::pair<core::NamedRef, core::NamedRef>>& out) {
        const auto* table = v.as_table();
        if (table == nullptr) {
            error_(at(v), fmt::format("geoip.{} must be a table of CODE = \"region\", got {}", what,
                                      kind(v)));
            return;
        }
        for (const auto& [key, region] : *table) {
            const auto* text = region.as_string();
            if (text == nullptr) {
                error_(at(region), fmt::format("geoip.{}.{} must be a region name, got {}", what,
                                               lint::escape_bytes(key.str()), kind(region)));
                continue;
            }
            const std::string code{key.str()};
            const bool two_letters =
                code.size() == 2 && std::isupper(code[0]) != 0 && std::isupper(code[1]) != 0;
            if (!two_letters) {
                error_(at(key), fmt::format("geoip.{} keys must be two upper-case letters "
                                            "(ISO 3166 country or continent codes like DE, EU), "
                                            "got {}",
                                            what, lint::quoted(code)));
                continue;
            }
            out.emplace_back(core::NamedRef{code, at(key)},
                             core::NamedRef{text->get(), at(region)});
        }
    }

    template <typename F>
    void each_table(const toml::node& value, std::string_view what, F&& f) {
        const auto* array = value.as_array();
        if (array == nullptr) {
            error_(at(value),
                   fmt::format("{} must be [[{}]] tables, got {}", what, what, kind(value)));
            return;
        }
        for (const auto& entry : *array) {
            if (const auto* table = entry.as_table()) {
                f(*table);
            } else {
                error_(at(entry),
                       fmt::format("{} entries must be tables, got {}", what, kind(entry)));
            }
        }
    }

    template <typename F>
    void string_list(const toml::node& value, std::string_view what, F&& f) {
        const auto* array = value.as_array();
        if (array == nullptr) {
            error_(at(value),
                   fmt::format("{} must be a list of strings, got {}", what, kind(value)));
            return;
        }
        for (const auto& entry : *array) {
            if (const auto* text = entry.as_string()) {
                f(*text);
            } else {
                error_(at(entry),
                       fmt::format("{} entries must be strings, got {}", what, kind(entry)));
            }
        }
    }

    bool plain_string(const toml::node& v, std::string_view what, std::string& out) {
        const auto* text = v.as_string();
        if (text == nullptr || text->get().empty()) {
            error_(at(v), fmt::format("{} must be a non-empty string, got {}", what,
                                      text == nullptr ? kind(v) : "\"\""));
            return false;
        }
        out = text->get();
        return true;
    }

    // Region and pool names: letters, digits, '-' and '_'.
    bool name_string(const toml::node& v, std::string_view what, std::string& out) {
        if (!plain_string(v, what, out)) {
            return false;
        }
        for (const char c : out) {
            if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') {
                error_(at(v), fmt::format("{} must be letters, digits, '-' or '_', got {}", what,
                                          lint::quoted(out)));
                return false;
            }
        }
        return true;
    }

    bool domain(const toml::node& v, std::string_view what, std::string& out) {
        std::string text;
        if (!plain_string(v, what, text)) {
            return false;
        }
        auto name = lint::canonical_name(text);
        if (!name) {
            error_(at(v), fmt::format("{} must be a domain name like \"example.com.\", got {}",
                                      what, lint::quoted(text)));
            return false;
        }
        out = *name;
        return true;
    }

    std::optional<std::int64_t> integer(const toml::node& v, std::string_view what,
                                        std::int64_t low, std::int64_t high) {
        const auto* n = v.as_integer();
        if (n == nullptr || n->get() < low || n->get() > high) {
            error_(at(v),
                   fmt::format("{} must be an integer from {} to {}, got {}", what, low, high,
                               n == nullptr ? std::string{kind(v)} : std::to_string(n->get())));
            return std::nullopt;
        }
        return n->get();
    }

    std::optional<double> number(const toml::node& v, std::string_view what, double low,
                                 double high) {
        std::optional<double> value;
        if (const auto* f = v.as_floating_point()) {
            value = f->get();
        } else if (const auto* i = v.as_integer()) {
            value = static_cast<double>(i->get());
        }
        if (!value || !(*value >= low && *value <= high)) {
            error_(at(v), fmt::format("{} must be a number from {} to {} (seconds for "
                                      "durations)",
                                      what, low, high));
            return std::nullopt;
        }
        return value;
    }

    template <typename F>
    void choice(const toml::node& v, std::string_view what,
                std::initializer_list<std::string_view> options, F&& set) {
        const auto* text = v.as_string();
        int i = 0;
        for (const std::string_view option : options) {
            if (text != nullptr && text->get() == option) {
                set(i);
                return;
            }
            ++i;
        }
        std::string expected;
        for (const std::string_view option : options) {
            expected += fmt::format("{}\"{}\"", expected.empty() ? "" : ", ", option);
        }
        error_(at(v),
               fmt::format("{} must be one of {}, got {}", what, expected,
                           text == nullptr ? std::string{kind(v)} : lint::quoted(text->get())));
    }

    std::optional<double> coordinate(const toml::node& v, std::string_view what, double limit) {
        std::optional<double> value;
        if (const auto* f = v.as_floating_point()) {
            value = f->get();
        } else if (const auto* i = v.as_integer()) {
            value = static_cast<double>(i->get());
        }
        if (!value || !(*value >= -limit && *value <= limit)) {
            error_(at(v), fmt::format("{} must be a number from {} to {}", what, -limit, limit));
            coordinate_failed_ = true;
            return std::nullopt;
        }
        return value;
    }

    std::optional<core::Coordinates> both(std::optional<double> lat, std::optional<double> lon,
                                          core::SourcePosition pos, std::string_view what) {
        const bool failed = std::exchange(coordinate_failed_, false);
        if (failed) {
            return std::nullopt; // already reported
        }
        if (lat.has_value() != lon.has_value()) {
            error_(pos, fmt::format("{} needs both latitude and longitude, or neither", what));
            return std::nullopt;
        }
        if (!lat) {
            return std::nullopt;
        }
        return core::Coordinates{*lat, *lon};
    }

    void unknown(const toml::key& key, std::string_view table, std::string_view expected) {
        error_(at(key), fmt::format("unknown key '{}.{}', expected {}", table,
                                    lint::escape_bytes(key.str()), expected));
    }

    core::SteeringConfig& out_;
    const ConfigError& error_;
    const PathResolver& resolve_;
    bool coordinate_failed_ = false; // since the last both()
};

} // namespace

bool parse_steering_key(std::string_view key, const toml::node& value,
                        core::SteeringConfig& steering, const ConfigError& error,
                        const PathResolver& resolve) {
    Reader reader{steering, error, resolve};
    if (key == "regions") {
        reader.regions(value);
    } else if (key == "networks") {
        reader.networks(value);
    } else if (key == "geoip") {
        reader.geoip(value);
    } else if (key == "steer") {
        reader.steer(value);
    } else if (key == "health") {
        reader.health(value);
    } else if (key == "overrides") {
        const auto* text = value.as_string();
        if (text == nullptr || text->get().empty()) {
            error({value.source().begin.line, value.source().begin.column},
                  "overrides must be the path of an overrides file (lines \"drain|force-up|"
                  "force-down EXCHANGE\")");
        } else {
            steering.overrides_file = core::NamedRef{
                resolve(text->get()), {value.source().begin.line, value.source().begin.column}};
        }
    } else {
        return false;
    }
    return true;
}

namespace {

using Word = std::pair<std::string_view, std::uint32_t>; // text, 1-based column

// The words of one line (up to '#').
std::vector<Word> words_of(std::string_view line) {
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
        line = line.substr(0, hash);
    }
    std::vector<Word> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            ++i;
        }
        if (i > start) {
            words.emplace_back(line.substr(start, i - start),
                               static_cast<std::uint32_t>(start + 1));
        }
    }
    return words;
}

// Reads a line-oriented file with `parse`, or says why it cannot ("networks file").
template <typename Result, typename Parse>
Result read_lines_file(const std::string& path, std::string_view what, Parse parse) {
    Result result;
    try {
        const std::string text = lint::read_text_file(path);
        if (text.size() <= max_networks_file_bytes) {
            return parse(text, path);
        }
        result.errors.push_back(lint::Diagnostic{
            "config",
            lint::Severity::error,
            path,
            0,
            0,
            {},
            fmt::format("cannot read {}: larger than {} bytes", what, max_networks_file_bytes)});
    } catch (const std::exception& e) {
        result.errors.push_back(
            lint::Diagnostic{"config",
                             lint::Severity::error,
                             path,
                             0,
                             0,
                             {},
                             fmt::format("cannot read {}: {}", what, e.what())});
    }
    return result;
}

} // namespace

namespace {

// The lines of a networks or overrides file: blank and comment-only lines are skipped, a line
// of other than two words is an error naming `shape`, and `take(line, first, second, fail)`
// gets the rest; `fail(column, message)` reports at that line.
template <class Take>
void two_word_lines(std::string_view text, const std::string& path, std::string_view shape,
                    std::vector<lint::Diagnostic>& errors, Take take) {
    std::uint32_t line_number = 0;
    auto fail = [&](std::uint32_t column, std::string message) {
        errors.push_back(lint::Diagnostic{
            "config", lint::Severity::error, path, line_number, column, {}, std::move(message)});
    };
    while (!text.empty()) {
        ++line_number;
        const auto end = text.find('\n');
        const auto words = words_of(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (words.empty()) {
            continue;
        }
        if (words.size() != 2) {
            fail(words.front().second,
                 fmt::format("expected \"{}\" (two words), got {} words", shape, words.size()));
            continue;
        }
        take(line_number, words[0], words[1], fail);
    }
}

} // namespace

NetworksFile parse_networks(std::string_view text, const std::string& path) {
    NetworksFile result;
    two_word_lines(text, path, "CIDR REGION", result.errors,
                   [&](std::uint32_t line, const Word& cidr, const Word& region, auto& fail) {
                       auto prefix = core::parse_prefix(cidr.first);
                       if (!prefix) {
                           fail(cidr.second, fmt::format("expected a CIDR block like "
                                                         "192.0.2.0/24 (host bits zero), got {}",
                                                         lint::quoted(cidr.first)));
                           return;
                       }
                       result.networks.push_back({*prefix, std::string{region.first}, path,
                                                  core::SourcePosition{line, region.second}});
                   });
    return result;
}

OverridesFile parse_overrides(std::string_view text, const std::string& path) {
    OverridesFile result;
    two_word_lines(text, path, "drain|force-up|force-down EXCHANGE", result.errors,
                   [&](std::uint32_t line, const Word& what, const Word& exchange, auto& fail) {
                       const auto value = core::parse_override(what.first);
                       if (!value) {
                           fail(what.second,
                                fmt::format("expected drain, force-up or force-down, got {}",
                                            lint::quoted(what.first)));
                           return;
                       }
                       auto name = lint::canonical_name(exchange.first);
                       if (!name) {
                           fail(exchange.second, fmt::format("expected an exchange name like "
                                                             "mx1.example.com., got {}",
                                                             lint::quoted(exchange.first)));
                           return;
                       }
                       result.overrides.push_back(
                           {*name, *value, path, core::SourcePosition{line, exchange.second}});
                   });
    return result;
}

OverridesFile read_overrides_file(const std::string& path) {
    return read_lines_file<OverridesFile>(path, "overrides file", parse_overrides);
}

NetworksFile read_networks_file(const std::string& path) {
    return read_lines_file<NetworksFile>(path, "networks file", parse_networks);
}

} // namespace mxsteer::io
