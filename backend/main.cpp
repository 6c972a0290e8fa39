// mxsteerd: PowerDNS remote backend. Wiring only: arguments -> zones -> servers -> event loop.
// SPDX-License-Identifier: MIT
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

constexpr std::string_view usage_text = R"(usage: mxsteerd [OPTIONS] ZONEFILE...

PowerDNS remote backend serving zone files.

options:
  --listen ENDPOINT     unix:PATH (default) or pipe (speak on stdin/stdout, for
                        remote-connection-string=pipe:command=...)
  --check-config        load and lint the zones, then exit: 0 ok, 1 a zone refused, 2 usage
  --log-level LEVEL     debug, info (default), warning or error
  --version             print the version and exit
  -h, --help            print this help and exit

signals: SIGHUP reloads the zones (a failed reload keeps serving the old ones);
SIGTERM and SIGINT stop.
)";

struct Options {
    std::string listen = "unix:/run/mxsteer/pdns.sock";
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
        } else if (arg == "--listen") {
            o.listen = value(i, arg);
            if (o.listen != "pipe" && !o.listen.starts_with("unix:")) {
                usage_error(fmt::format("--listen must be unix:PATH or pipe, got '{}'", o.listen));
            }
        } else if (arg == "--log-level") {
            const std::string level = value(i, arg);
            auto parsed = log::parse_level(level);
            if (!parsed) {
                usage_error(fmt::format(
                    "--log-level must be debug, info, warning or error, got '{}'", level));
            }
            log::set_level(*parsed);
        } else if (arg == "--check-config") {
            o.check_config = true;
        } else if (!arg.empty() && arg[0] == '-') {
            usage_error(fmt::format("unknown option '{}'", arg));
        } else {
            o.zone_files.push_back(arg);
        }
    }
    if (o.zone_files.empty()) {
        usage_error("no zone file given");
    }
    return o;
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
    auto loaded = io::load_zone_set(o.zone_files);
    if (o.check_config) {
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

    std::optional<io::UnixServer> server;
    if (o.listen == "pipe") {
        io::serve_stdio(io, handler);
    } else {
        server.emplace(io, o.listen.substr(5), handler);
        log::info("listening", {{"endpoint", o.listen},
                                {"zones", std::to_string(store->zone_count())},
                                {"records", std::to_string(store->record_count())}});
    }

    bool reloading = false;
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
            std::thread([&io, &store, &reloading, files = o.zone_files] {
                auto next = io::load_zone_set(files);
                asio::post(io, [&store, &reloading, next = std::move(next)] {
                    reloading = false;
                    if (next.refused > 0) {
                        log::error("reload failed, still serving the previous zones",
                                   {{"refused", std::to_string(next.refused)}});
                        return;
                    }
                    store = next.store;
                    log::info("reloaded", {{"zones", std::to_string(store->zone_count())},
                                           {"records", std::to_string(store->record_count())}});
                });
            }).detach();
        });
    };
    wait_hup();

    ::signal(SIGPIPE, SIG_IGN);
    io.run();
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
