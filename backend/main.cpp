// mxsteerd: PowerDNS remote backend. Wiring only: arguments -> config -> zones -> servers -> loop.
// SPDX-License-Identifier: MIT
#include "core/config.hpp"
#include "core/text.hpp"
#include "io/config_toml.hpp"
#include "io/line_server.hpp"
#include "io/log.hpp"
#include "io/zone_set.hpp"
#include "protocol/handler.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

using namespace mxsteer;

constexpr std::string_view version = "0.1.0";

constexpr std::string_view usage_text = R"(usage: mxsteerd [OPTIONS] [ZONEFILE...]
       mxsteerd --check-config [OPTIONS] [ZONEFILE...]

PowerDNS remote backend serving zone files.

options:
  --config FILE         TOML config (see examples/mxsteer.toml); zone paths in it are
                        relative to its directory. Flags override its keys, and ZONEFILE
                        arguments are served in addition to its zones
  --listen ENDPOINT     unix:PATH (default unix:/run/mxsteer/pdns.sock) or pipe (speak on
                        stdin/stdout, for remote-connection-string=pipe:command=...)
  --log-level LEVEL     debug, info (default), warning or error
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
        } else if (!arg.empty() && arg[0] == '-') {
            usage_error(fmt::format("unknown option '{}'", lint::quote(arg)));
        } else {
            o.zone_files.push_back(arg);
        }
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

    auto loaded = io::load_zone_set(config.zones);
    if (o.check_config) {
        log::info("config checked", {{"config", o.config_file.value_or("none")},
                                     {"listen", core::to_string(config.listen)},
                                     {"log_level", core::to_string(config.log_level)},
                                     {"zones", std::to_string(loaded.store->zone_count())},
                                     {"refused", std::to_string(loaded.refused)}});
        return loaded.refused == 0 ? 0 : 1;
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
    const io::LineHandler handler = [&store](std::string_view line) {
        return protocol::handle_request(line, *store);
    };

    // The endpoint is bound once; a reload that names another one says so and keeps this one.
    const core::Listen listen = config.listen;
    std::optional<io::UnixServer> server;
    if (listen.kind == core::Listen::Kind::pipe) {
        io::serve_stdio(io, handler);
    } else {
        server.emplace(io, listen.path, handler);
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
    asio::signal_set hup{io, SIGHUP};
    std::function<void()> wait_hup = [&] {
        hup.async_wait([&](const std::error_code& ec, int) {
            if (ec) {
                return;
            }
            wait_hup();
            if (reloading) {
                log::warning("reload already running, signal ignored");
                return;
            }
            reloading = true;
            log::info("reloading");
            if (reloader.joinable()) {
                reloader.join(); // the previous reload has posted its result already
            }
            reloader = std::thread([&io, &store, &reloading, &listen, o] {
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
                auto next = io::load_zone_set(next_config.config.zones);
                asio::post(io, [&store, &reloading, &listen, next = std::move(next),
                                config = std::move(next_config.config)] {
                    reloading = false;
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
                    log::set_level(to_log_level(config.log_level));
                    store = next.store;
                    log::info("reloaded", {{"zones", std::to_string(store->zone_count())},
                                           {"records", std::to_string(store->record_count())}});
                });
            });
        });
    };
    wait_hup();

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
