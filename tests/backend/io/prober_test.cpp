// The SMTP prober against scriptable fake SMTP servers on 127.0.0.x: each behaviour a real or
// hostile MTA may show, checked for its classification and phase; then the Prober's schedule
// and snapshot through down and up. Certificates are made by tests/health/make_certs.sh.
// SPDX-License-Identifier: MIT
#include "io/prober.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace mxsteer;
using namespace std::chrono_literals;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return bytes;
}

// The test CA, the server certificates and TLSA data for them (see make_certs.sh).
struct Certs {
    std::string dir;
    explicit Certs(std::string d) : dir(std::move(d)) {}
    Certs(const Certs&) = delete;
    Certs& operator=(const Certs&) = delete;
    ~Certs() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    [[nodiscard]] std::vector<std::uint8_t> tlsa_data(const std::string& name) const {
        std::ifstream in{dir + "/" + name + ".hex"};
        std::string hex;
        in >> hex;
        REQUIRE_FALSE(hex.empty());
        return from_hex(hex);
    }
};

const Certs& certs() {
    static const std::unique_ptr<Certs> made = [] {
        const auto dir = std::filesystem::temp_directory_path() /
                         ("mxsteer-prober-test-" + std::to_string(::getpid()));
        const std::string command =
            std::string{"sh '"} + MXSTEER_HEALTH_SCRIPTS + "/make_certs.sh' '" + dir.string() + "'";
        REQUIRE(std::system(command.c_str()) == 0);
        return std::make_unique<Certs>(dir.string());
    }();
    return *made;
}

enum class Script {
    good,
    multiline_banner,
    slow_banner,
    busy_421,
    reject_554,
    no_starttls,
    starttls_454,
    bad_certificate,
    tls_garbage,
    slow_drip,
    silence,
    close_mid_banner,
    huge_line,
    long_chain,
};

// A scripted SMTP server on its own thread: one behaviour for every connection.
class FakeSmtp {
public:
    FakeSmtp(Script script, const std::string& address, std::uint16_t port = 0)
        : script_(script), acceptor_(io_), tls_(asio::ssl::context::tls_server) {
        const bool bad = script == Script::bad_certificate;
        tls_.use_certificate_chain_file(certs().dir + (bad ? "/other.pem" : "/leaf-chain.pem"));
        tls_.use_private_key_file(certs().dir + (bad ? "/other.key" : "/leaf.key"),
                                  asio::ssl::context::pem);
        if (script == Script::long_chain) {
            // The CA again and again after it: a first flight of several reads (> 7 KB).
            for (int i = 0; i < 16; ++i) {
                std::FILE* file = std::fopen((certs().dir + "/ca.pem").c_str(), "r");
                REQUIRE(file != nullptr);
                X509* ca = PEM_read_X509(file, nullptr, nullptr, nullptr);
                std::fclose(file);
                REQUIRE(ca != nullptr);
                REQUIRE(SSL_CTX_add0_chain_cert(tls_.native_handle(), ca) == 1);
            }
        }
        const tcp::endpoint endpoint{asio::ip::make_address(address), port};
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    FakeSmtp(const FakeSmtp&) = delete;
    FakeSmtp& operator=(const FakeSmtp&) = delete;
    ~FakeSmtp() {
        io_.stop();
        thread_.join();
    }

    // Issue no session tickets and keep no session cache: every handshake is a full one.
    void no_resumption() {
        SSL_CTX_set_session_cache_mode(tls_.native_handle(), SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(tls_.native_handle(), SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(tls_.native_handle(), 0);
    }

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::vector<std::string> commands() const {
        const std::lock_guard lock{mutex_};
        return commands_;
    }
    [[nodiscard]] std::vector<std::string> peers() const {
        const std::lock_guard lock{mutex_};
        return peers_;
    }
    [[nodiscard]] bool pregreeted() const {
        const std::lock_guard lock{mutex_};
        return pregreeted_;
    }
    // The ciphersuite of each TLS handshake that completed, in order.
    [[nodiscard]] std::vector<std::string> ciphers() const {
        const std::lock_guard lock{mutex_};
        return ciphers_;
    }

private:
    awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(as_tuple_awaitable);
            if (ec) {
                co_return;
            }
            {
                std::error_code peer_ec;
                const auto peer = socket.remote_endpoint(peer_ec);
                const std::lock_guard lock{mutex_};
                peers_.push_back(peer_ec ? std::string{} : peer.address().to_string());
            }
            asio::co_spawn(io_, session(std::move(socket)), asio::detached);
        }
    }

    template <class Stream>
    static awaitable<bool> say(Stream& stream, std::string_view text) {
        const auto [ec, n] =
            co_await asio::async_write(stream, asio::buffer(text), as_tuple_awaitable);
        static_cast<void>(n);
        co_return !ec;
    }

    template <class Stream>
    awaitable<std::optional<std::string>> hear(Stream& stream, std::string& buffer) {
        const auto [ec, n] = co_await asio::async_read_until(
            stream, asio::dynamic_buffer(buffer, 8192), '\n', as_tuple_awaitable);
        if (ec) {
            co_return std::nullopt;
        }
        std::string line = buffer.substr(0, n);
        buffer.erase(0, n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
            line.pop_back();
        }
        const std::lock_guard lock{mutex_};
        commands_.push_back(line);
        co_return line;
    }

    awaitable<void> pause(std::chrono::milliseconds d) {
        asio::steady_timer timer{io_};
        timer.expires_after(d);
        co_await timer.async_wait(as_tuple_awaitable);
    }

    // The command loop after the banner; over TLS once STARTTLS succeeded.
    template <class Stream>
    awaitable<bool> commands(Stream& stream, std::string& buffer, bool tls) {
        for (;;) {
            auto line = co_await hear(stream, buffer);
            if (!line) {
                co_return false;
            }
            const std::string verb = line->substr(0, line->find(' '));
            if (verb == "EHLO") {
                const bool offer = !tls && script_ != Script::no_starttls;
                co_await say(stream, offer ? "250-mx1.example.com\r\n250-PIPELINING\r\n"
                                             "250-SIZE 10240000\r\n250 STARTTLS\r\n"
                                           : "250-mx1.example.com\r\n250 PIPELINING\r\n");
            } else if (verb == "STARTTLS" && !tls) {
                if (script_ == Script::starttls_454) {
                    co_await say(stream, "454 4.7.0 TLS not available\r\n");
                    continue;
                }
                co_await say(stream, "220 2.0.0 ready to start TLS\r\n");
                co_return true; // the caller starts TLS
            } else if (verb == "QUIT") {
                co_await say(stream, "221 2.0.0 bye\r\n");
                co_return false;
            } else {
                co_await say(stream, "502 5.5.2 not here\r\n");
            }
        }
    }

    awaitable<void> session(tcp::socket socket) {
        std::string buffer;
        switch (script_) {
        case Script::busy_421:
            co_await say(socket, "421 4.3.2 mx1.example.com too busy\r\n");
            co_return;
        case Script::reject_554:
            co_await say(socket, "554 5.7.1 no SMTP service here\r\n");
            co_return;
        case Script::close_mid_banner:
            co_await say(socket, "220-mx1.example.com ESMTP\r\n220 mx1.exa");
            co_return;
        case Script::huge_line:
            co_await say(socket, "220 " + std::string(10000, 'x'));
            co_await pause(10s);
            co_return;
        case Script::silence:
            // Accept, then say nothing until the client gives up.
            co_await hear(socket, buffer);
            co_return;
        case Script::slow_drip:
            // A banner line that never ends, one byte at a time.
            if (!co_await say(socket, "220-")) {
                co_return;
            }
            for (;;) {
                co_await pause(100ms);
                if (!co_await say(socket, "x")) {
                    co_return;
                }
            }
        case Script::multiline_banner:
            co_await say(socket, "220-mx1.example.com ESMTP\r\n220-no UCE\r\n220 welcome\r\n");
            break;
        case Script::slow_banner: {
            co_await say(socket, "220-mx1.example.com ESMTP, wait for it\r\n");
            co_await pause(500ms);
            // A client that speaks before the banner is complete is a pregreeter.
            std::error_code ec;
            if (socket.available(ec) > 0) {
                const std::lock_guard lock{mutex_};
                pregreeted_ = true;
            }
            co_await say(socket, "220 mx1.example.com ready\r\n");
            break;
        }
        default:
            co_await say(socket, "220 mx1.example.com ESMTP fake\r\n");
            break;
        }
        if (!co_await commands(socket, buffer, false)) {
            co_return;
        }
        if (script_ == Script::tls_garbage) {
            co_await say(socket, std::string(64, 'G') + "\r\nthis is not TLS\r\n");
            co_await pause(1s);
            co_return;
        }
        asio::ssl::stream<tcp::socket&> tls{socket, tls_};
        const auto [ec] =
            co_await tls.async_handshake(asio::ssl::stream_base::server, as_tuple_awaitable);
        if (ec) {
            co_return;
        }
        {
            const std::lock_guard lock{mutex_};
            ciphers_.emplace_back(SSL_get_cipher_name(tls.native_handle()));
        }
        buffer.clear();
        co_await commands(tls, buffer, true);
    }

    Script script_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    asio::ssl::context tls_;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::vector<std::string> commands_;
    std::vector<std::string> peers_; // client addresses, one per connection
    std::vector<std::string> ciphers_;
    bool pregreeted_ = false;
    std::thread thread_;
};

// Timeouts long enough for an ASan build on a loaded machine, short enough to keep the
// timeout cases quick.
core::HealthConfig test_config() {
    core::HealthConfig c;
    c.probe_name = "probe.example.net";
    c.timeouts.connect = 5s;
    c.timeouts.banner = 4s;
    c.timeouts.ehlo = 5s;
    c.timeouts.starttls = 5s;
    c.timeouts.tls_handshake = 5s;
    c.timeouts.quit = 2s;
    c.ca_file = certs().dir + "/ca.pem";
    return c;
}

// A loopback port with nothing listening (bound, then closed).
std::uint16_t closed_port(const std::string& address) {
    asio::io_context io;
    tcp::acceptor a{io, tcp::endpoint{asio::ip::make_address(address), 0}};
    const auto port = a.local_endpoint().port();
    a.close();
    return port;
}

} // namespace

TEST_CASE("prober: every fake server is classified with the right state and phase") {
    using core::Health;
    using core::ProbePhase;
    using core::StartTls;
    using core::Verify;
    struct Row {
        std::string what;
        std::optional<Script> script; // nullopt: nothing listens
        StartTls starttls;
        Verify verify;
        std::vector<core::TlsaRecord> tlsa;
        Health state;
        ProbePhase phase;
        std::string reason; // a part of the reason
    };
    const Certs& c = certs();
    const core::TlsaRecord ee_311{3, 1, 1, c.tlsa_data("leaf.spki.sha256")};
    core::TlsaRecord wrong_311 = ee_311;
    wrong_311.data[0] ^= 0xffU;
    const std::vector<Row> rows = {
        {"good, PKIX",
         Script::good,
         StartTls::opportunistic,
         Verify::pkix,
         {},
         Health::up,
         ProbePhase::done,
         ""},
        {"good, DANE-EE 3 1 1",
         Script::good,
         StartTls::required,
         Verify::dane,
         {ee_311},
         Health::up,
         ProbePhase::done,
         ""},
        {"good, DANE-EE 3 1 0",
         Script::good,
         StartTls::required,
         Verify::dane,
         {{3, 1, 0, c.tlsa_data("leaf.spki")}},
         Health::up,
         ProbePhase::done,
         ""},
        {"good, DANE-EE 3 0 2",
         Script::good,
         StartTls::required,
         Verify::dane,
         {{3, 0, 2, c.tlsa_data("leaf.cert.sha512")}},
         Health::up,
         ProbePhase::done,
         ""},
        {"good, DANE-TA 2 0 1",
         Script::good,
         StartTls::required,
         Verify::dane,
         {{2, 0, 1, c.tlsa_data("ca.cert.sha256")}},
         Health::up,
         ProbePhase::done,
         ""},
        {"good, PKIX and DANE",
         Script::good,
         StartTls::required,
         Verify::both,
         {ee_311},
         Health::up,
         ProbePhase::done,
         ""},
        {"good, DANE record does not match",
         Script::good,
         StartTls::required,
         Verify::dane,
         {wrong_311, {3, 1, 2, ee_311.data}},
         Health::down,
         ProbePhase::certificate,
         "DANE: no TLSA record matches"},
        {"good, DANE with a PKIX-TA record only",
         Script::good,
         StartTls::opportunistic,
         Verify::dane,
         {{0, 1, 1, ee_311.data}},
         Health::degraded,
         ProbePhase::certificate,
         "no usable TLSA records"},
        {"good, DANE without records",
         Script::good,
         StartTls::opportunistic,
         Verify::dane,
         {},
         Health::degraded,
         ProbePhase::certificate,
         "no usable TLSA records"},
        {"good, a server flight longer than one read",
         Script::long_chain,
         StartTls::required,
         Verify::both,
         {ee_311},
         Health::up,
         ProbePhase::done,
         ""},
        {"good, no TLS",
         Script::good,
         StartTls::off,
         Verify::none,
         {},
         Health::up,
         ProbePhase::done,
         ""},
        {"multi-line banner",
         Script::multiline_banner,
         StartTls::opportunistic,
         Verify::pkix,
         {},
         Health::up,
         ProbePhase::done,
         ""},
        {"slow banner",
         Script::slow_banner,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::up,
         ProbePhase::done,
         ""},
        {"421",
         Script::busy_421,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::soft_down,
         ProbePhase::banner,
         "421 4.3.2 mx1.example.com too busy"},
        {"554",
         Script::reject_554,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::down,
         ProbePhase::banner,
         "554 5.7.1"},
        {"no STARTTLS, opportunistic",
         Script::no_starttls,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::degraded,
         ProbePhase::ehlo,
         "STARTTLS not offered"},
        {"no STARTTLS, required",
         Script::no_starttls,
         StartTls::required,
         Verify::none,
         {},
         Health::down,
         ProbePhase::ehlo,
         "STARTTLS not offered"},
        {"STARTTLS 454, opportunistic",
         Script::starttls_454,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::degraded,
         ProbePhase::starttls,
         "454 4.7.0"},
        {"bad certificate, reported",
         Script::bad_certificate,
         StartTls::opportunistic,
         Verify::pkix,
         {},
         Health::degraded,
         ProbePhase::certificate,
         "PKIX"},
        {"bad certificate, required",
         Script::bad_certificate,
         StartTls::required,
         Verify::pkix,
         {},
         Health::down,
         ProbePhase::certificate,
         "PKIX"},
        {"TLS garbage, opportunistic",
         Script::tls_garbage,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::degraded,
         ProbePhase::tls_handshake,
         "TLS handshake failed"},
        {"TLS garbage, required",
         Script::tls_garbage,
         StartTls::required,
         Verify::none,
         {},
         Health::down,
         ProbePhase::tls_handshake,
         "TLS handshake failed"},
        {"slow drip",
         Script::slow_drip,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::down,
         ProbePhase::banner,
         "timeout: no complete banner within 4000 ms"},
        {"accept and silence",
         Script::silence,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::down,
         ProbePhase::banner,
         "timeout"},
        {"close mid-banner",
         Script::close_mid_banner,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::down,
         ProbePhase::banner,
         "connection closed: closed in the middle of the banner"},
        {"huge banner line",
         Script::huge_line,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::down,
         ProbePhase::banner,
         "reply line longer than 4096 bytes"},
        {"refused",
         std::nullopt,
         StartTls::opportunistic,
         Verify::none,
         {},
         Health::down,
         ProbePhase::connect,
         "connection refused"},
    };
    int host = 10;
    for (const auto& row : rows) {
        CAPTURE(row.what);
        const std::string address = "127.0.0." + std::to_string(host++);
        std::optional<FakeSmtp> server;
        std::uint16_t port = 0;
        if (row.script) {
            server.emplace(*row.script, address);
            port = server->port();
        } else {
            port = closed_port(address);
        }
        core::HealthConfig config = test_config();
        config.starttls = row.starttls;
        config.verify = row.verify;
        const core::ProbeTarget target{"mx1.example.com.", address, port, row.tlsa};
        const core::ProbeReport report = io::probe_once(target, config);
        const core::ProbeResult result = core::classify(report, config);
        CAPTURE(result.reason);
        CHECK(result.state == row.state);
        CHECK(result.phase == row.phase);
        CHECK(result.reason.find(row.reason) != std::string::npos);
        if (server) {
            // The probe never sends mail, and never speaks before the banner is complete.
            for (const auto& command : server->commands()) {
                CHECK(command.rfind("MAIL", 0) == std::string::npos);
                CHECK(command.rfind("RCPT", 0) == std::string::npos);
            }
            CHECK_FALSE(server->pregreeted());
        }
        if (row.what == "good, PKIX") {
            CHECK(report.tls);
            CHECK(report.starttls_offered);
            CHECK(server->commands() == std::vector<std::string>{"EHLO probe.example.net",
                                                                 "STARTTLS",
                                                                 "EHLO probe.example.net", "QUIT"});
        }
        if (row.what == "good, a server flight longer than one read") {
            CHECK(report.tls);
            CHECK(server->commands() == std::vector<std::string>{"EHLO probe.example.net",
                                                                 "STARTTLS",
                                                                 "EHLO probe.example.net", "QUIT"});
        }
        if (row.what == "good, no TLS") {
            CHECK_FALSE(report.tls);
            CHECK(server->commands() == std::vector<std::string>{"EHLO probe.example.net", "QUIT"});
        }
    }
}

TEST_CASE("prober: probes come from the configured source address") {
    FakeSmtp server{Script::good, "127.0.0.42"};
    core::HealthConfig config = test_config();
    config.source_address = "127.0.0.43";
    const core::ProbeTarget target{"mx1.example.com.", "127.0.0.42", server.port(), {}};
    CHECK(core::classify(io::probe_once(target, config), config).state == core::Health::up);
    CHECK(server.peers() == std::vector<std::string>{"127.0.0.43"});

    // A source of the other family is not used for this target.
    config.source_address = "::1";
    CHECK(core::classify(io::probe_once(target, config), config).state == core::Health::up);
    CHECK(server.peers().size() == 2);
}

TEST_CASE("prober: TLS 1.3 with the suite every server implements, where the server lets it") {
    // OpenSSL's own order puts TLS_AES_256_GCM_SHA384 first; the probe offers the same suites
    // with TLS_AES_128_GCM_SHA256 (RFC 8446 §9.1) first. A server that takes the client's
    // order (OpenSSL's default, Postfix's tls_preempt_cipherlist = no) agrees on it.
    FakeSmtp server{Script::good, "127.0.0.48"};
    const core::HealthConfig config = test_config();
    const core::ProbeTarget target{"mx1.example.com.", "127.0.0.48", server.port(), {}};
    const core::ProbeReport report = io::probe_once(target, config);
    CHECK(report.tls);
    CHECK(server.ciphers() == std::vector<std::string>{"TLS_AES_128_GCM_SHA256"});
}

TEST_CASE("prober: the TLS 1.3 suites keep the configured set, AES-128 moved first") {
    // A context limited to given TLS 1.3 suites stands in for what openssl.cnf can set.
    const auto order = [](const char* suites) {
        const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
            SSL_CTX_new(TLS_client_method()), &SSL_CTX_free};
        REQUIRE(ctx);
        REQUIRE(SSL_CTX_set_ciphersuites(ctx.get(), suites) == 1);
        return io::probe_tls13_order(SSL_CTX_get_ciphers(ctx.get()));
    };
    CHECK(order("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256") ==
          "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
    CHECK(order("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384") ==
          "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384");
    // A policy without AES-128 stays without it.
    CHECK(order("TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384") ==
          "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384");
    CHECK(order("TLS_AES_128_GCM_SHA256") == "TLS_AES_128_GCM_SHA256");
    CHECK(io::probe_tls13_order(nullptr).empty());

    // The probe's own context: AES-128 first, and AES-256 still offered.
    const auto tls = io::make_probe_tls_context(test_config());
    const std::string offered = io::probe_tls13_order(SSL_CTX_get_ciphers(tls->native_handle()));
    CHECK(offered.rfind("TLS_AES_128_GCM_SHA256:", 0) == 0);
    CHECK(offered.find("TLS_AES_256_GCM_SHA384") != std::string::npos);
}

TEST_CASE("prober: a TLS session is resumed within its lifetime, after a clean probe only") {
    FakeSmtp server{Script::good, "127.0.0.44"};
    core::HealthConfig config = test_config();
    config.starttls = core::StartTls::required;
    config.verify = core::Verify::pkix;
    const core::ProbeTarget target{"mx1.example.com.", "127.0.0.44", server.port(), {}};
    io::TlsSession session;

    const core::ProbeReport first = io::probe_once(target, config, &session);
    CHECK(first.tls);
    CHECK_FALSE(first.tls_resumed);
    CHECK(core::classify(first, config).state == core::Health::up);
    REQUIRE(session.session != nullptr);
    CHECK(session.issues_tickets);

    // The server sends no certificate on resumption; the session carries the checked one.
    const core::ProbeReport second = io::probe_once(target, config, &session);
    CHECK(second.tls_resumed);
    CHECK_FALSE(second.certificate_error.has_value());
    CHECK(core::classify(second, config).state == core::Health::up);
    REQUIRE(session.session != nullptr);
    CHECK(session.issues_tickets); // a new ticket after the resumption
    // The dialogue is the same as with a full handshake, EHLO over TLS included.
    const std::vector<std::string> dialogue{"EHLO probe.example.net", "STARTTLS",
                                            "EHLO probe.example.net", "QUIT"};
    const auto commands = server.commands();
    REQUIRE(commands.size() == 8);
    CHECK(std::vector<std::string>(commands.begin() + 4, commands.end()) == dialogue);

    // Resumed sessions count from the full handshake: once the lifetime has passed since it,
    // the next handshake is full again (and checks the certificate).
    session.checked_at -= config.tls_session_lifetime;
    const core::ProbeReport third = io::probe_once(target, config, &session);
    CHECK(third.tls);
    CHECK_FALSE(third.tls_resumed);
    CHECK(session.session != nullptr);

    // A lifetime of 0 keeps nothing, but the server still issues tickets.
    config.tls_session_lifetime = core::Millis{0};
    const core::ProbeReport fourth = io::probe_once(target, config, &session);
    CHECK_FALSE(fourth.tls_resumed);
    CHECK(session.session == nullptr);
    CHECK(session.issues_tickets);
    CHECK(core::classify(io::probe_once(target, config, &session), config).state ==
          core::Health::up);
}

TEST_CASE("prober: no TLS session is kept after a failed check or from a server without tickets") {
    core::HealthConfig config = test_config();
    config.verify = core::Verify::pkix;
    {
        // The certificate fails PKIX: the next probe must see (and check) it again.
        FakeSmtp server{Script::bad_certificate, "127.0.0.45"};
        const core::ProbeTarget target{"mx1.example.com.", "127.0.0.45", server.port(), {}};
        io::TlsSession session;
        for (int i = 0; i < 2; ++i) {
            const core::ProbeReport report = io::probe_once(target, config, &session);
            CHECK(report.tls);
            CHECK_FALSE(report.tls_resumed);
            CHECK(report.certificate_error.has_value());
            CHECK(core::classify(report, config).state == core::Health::degraded);
            CHECK(session.session == nullptr);
            // No session kept, yet the server issues tickets: known for the next handshake.
            CHECK(session.issues_tickets);
        }
    }
    {
        FakeSmtp server{Script::good, "127.0.0.46"};
        server.no_resumption();
        const core::ProbeTarget target{"mx1.example.com.", "127.0.0.46", server.port(), {}};
        io::TlsSession session;
        for (int i = 0; i < 2; ++i) {
            const core::ProbeReport report = io::probe_once(target, config, &session);
            CHECK(report.tls);
            CHECK_FALSE(report.tls_resumed);
            CHECK(core::classify(report, config).state == core::Health::up);
            CHECK_FALSE(session.issues_tickets);
        }
    }
    {
        // A server that went away: the failed probe drops the session (and keeps what is
        // known of its tickets).
        FakeSmtp server{Script::good, "127.0.0.47"};
        const core::ProbeTarget target{"mx1.example.com.", "127.0.0.47", server.port(), {}};
        io::TlsSession session;
        static_cast<void>(io::probe_once(target, config, &session));
        REQUIRE(session.session != nullptr);
        const core::ProbeTarget nowhere{
            "mx1.example.com.", "127.0.0.47", closed_port("127.0.0.47"), {}};
        CHECK(io::probe_once(nowhere, config, &session).error == core::ProbeError::refused);
        CHECK(session.session == nullptr);
        CHECK(session.issues_tickets);
    }
}

TEST_CASE("prober: a bad CA file is refused at construction") {
    core::HealthConfig config = test_config();
    config.ca_file = certs().dir + "/does-not-exist.pem";
    CHECK_THROWS_AS(io::Prober{config}, std::runtime_error);
}

TEST_CASE("prober: the snapshot follows a server through up, down and up again") {
    core::HealthConfig config = test_config();
    config.interval = 300ms;
    config.spread = 100ms;
    config.fast_interval = 100ms;
    config.rise = 2;
    config.fall = 2;
    config.ok_after = 2;
    config.backoff_base = 100ms;
    config.backoff_max = 400ms;
    config.backoff_jitter = 50ms;
    config.max_concurrent = 1; // the two targets queue for the one slot
    config.verify = core::Verify::pkix;

    const std::string up_address = "127.0.0.40";
    const std::string refused_address = "127.0.0.41";
    auto server = std::make_unique<FakeSmtp>(Script::good, up_address);
    const std::uint16_t port = server->port();
    io::Prober prober{config};
    // Before start: every target in the initial state (up), waiting for its first result.
    prober.set_targets({{"mx1.example.com.", up_address, port, {}},
                        {"mx2.example.com.", refused_address, closed_port(refused_address), {}}});
    {
        const auto first = prober.snapshot();
        REQUIRE(first);
        CHECK(first->checking);
        CHECK(first->taken_at_s.has_value());
        CHECK(first->exchanges.at("mx1.example.com.").state == core::Health::up);
        CHECK(first->exchanges.at("mx2.example.com.").state == core::Health::up);
        CHECK(first->exchanges.at("mx2.example.com.").changing);
    }
    prober.start();

    // Waits (generously) until mx1 has `want` and mx2 is down.
    auto wait_for = [&prober](core::Health want) {
        const auto give_up = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < give_up) {
            const auto s = prober.snapshot();
            const auto& one = s->exchanges.at("mx1.example.com.");
            const auto& two = s->exchanges.at("mx2.example.com.");
            if (one.state == want && !one.changing && two.state == core::Health::down) {
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    };
    REQUIRE(wait_for(core::Health::up));
    const std::string dump = prober.dump_json();
    CHECK(dump.find("\"key\":\"mx1.example.com./127.0.0.40:" + std::to_string(port) + "\"") !=
          std::string::npos);
    CHECK(dump.find("\"reason\":\"connection refused\",\"phase\":\"connect\"") !=
          std::string::npos);

    // The server stops: down. It comes back on the same port: up again.
    server.reset();
    REQUIRE(wait_for(core::Health::down));
    server = std::make_unique<FakeSmtp>(Script::good, up_address, port);
    REQUIRE(wait_for(core::Health::up));

    // Every probe of mx1 did STARTTLS: the first ones, and the first after the restart (new
    // ticket keys), with full handshakes; rise = 2 needed a second success after the restart,
    // which resumed the session of the first.
    const std::string metrics = prober.metrics_text();
    const auto count = [&metrics](const std::string& series) {
        const std::string key = series + " ";
        const auto at = metrics.find(key);
        REQUIRE(at != std::string::npos);
        return std::stoull(metrics.substr(at + key.size()));
    };
    CHECK(count("mxsteer_probe_tls_handshakes_total{kind=\"full\"}") >= 2);
    CHECK(count("mxsteer_probe_tls_handshakes_total{kind=\"resumed\"}") >= 1);
    // Probes by their classification: mx1 up once to leave the initial state and twice after
    // the restart (rise = 2); down: mx2 (refused every time) and mx1 while it was stopped,
    // twice each at least (fall = 2), every one a refused connection.
    CHECK(count("mxsteer_probes_total{result=\"up\"}") >= 3);
    CHECK(count("mxsteer_probes_total{result=\"down\"}") >= 4);
    CHECK(count("mxsteer_probe_failures_total{phase=\"connect\",reason=\"connection refused\"}") >=
          4);

    // A reload that drops mx2 and keeps mx1 keeps mx1's state.
    prober.set_targets({{"mx1.example.com.", up_address, port, {}}});
    const auto after = prober.snapshot();
    CHECK(after->exchanges.count("mx2.example.com.") == 0);
    CHECK(after->exchanges.at("mx1.example.com.").state == core::Health::up);
    prober.stop();
}
