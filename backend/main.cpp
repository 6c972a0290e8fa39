// mxsteerd: PowerDNS remote backend. Wiring only: arguments -> config -> zones -> servers -> loop.
// SPDX-License-Identifier: MIT
#include "core/config.hpp"
#include "core/json_text.hpp"
#include "core/name.hpp"
#include "core/steer.hpp"
#include "core/text.hpp"
#include "io/config_toml.hpp"
#include "io/http_server.hpp"
#include "io/line_server.hpp"
#include "io/log.hpp"
#include "io/prober.hpp"
#include "io/zone_set.hpp"
#include "protocol/handler.hpp"
#include "protocol/lookup.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <vector>

namespace {

using namespace mxsteer;

constexpr std::string_view version = "0.1.0";

constexpr std::string_view usage_text = R"(usage: mxsteerd [OPTIONS] [ZONEFILE...]
       mxsteerd --check-config [OPTIONS] [ZONEFILE...]
       mxsteerd --explain NAME --client ADDRESS[/LENGTH] --config FILE

PowerDNS remote backend serving zone files.

options:
  --config FILE         TOML config (see examples/mxsteer.toml); zone paths in it are
                        relative to its directory. Flags override its keys, and ZONEFILE
                        arguments are served in addition to its zones
  --listen ENDPOINT     unix:PATH (default unix:/run/mxsteer/pdns.sock); pipe (speak on
                        stdin/stdout, for remote-connection-string=pipe:command=...); or
                        http:PORT (on 127.0.0.1), http:ADDRESS:PORT, http:[IPV6]:PORT (for
                        remote-connection-string=http:url=http://ADDRESS:PORT/dns)
  --log-level LEVEL     debug, info (default), warning or error
  --explain NAME        print how the MX set of NAME is chosen for --client (the network or
                        database entry that placed it, region, pool order, health, the MX
                        set, TTL and ECS scope), then exit; starts no server
  --client ADDR[/LEN]   the client for --explain, as pdns passes it with ECS (default /32
                        for IPv4, /128 for IPv6)
  --check-config        check the config, load and lint the zones, then exit: 0 ok,
                        1 a zone refused, 2 usage or config error
  --version             print the version and exit
  -h, --help            print this help and exit

signals: SIGHUP reloads the config and the zones (a failed reload keeps serving the old
ones); SIGTERM and SIGINT stop.
)";

// The command line. Unset optionals leave the config file's value (or its default) in place.
struct Options {
    std::optional<std::string> config_file;
    std::optional<core::Listen> listen;
    std::optional<core::LogLevel> log_level;
    bool check_config = false;
    std::optional<std::string> explain; // a name
    std::optional<std::string> client;
    std::vector<std::string> zone_files;
};

[[noreturn]] void usage_error(const std::string& message) {
    fmt::print(stderr, "mxsteerd: {}\ntry 'mxsteerd --help'\n", message);
    std::exit(2);
}

Options parse_args(int argc, char** argv) {
    Options o;
    auto value = [&](int& i, std::string_view flag) -> std::string {
        if (i + 1 >= argc) {
            usage_error(fmt::format("{} needs a value", flag));
        }
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            fmt::print("{}", usage_text);
            std::exit(0);
        } else if (arg == "--version") {
            fmt::print("mxsteerd {}\n", version);
            std::exit(0);
        } else if (arg == "--config") {
            o.config_file = value(i, arg);
        } else if (arg == "--listen") {
            const std::string text = value(i, arg);
            o.listen = core::parse_listen(text);
            if (!o.listen) {
                usage_error(fmt::format("--listen must be {}, got '{}'", core::listen_expected,
                                        lint::quote(text)));
            }
            if (o.listen->path.size() > core::max_socket_path) {
                usage_error(fmt::format("--listen socket path must be at most {} bytes, got {}",
                                        core::max_socket_path, o.listen->path.size()));
            }
        } else if (arg == "--log-level") {
            const std::string text = value(i, arg);
            o.log_level = core::parse_log_level(text);
            if (!o.log_level) {
                usage_error(
                    fmt::format("--log-level must be debug, info, warning or error, got '{}'",
                                lint::quote(text)));
            }
        } else if (arg == "--check-config") {
            o.check_config = true;
        } else if (arg == "--explain") {
            o.explain = value(i, arg);
        } else if (arg == "--client") {
            o.client = value(i, arg);
        } else if (!arg.empty() && arg[0] == '-') {
            usage_error(fmt::format("unknown option '{}'", lint::quote(arg)));
        } else {
            o.zone_files.push_back(arg);
        }
    }
    if (o.explain.has_value() != o.client.has_value()) {
        usage_error("--explain NAME and --client ADDRESS[/LENGTH] go together");
    }
    if (o.zone_files.empty() && !o.config_file) {
        usage_error("no zone file given (ZONEFILE arguments or --config FILE)");
    }
    return o;
}

log::Level to_log_level(core::LogLevel level) {
    switch (level) {
    case core::LogLevel::debug:
        return log::Level::debug;
    case core::LogLevel::info:
        return log::Level::info;
    case core::LogLevel::warning:
        return log::Level::warning;
    case core::LogLevel::error:
        return log::Level::error;
    }
    return log::Level::info;
}

// The config file (when given), then the command line on top: flags replace keys, ZONEFILE
// arguments are served after the config's zones. Read again on every reload.
io::ConfigResult effective_config(const Options& o) {
    io::ConfigResult result;
    if (o.config_file) {
        result = io::load_config_toml(*o.config_file);
    }
    if (o.listen) {
        result.config.listen = *o.listen;
    }
    if (o.log_level) {
        result.config.log_level = *o.log_level;
    }
    for (const auto& file : o.zone_files) {
        result.config.zones.push_back(core::ZoneSource{file, std::nullopt, {}});
    }
    if (result.errors.empty() && result.config.zones.empty()) {
        result.errors.push_back(lint::Diagnostic{
            "config",
            lint::Severity::error,
            o.config_file.value_or("mxsteerd"),
            0,
            0,
            {},
            "no zone to serve: add [[zones]] to the config or give ZONEFILE arguments"});
    }
    return result;
}

// pdns opens a connection per thread plus temporary ones; let many idle ones stay open.
void raise_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// Seconds since the epoch: the clock of health snapshots.
std::int64_t wall_clock_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Prometheus text: one gauge per exchange (1 up or degraded, 0 down) and the snapshot's age.
std::string metrics_text(const core::HealthSnapshot& snapshot) {
    std::string out = "# HELP mxsteer_exchange_up 1 when the exchange takes mail (up or degraded)\n"
                      "# TYPE mxsteer_exchange_up gauge\n";
    std::vector<std::pair<std::string, core::ExchangeHealth>> sorted(snapshot.exchanges.begin(),
                                                                     snapshot.exchanges.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& entry : sorted) {
        const core::Health state = entry.second.state;
        const bool up = state == core::Health::up || state == core::Health::degraded;
        out += fmt::format("mxsteer_exchange_up{{exchange=\"{}\",state=\"{}\"}} {}\n", entry.first,
                           core::to_string(state), up ? 1 : 0);
    }
    out += "# HELP mxsteer_health_snapshot_age_seconds age of the newest health snapshot\n"
           "# TYPE mxsteer_health_snapshot_age_seconds gauge\n";
    out += fmt::format("mxsteer_health_snapshot_age_seconds {}\n",
                       snapshot.taken_at_s ? wall_clock_s() - *snapshot.taken_at_s : -1);
    return out;
}

// /state: {"probes": the prober's dump, "overrides": {"exchange": "drain", ...}}.
std::string state_json(const io::Prober& prober, const core::Overrides& overrides) {
    std::string out = "{\"probes\":" + prober.dump_json() + ",\"overrides\":{";
    bool first = true;
    for (const auto& entry : overrides) {
        out += first ? "" : ",";
        first = false;
        core::append_json_string(out, entry.first);
        out += ':';
        core::append_json_string(out, core::to_string(entry.second));
    }
    return out + "}}";
}

// /state (the prober's JSON dump) and /metrics on a loopback HTTP endpoint, of the prober that
// `prober` holds at the time of each request: a reload may replace it, or end health checks
// (then both answer 503). A failure to bind is logged; DNS keeps being served.
void start_status_server(asio::io_context& io, std::optional<io::HttpServer>& server,
                         const std::string& listen, const std::unique_ptr<io::Prober>& prober,
                         const std::shared_ptr<const core::AnswerStore>& store) {
    const auto parsed = core::parse_listen("http:" + listen);
    if (!parsed || parsed->kind != core::Listen::Kind::http) {
        log::error("status endpoint not started",
                   {{"status_listen", listen}, {"reason", "expected ADDRESS:PORT"}});
        return;
    }
    try {
        server.emplace(io, parsed->address, parsed->port,
                       [&prober, &store](const protocol::HttpRequest& request) {
                           protocol::HttpReply reply;
                           const std::string_view path{request.target};
                           if (!prober && (path == "/state" || path == "/metrics")) {
                               reply.status = 503;
                               reply.body = "{\"error\":\"health checks are off\"}";
                           } else if (path == "/state") {
                               reply.body = state_json(*prober, store->steering().overrides);
                           } else if (path == "/metrics") {
                               reply.body = metrics_text(*prober->snapshot()) +
                                            prober->metrics_text() + protocol::answer_metrics();
                           } else {
                               reply.status = 404;
                               reply.body = "{\"error\":\"not found: try /state or /metrics\"}";
                           }
                           return reply;
                       });
        log::info("status endpoint", {{"listen", listen}, {"paths", "/state /metrics"}});
    } catch (const std::exception& e) {
        log::error("status endpoint not started",
                   {{"status_listen", listen}, {"reason", e.what()}});
    }
}

// A prober for `config` on a thread of its own, already probing `targets`; `what` ("health
// checks started", "... restarted") is logged. Throws what Prober's constructor and start()
// throw: a CA file that cannot be loaded, a thread that cannot be had.
std::unique_ptr<io::Prober> start_prober(const core::HealthConfig& config,
                                         const std::vector<core::ProbeTarget>& targets,
                                         std::string_view what) {
    auto prober = std::make_unique<io::Prober>(config);
    prober->set_targets(targets);
    prober->start();
    log::info(what, {{"targets", std::to_string(targets.size())},
                     {"interval_ms", std::to_string(config.interval.count())}});
    return prober;
}

// How often the networks files and the geo database are checked for changes.
constexpr std::chrono::seconds watch_interval{2};

// What tells a changed file: modification time, size and inode ("missing" when unreadable).
std::string file_stamp(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return "missing";
    }
    return fmt::format("{}.{}:{}:{}", st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size, st.st_ino);
}

std::vector<std::pair<std::string, std::string>> file_stamps(const core::SteeringConfig& s) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& file : s.network_files) {
        out.emplace_back(file.name, file_stamp(file.name));
    }
    if (s.geoip.database) {
        out.emplace_back(*s.geoip.database, file_stamp(*s.geoip.database));
    }
    if (s.overrides_file) {
        out.emplace_back(s.overrides_file->name, file_stamp(s.overrides_file->name));
    }
    return out;
}

// --explain: the decision path of one lookup, as the server would take it now.
int explain(const core::AnswerStore& store, const std::string& name, const std::string& client) {
    const auto canonical = lint::canonical_name(name);
    const auto prefix = core::parse_prefix(client, true);
    if (!prefix) {
        usage_error(fmt::format("--client must be an address or ADDRESS/LENGTH, got '{}'",
                                lint::quote(client)));
    }
    const core::SteerRule* rule = canonical ? store.steering().find(*canonical) : nullptr;
    if (rule == nullptr) {
        fmt::print("{}: not steered; its MX records are served as the zone has them\n", name);
        return 1;
    }
    // The same path as a lookup: real-remote is the client, health as the server has it.
    const core::Client who = core::parse_client("", core::to_string(*prefix));
    const core::HealthSnapshot health; // no probes here: every exchange up
    const core::SteerAnswer a =
        core::steer(*rule, store.steering().locator, who, health, 0, &store.steering().overrides);
    const auto& geo = store.steering().locator.config();
    fmt::print("name:       {}\n", rule->name);
    fmt::print("client:     {}\n", who.address ? core::to_string(*prefix) : "unknown");
    const core::Placement& p = a.placement;
    std::string placed;
    switch (p.by) {
    case core::Placement::By::network:
        placed = "network " + core::to_string(geo.networks[p.network].first);
        break;
    case core::Placement::By::database:
        placed =
            fmt::format("geo database: country '{}', continent '{}'",
                        p.record ? p.record->country : "", p.record ? p.record->continent : "");
        break;
    case core::Placement::By::default_region:
        placed = "default region (no network or database entry)";
        break;
    case core::Placement::By::none:
        placed = "nothing (no network, database entry or default region)";
        break;
    }
    if (a.decision == core::Decision::steered) {
        fmt::print("placed by:  {}\n", placed);
        fmt::print("region:     {}\n", p.region ? geo.regions[*p.region].name : "none");
        if (p.location) {
            fmt::print("location:   {:.4f}, {:.4f}\n", p.location->latitude, p.location->longitude);
        }
        fmt::print("block:      /{} placed alike\n", p.block_length);
        fmt::print("pool order: {}\n", fmt::join(a.pool_order, ", "));
    }
    fmt::print("health:     {}\n",
               store.steering().health
                   ? "[health] is configured, but --explain runs no probes: every exchange "
                     "counts as up (a running daemon's state is at status_listen /state)"
                   : "not checked ([health] is not configured): every exchange counts as up");
    for (const auto& entry : store.steering().overrides) {
        fmt::print("override:   {} {}\n", core::to_string(entry.second), entry.first);
    }
    fmt::print("decision:   {}\n", core::to_string(a.decision));
    fmt::print("ttl:        {}\n", a.ttl_s);
    fmt::print("scope:      {}\n", a.scope);
    for (const auto& record : a.records) {
        fmt::print("MX          {} {}\n", record.preference, record.exchange);
    }
    return 0;
}

int run(const Options& o) {
    const io::ConfigResult effective = effective_config(o);
    if (!effective.errors.empty()) {
        for (const auto& error : effective.errors) {
            fmt::print(stderr, "{}\n", io::format_config_error(error));
        }
        return 2;
    }
    const core::Config& config = effective.config;
    log::set_level(to_log_level(config.log_level));

    const std::string config_name = o.config_file.value_or("mxsteerd");
    auto loaded = io::load_zone_set(config.zones, effective.steering, config_name);
    if (o.explain) {
        if (loaded.steering_failed) {
            return 2;
        }
        return explain(*loaded.store, *o.explain, *o.client);
    }
    if (o.check_config) {
        log::info("config checked", {{"config", o.config_file.value_or("none")},
                                     {"listen", core::to_string(config.listen)},
                                     {"log_level", core::to_string(config.log_level)},
                                     {"zones", std::to_string(loaded.store->zone_count())},
                                     {"refused", std::to_string(loaded.refused)},
                                     {"steered", std::to_string(loaded.steering->rules.size())}});
        if (loaded.steering_failed) {
            return 2; // the steering config is wrong, whatever the zones
        }
        return loaded.refused == 0 ? 0 : 1;
    }
    if (loaded.steering_failed) {
        log::error("steering config has errors, see the findings above");
        return 2;
    }
    if (loaded.store->zone_count() == 0) {
        log::error("no zone to serve", {{"refused", std::to_string(loaded.refused)}});
        return 1;
    }
    raise_fd_limit();

    asio::io_context io{1};
    // Only the loop thread reads or replaces `store`: a reload builds the new store on a thread
    // of its own and posts the swap back to the loop, so no lookup ever waits for it.
    std::shared_ptr<const core::AnswerStore> store = loaded.store;

    // Health checks: a prober on a thread of its own; lookups read its newest snapshot without
    // waiting. A reload replaces its targets, or the prober when [health] changed.
    std::unique_ptr<io::Prober> prober;
    std::optional<io::HttpServer> status_server;
    if (const auto& health = loaded.steering->health) {
        prober =
            start_prober(health->config, loaded.steering->probe_targets, "health checks started");
        if (!health->status_listen.empty()) {
            start_status_server(io, status_server, health->status_listen, prober, store);
        }
    }
    const auto snapshot = [&prober] {
        return prober ? prober->snapshot() : std::shared_ptr<const core::HealthSnapshot>{};
    };
    const io::LineHandler handler = [&store, &snapshot](std::string_view line) {
        return protocol::handle_request(line, *store, snapshot().get(), wall_clock_s());
    };

    // The endpoint is bound once; a reload that names another one says so and keeps this one.
    const core::Listen listen = config.listen;
    std::optional<io::UnixServer> server;
    std::optional<io::HttpServer> http_server;
    if (listen.kind == core::Listen::Kind::pipe) {
        io::serve_stdio(io, handler);
    } else {
        if (listen.kind == core::Listen::Kind::http) {
            http_server.emplace(io, listen.address, listen.port,
                                [&store, &snapshot](const protocol::HttpRequest& request) {
                                    return protocol::handle_http_request(
                                        request, *store, snapshot().get(), wall_clock_s());
                                });
        } else {
            server.emplace(io, listen.path, handler);
        }
        log::info("listening", {{"endpoint", core::to_string(listen)},
                                {"zones", std::to_string(store->zone_count())},
                                {"records", std::to_string(store->record_count())}});
    }

    bool reloading = false;
    // The reload thread refers to this frame: it is joined before the frame ends, also when a
    // stop signal arrives mid-reload (its posted swap then never runs on the stopped loop).
    std::thread reloader;
    asio::signal_set stop_signals{io, SIGINT, SIGTERM};
    stop_signals.async_wait([&](const std::error_code& ec, int signal) {
        if (!ec) {
            log::info("stopping", {{"signal", std::to_string(signal)}});
            io.stop();
        }
    });
    // Networks files and the geo database are watched: a change reloads like SIGHUP.
    std::vector<std::pair<std::string, std::string>> watched = file_stamps(effective.steering);
    std::function<void(std::string_view)> start_reload = [&](std::string_view why) {
        if (reloading) {
            log::warning("reload already running, request ignored",
                         {{"trigger", std::string{why}}});
            return;
        }
        reloading = true;
        log::info("reloading", {{"trigger", std::string{why}}});
        if (reloader.joinable()) {
            reloader.join(); // the previous reload has posted its result already
        }
        reloader = std::thread([&io, &store, &reloading, &listen, &watched, &prober, &status_server,
                                o] {
            io::ConfigResult next_config = effective_config(o);
            if (!next_config.errors.empty()) {
                for (const auto& error : next_config.errors) {
                    log::error("config error", {{"error", io::format_config_error(error)}});
                }
                asio::post(io, [&reloading] {
                    reloading = false;
                    log::error("reload failed, still serving the previous zones",
                               {{"reason", "config errors, see above"}});
                });
                return;
            }
            auto next = io::load_zone_set(next_config.config.zones, next_config.steering,
                                          o.config_file.value_or("mxsteerd"));
            auto stamps = file_stamps(next_config.steering);
            asio::post(io, [&io, &store, &reloading, &listen, &watched, &prober, &status_server,
                            next = std::move(next), stamps = std::move(stamps),
                            config = std::move(next_config.config)] {
                reloading = false;
                watched = stamps; // also after a failure: the same files do not retrigger
                if (next.steering_failed) {
                    log::error("reload failed, still serving the previous zones",
                               {{"reason", "steering config errors, see above"}});
                    return;
                }
                if (next.refused > 0) {
                    log::error("reload failed, still serving the previous zones",
                               {{"refused", std::to_string(next.refused)}});
                    return;
                }
                if (!(config.listen == listen)) {
                    log::warning("listen changed, restart mxsteerd to use it",
                                 {{"serving", core::to_string(listen)},
                                  {"configured", core::to_string(config.listen)}});
                }
                // [health] as it was and as it is now: a changed key starts a new prober (its
                // addresses start over in initial_state and are probed at once), the same keys
                // keep the prober and its states and only change its targets.
                const std::optional<core::HealthSection> before = store->steering().health;
                const std::optional<core::HealthSection>& after = next.steering->health;
                std::unique_ptr<io::Prober> fresh;
                if (after && (!prober || !before || !(before->config == after->config))) {
                    try {
                        fresh = start_prober(after->config, next.store->steering().probe_targets,
                                             prober ? "health checks restarted"
                                                    : "health checks started");
                    } catch (const std::exception& e) {
                        log::error("reload failed, still serving the previous zones",
                                   {{"reason", fmt::format("[health]: {}", e.what())}});
                        return;
                    }
                }
                log::set_level(to_log_level(config.log_level));
                store = next.store;
                if (!after) {
                    if (prober) {
                        prober.reset();
                        status_server.reset();
                        log::info("health checks stopped", {{"reason", "[health] removed"}});
                    }
                } else if (fresh) {
                    prober = std::move(fresh); // the previous prober stops here
                } else {
                    prober->set_targets(store->steering().probe_targets);
                }
                // Bound anew when status_listen changed, and tried again when it could not be
                // bound before (its port was taken): each reload retries.
                if (after &&
                    (!before || before->status_listen != after->status_listen || !status_server)) {
                    status_server.reset();
                    if (!after->status_listen.empty()) {
                        start_status_server(io, status_server, after->status_listen, prober, store);
                    }
                }
                log::info("reloaded",
                          {{"zones", std::to_string(store->zone_count())},
                           {"records", std::to_string(store->record_count())},
                           {"steered", std::to_string(store->steering().rules.size())}});
            });
        });
    };
    asio::signal_set hup{io, SIGHUP};
    std::function<void()> wait_hup = [&] {
        hup.async_wait([&](const std::error_code& ec, int) {
            if (!ec) {
                wait_hup();
                start_reload("SIGHUP");
            }
        });
    };
    wait_hup();
    asio::steady_timer watch_timer{io};
    std::function<void()> watch = [&] {
        watch_timer.expires_after(watch_interval);
        watch_timer.async_wait([&](const std::error_code& ec) {
            if (ec) {
                return;
            }
            watch();
            if (reloading || watched.empty()) {
                return;
            }
            for (const auto& [path, stamp] : watched) {
                if (file_stamp(path) != stamp) {
                    start_reload("changed: " + path);
                    return;
                }
            }
        });
    };
    watch();

    ::signal(SIGPIPE, SIG_IGN);
    io.run();
    if (reloader.joinable()) {
        reloader.join();
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv));
    } catch (const std::exception& e) {
        fmt::print(stderr, "mxsteerd: {}\n", e.what());
        return 2;
    }
}
