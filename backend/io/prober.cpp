// SMTP probes on asio coroutines: one deadline per phase that no trickle of bytes can extend,
// TLS by OpenSSL on the socket's own descriptor (waiting for readiness through asio), certificate
// checks after the handshake so that failures are reported with their reason instead of ending
// the dialogue.
// SPDX-License-Identifier: MIT
#include "prober.hpp"

#include "core/smtp.hpp"
#include "log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <tuple>
#include <unistd.h>
#include <utility>

namespace mxsteer::io {

namespace {

using asio::awaitable;
using asio::ip::tcp;
using core::Millis;
using core::ProbeError;
using core::ProbePhase;
using core::ProbeReport;
constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

Millis wall_now() {
    return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch());
}

// The exchange name as TLS wants it: no trailing dot.
std::string host_name(const std::string& exchange) {
    if (!exchange.empty() && exchange.back() == '.') {
        return exchange.substr(0, exchange.size() - 1);
    }
    return exchange;
}

std::string openssl_errors() {
    std::string out;
    while (const unsigned long code = ERR_get_error()) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        out += out.empty() ? "" : "; ";
        out += text.data();
    }
    return out;
}

// The bytes between OpenSSL and the probe's socket. OpenSSL writes its records into `out` and
// reads them from `in`; the coroutine sends `out` and fills `in` with asio's reads. So the socket
// stays asio's alone: no readiness waits, each of which would re-arm epoll (an epoll_ctl, and a
// wake-up for a socket that is merely writable).
struct TlsPipe {
    // A resumed handshake's flight in one read, a full one in a few; no allocation of its own.
    static constexpr std::size_t in_size = 2048;
    std::string out;
    std::array<char, in_size> in;
    std::size_t in_begin = 0;
    std::size_t in_end = 0;
    bool eof = false; // the peer closed: OpenSSL reads end of file once `in` is drained
};

// A BIO method over a TlsPipe (the BIO's data): OpenSSL never blocks on it; an empty `in`
// asks it to retry, and `out` takes every write.
int pipe_write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    static_cast<TlsPipe*>(BIO_get_data(bio))->out.append(data, static_cast<std::size_t>(size));
    return size;
}

int pipe_read(BIO* bio, char* into, int size) {
    BIO_clear_retry_flags(bio);
    auto* pipe = static_cast<TlsPipe*>(BIO_get_data(bio));
    const std::size_t available = pipe->in_end - pipe->in_begin;
    if (available == 0) {
        if (pipe->eof) {
            return 0;
        }
        BIO_set_retry_read(bio);
        return -1;
    }
    const std::size_t n = std::min(available, static_cast<std::size_t>(std::max(size, 0)));
    std::memcpy(into, pipe->in.data() + pipe->in_begin, n);
    pipe->in_begin += n;
    return static_cast<int>(n);
}

long pipe_ctrl(BIO* bio, int command, long /*larg*/, void* /*parg*/) {
    const auto* pipe = static_cast<const TlsPipe*>(BIO_get_data(bio));
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1; // the coroutine sends `out` when it next waits or is done writing
    case BIO_CTRL_PENDING:
        return static_cast<long>(pipe->in_end - pipe->in_begin);
    case BIO_CTRL_WPENDING:
        return static_cast<long>(pipe->out.size());
    case BIO_CTRL_EOF:
        return pipe->eof && pipe->in_begin == pipe->in_end ? 1 : 0;
    default:
        return 0;
    }
}

int pipe_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* pipe_method() {
    static BIO_METHOD* const method = [] {
        const int index = BIO_get_new_index();
        BIO_METHOD* m =
            index < 0 ? nullptr : BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "mxsteer probe");
        if (m == nullptr || BIO_meth_set_write(m, pipe_write) != 1 ||
            BIO_meth_set_read(m, pipe_read) != 1 || BIO_meth_set_ctrl(m, pipe_ctrl) != 1 ||
            BIO_meth_set_create(m, pipe_create) != 1) {
            throw std::runtime_error("cannot make the probe's BIO method: " + openssl_errors());
        }
        return m;
    }();
    return method;
}

// One probe's connection, shared with its deadline handler so that a late timer completion
// never touches a destroyed socket. The SSL (with its BIO over `pipe`) goes before the rest.
struct Connection {
    explicit Connection(const asio::any_io_executor& executor)
        : socket(executor), deadline(executor) {}
    tcp::socket socket;
    asio::steady_timer deadline;
    TlsPipe pipe;
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl{nullptr, &SSL_free};
    bool timed_out = false;
    unsigned phase = 0;    // which arm() the deadline belongs to
    std::string buffer;    // bytes read but not yet parsed
    std::string tls_error; // OpenSSL's errors of the last failed TLS call
    // While set, bytes that complete no TLS read (session tickets, or part of a record) are
    // acknowledged at once (TCP_QUICKACK) instead of by a delayed ACK.
    bool ack_at_once = false;
};

// Arms the phase's deadline: when it passes, the socket is closed and every pending operation
// ends. It is absolute for the phase, so a server that drips one byte at a time cannot extend it.
void arm(const std::shared_ptr<Connection>& c, Millis timeout) {
    c->deadline.expires_after(timeout);
    const unsigned phase = ++c->phase;
    c->deadline.async_wait([weak = std::weak_ptr<Connection>(c), phase](const std::error_code& ec) {
        auto conn = weak.lock();
        // A deadline that passed just as its phase ended belongs to no phase any more.
        if (ec || !conn || conn->phase != phase) {
            return;
        }
        conn->timed_out = true;
        std::error_code ignored;
        conn->socket.close(ignored);
    });
}

// A failed phase, in the report's terms.
struct Failure {
    ProbeError error = ProbeError::none;
    int reply_code = 0;
    std::string detail;
};

Failure from_error(const Connection& c, const std::error_code& ec, Millis timeout,
                   std::string_view what) {
    if (c.timed_out) {
        return {ProbeError::timeout, 0,
                fmt::format("no complete {} within {} ms", what, timeout.count())};
    }
    if (ec == asio::error::eof) {
        return {ProbeError::closed, 0, fmt::format("closed before the {}", what)};
    }
    if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
        return {ProbeError::reset, 0, {}};
    }
    if (ec == asio::error::connection_refused) {
        return {ProbeError::refused, 0, {}};
    }
    return {ProbeError::network, 0, c.tls_error.empty() ? ec.message() : c.tls_error};
}

// Sends what OpenSSL has written and not yet sent.
awaitable<std::error_code> flush(Connection& c) {
    if (c.pipe.out.empty()) {
        co_return std::error_code{};
    }
    const auto [ec, n] =
        co_await asio::async_write(c.socket, asio::buffer(c.pipe.out), as_tuple_awaitable);
    static_cast<void>(n);
    c.pipe.out.clear();
    co_return ec;
}

// Runs an OpenSSL call (SSL_connect, SSL_read, SSL_write) until it completes: when it needs
// the peer's bytes, what it wrote is sent and the socket read. Returns the call's result (> 0)
// or why it failed: eof when the peer closed (with or without close_notify), the socket's
// error, or protocol_error with OpenSSL's reasons in c.tls_error. What a completed call wrote
// stays in the pipe: the caller flushes it.
template <class Call>
awaitable<std::tuple<std::error_code, int>> tls_call(Connection& c, Call call) {
    TlsPipe& pipe = c.pipe;
    bool fed = false; // the socket gave bytes to this call
    for (;;) {
        ERR_clear_error();
        const int r = call(c.ssl.get());
        if (r > 0) {
            co_return std::tuple{std::error_code{}, r};
        }
        const int e = SSL_get_error(c.ssl.get(), r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (const std::error_code ec = co_await flush(c)) {
                co_return std::tuple{ec, 0};
            }
            if (e == SSL_ERROR_WANT_WRITE) {
                continue; // `out` takes every write; nothing to wait for
            }
#ifdef TCP_QUICKACK
            if (fed && c.ack_at_once) {
                const int one = 1;
                ::setsockopt(c.socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
            }
#endif
            // pipe_read asks for a retry only once `in` is drained (and never after eof).
            const auto [ec, n] =
                co_await c.socket.async_read_some(asio::buffer(pipe.in), as_tuple_awaitable);
            if (ec == asio::error::eof) {
                pipe.eof = true; // OpenSSL tells a close_notify from a bare close
            } else if (ec) {
                co_return std::tuple{ec, 0};
            }
            pipe.in_begin = 0;
            pipe.in_end = n;
            fed = true;
            continue;
        }
        // The pipe never fails a read or write, so a "system call" error is the peer's close.
        if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL) {
            ERR_clear_error();
            co_return std::tuple{std::error_code{asio::error::eof}, 0};
        }
        const unsigned long first = ERR_peek_error();
        c.tls_error = openssl_errors();
        if (ERR_GET_LIB(first) == ERR_LIB_SSL &&
            ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            c.tls_error.clear();
            co_return std::tuple{std::error_code{asio::error::eof}, 0};
        }
        // The fatal alert OpenSSL wrote tells the server why; whether it arrives does not
        // change the outcome.
        static_cast<void>(co_await flush(c));
        co_return std::tuple{std::make_error_code(std::errc::protocol_error), 0};
    }
}

// Reads some bytes from the dialogue: from the socket, or through TLS once it is on.
awaitable<std::tuple<std::error_code, std::size_t>> read_some(Connection& c,
                                                              asio::mutable_buffer into) {
    if (!c.ssl) {
        co_return co_await c.socket.async_read_some(into, as_tuple_awaitable);
    }
    const int size = static_cast<int>(std::min<std::size_t>(into.size(), 1 << 30));
    const auto [ec, n] =
        co_await tls_call(c, [&into, size](SSL* ssl) { return SSL_read(ssl, into.data(), size); });
    co_return std::tuple{ec, static_cast<std::size_t>(std::max(n, 0))};
}

awaitable<std::error_code> write_all(Connection& c, std::string_view bytes) {
    if (!c.ssl) {
        const auto [ec, n] =
            co_await asio::async_write(c.socket, asio::buffer(bytes), as_tuple_awaitable);
        static_cast<void>(n);
        co_return ec;
    }
    // SSL_write takes all of it (no SSL_MODE_ENABLE_PARTIAL_WRITE); the records go out with
    // whatever an earlier call left in the pipe.
    const int size = static_cast<int>(bytes.size());
    const auto [ec, n] = co_await tls_call(
        c, [bytes, size](SSL* ssl) { return SSL_write(ssl, bytes.data(), size); });
    static_cast<void>(n);
    if (ec) {
        co_return ec;
    }
    co_return co_await flush(c);
}

// Reads one complete reply within the armed deadline.
awaitable<std::optional<core::SmtpReply>> read_reply(std::shared_ptr<Connection> c, Millis timeout,
                                                     std::string_view what, Failure& failure) {
    core::SmtpReplyParser parser;
    std::array<char, 4096> chunk{};
    for (;;) {
        if (!c->buffer.empty()) {
            const auto step = parser.feed(c->buffer);
            c->buffer.erase(0, step.consumed);
            if (step.status == core::SmtpReplyParser::Status::complete) {
                co_return parser.reply();
            }
            if (step.status == core::SmtpReplyParser::Status::error) {
                failure = {ProbeError::protocol, 0, parser.error()};
                co_return std::nullopt;
            }
        }
        const auto [ec, n] = co_await read_some(*c, asio::buffer(chunk));
        if (ec) {
            failure = from_error(*c, ec, timeout, what);
            if (failure.error == ProbeError::closed && parser.in_progress()) {
                failure.detail = fmt::format("closed in the middle of the {}", what);
            }
            co_return std::nullopt;
        }
        c->buffer.append(chunk.data(), n);
    }
}

awaitable<bool> send(std::shared_ptr<Connection> c, std::string_view line, Millis timeout,
                     Failure& failure) {
    const std::error_code ec = co_await write_all(*c, line);
    if (ec) {
        failure = from_error(*c, ec, timeout, "write");
        co_return false;
    }
    co_return true;
}

// A reply other than the one the dialogue needs, as a failure with its code and text.
Failure unexpected(const core::SmtpReply& reply) {
    return {ProbeError::none, reply.code, core::describe(reply)};
}

// The reply to a command sent within the armed phase `timeout`: the reply when its code is
// `expected`, else nullopt with why in `failure` (a read error, or the unexpected reply).
awaitable<std::optional<core::SmtpReply>> reply_to(std::shared_ptr<Connection> c, Millis timeout,
                                                   std::string_view what, int expected,
                                                   Failure& failure) {
    auto reply = co_await read_reply(c, timeout, what, failure);
    if (reply && reply->code != expected) {
        failure = unexpected(*reply);
        co_return std::nullopt;
    }
    co_return reply;
}

// One command and its reply within a new phase `timeout`: the reply when its code is
// `expected`, else nullopt with why in `failure` (a write or read error, or the unexpected
// reply itself).
awaitable<std::optional<core::SmtpReply>> command(std::shared_ptr<Connection> c,
                                                  std::string_view line, Millis timeout,
                                                  std::string_view what, int expected,
                                                  Failure& failure) {
    arm(c, timeout);
    if (!co_await send(c, line, timeout, failure)) {
        co_return std::nullopt;
    }
    // Two steps: GCC 12 miscompiles `co_return co_await` of this optional (the probe crashes).
    auto reply = co_await reply_to(c, timeout, what, expected, failure);
    co_return reply;
}

// PKIX: the peer's chain against the context's trust store, and the name against the exchange.
std::optional<std::string> check_pkix(SSL* ssl, const std::string& host) {
    X509* leaf = SSL_get0_peer_certificate(ssl);
    if (leaf == nullptr) {
        return "no peer certificate";
    }
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx{X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free};
    if (!ctx || X509_STORE_CTX_init(ctx.get(), SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), leaf,
                                    SSL_get_peer_cert_chain(ssl)) != 1) {
        return fmt::format("cannot verify the chain: {}", openssl_errors());
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (X509_verify_cert(ctx.get()) != 1) {
        return fmt::format("PKIX: {}",
                           X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
    }
    return std::nullopt;
}

// DANE: OpenSSL matched the TLSA records given before the handshake (RFC 7671/7672: usages 2
// and 3, with DANE-EE ignoring names and dates).
std::optional<std::string> check_dane(SSL* ssl, int usable_records) {
    if (usable_records <= 0) {
        return "DANE: no usable TLSA records";
    }
    if (SSL_get0_dane_authority(ssl, nullptr, nullptr) < 0) {
        return fmt::format("DANE: no TLSA record matches ({})",
                           X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
    }
    return std::nullopt;
}

awaitable<ProbeReport> run_probe(const core::ProbeTarget& target, const core::HealthConfig& config,
                                 std::shared_ptr<asio::ssl::context> tls, std::string probe_name,
                                 TlsSession* resume) {
    const auto executor = co_await asio::this_coro::executor;
    const auto started = std::chrono::steady_clock::now();
    // The session to offer leaves `resume`: only a probe that ends well puts one back. What
    // is known of the server's tickets stays.
    TlsSession offer;
    if (resume != nullptr) {
        offer = std::exchange(*resume, TlsSession{});
        resume->issues_tickets = offer.issues_tickets;
        if (offer.session && started - offer.checked_at >= config.tls_session_lifetime) {
            offer.session.reset();
        }
    }
    auto c = std::make_shared<Connection>(executor);
    ProbeReport report;
    auto finish = [&](ProbePhase phase, const Failure& f) {
        report.phase = phase;
        report.error = f.error;
        report.reply_code = f.reply_code;
        report.detail = f.detail;
        report.latency =
            std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
        ++c->phase;
        c->deadline.cancel();
        std::error_code ignored;
        c->ssl.reset();
        c->socket.close(ignored);
        return report;
    };
    const auto& t = config.timeouts;
    Failure failure;

    // connect (optionally from the source address)
    std::error_code ec;
    const auto address = asio::ip::make_address(target.address, ec);
    if (ec) {
        co_return finish(ProbePhase::connect, {ProbeError::network, 0,
                                               fmt::format("cannot parse address '{}': {}",
                                                           target.address, ec.message())});
    }
    tcp::socket& socket = c->socket;
    const tcp::endpoint endpoint{address, target.port};
    socket.open(endpoint.protocol(), ec);
    if (!ec && !config.source_address.empty()) {
        const auto source = asio::ip::make_address(config.source_address, ec);
        if (!ec && source.is_v4() == address.is_v4()) {
            socket.bind(tcp::endpoint{source, 0}, ec);
        }
        if (ec) {
            co_return finish(ProbePhase::connect,
                             {ProbeError::network, 0,
                              fmt::format("cannot bind source address '{}': {}",
                                          config.source_address, ec.message())});
        }
    }
    if (ec) {
        co_return finish(ProbePhase::connect, {ProbeError::network, 0, ec.message()});
    }
    arm(c, t.connect);
    {
        const auto [connect_ec] = co_await socket.async_connect(endpoint, as_tuple_awaitable);
        if (connect_ec) {
            co_return finish(ProbePhase::connect,
                             from_error(*c, connect_ec, t.connect, "connection"));
        }
    }

    // banner: the whole reply, without speaking first
    arm(c, t.banner);
    auto banner = co_await read_reply(c, t.banner, "banner", failure);
    if (!banner) {
        co_return finish(ProbePhase::banner, failure);
    }
    if (banner->code != 220) {
        co_return finish(ProbePhase::banner, unexpected(*banner));
    }

    // EHLO
    const std::string ehlo = fmt::format("EHLO {}\r\n", probe_name);
    auto ehlo_reply = co_await command(c, ehlo, t.ehlo, "EHLO reply", 250, failure);
    if (!ehlo_reply) {
        co_return finish(ProbePhase::ehlo, failure);
    }
    const core::EhloCapabilities caps = core::parse_ehlo(*ehlo_reply);
    report.starttls_offered = caps.starttls;

    const bool use_tls = config.starttls != core::StartTls::off && caps.starttls;
    if (use_tls) {
        if (!co_await command(c, "STARTTLS\r\n", t.starttls, "STARTTLS reply", 220, failure)) {
            co_return finish(ProbePhase::starttls, failure);
        }
        // Plain text sent after the 220 would be read as if it came over TLS (CVE-2011-0411).
        c->buffer.clear();

        c->ssl.reset(SSL_new(tls->native_handle()));
        SSL* ssl = c->ssl.get();
        BIO* bio = ssl != nullptr ? BIO_new(pipe_method()) : nullptr;
        if (bio == nullptr) {
            co_return finish(
                ProbePhase::tls_handshake,
                {ProbeError::tls, 0, fmt::format("cannot start TLS: {}", openssl_errors())});
        }
        BIO_set_data(bio, &c->pipe);
        SSL_set_bio(ssl, bio, bio); // the SSL owns the BIO

        SSL_set_connect_state(ssl);
        const std::string host = host_name(target.exchange);
        // SNI = the exchange (SSL_set_tlsext_host_name, without its old-style cast).
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str()));
        if (offer.session && SSL_set_session(ssl, offer.session.get()) != 1) {
            offer.session.reset();
            ERR_clear_error();
        }
        int usable_tlsa = 0;
        const bool want_dane =
            config.verify == core::Verify::dane || config.verify == core::Verify::both;
        if (want_dane && SSL_dane_enable(ssl, host.c_str()) > 0) {
            for (const auto& r : target.tlsa) {
                if (r.usage != 2 && r.usage != 3) {
                    continue; // RFC 7672 §3.1.3: PKIX usages are not used for SMTP
                }
                if (SSL_dane_tlsa_add(ssl, r.usage, r.selector, r.matching_type, r.data.data(),
                                      r.data.size()) > 0) {
                    ++usable_tlsa;
                }
            }
            ERR_clear_error();
        }
        arm(c, t.tls_handshake);
        auto [hs_ec, hs] = co_await tls_call(*c, [](SSL* s) { return SSL_connect(s); });
        static_cast<void>(hs);
        // How the client's Finished leaves, when it is the handshake's last flight (TLS 1.3,
        // and TLS 1.2 resumption). In TLS 1.3, a server that issued tickets before answers it
        // with new ones at once, and those carry its ACK; so it goes alone, and the EHLO after
        // it waits in our Nagle only for that ACK. Sent in one segment with the Finished, the
        // EHLO's reply would wait in the server's Nagle for our delayed ACK of the tickets
        // (40 ms). A server that issues none would acknowledge a lone Finished only with its
        // delayed ACK, and our Nagle would hold the EHLO that long: for it the EHLO goes with
        // the Finished, written here, where a failed write is the handshake's failure.
        bool ehlo_sent = false;
        if (!hs_ec) {
            const bool finished_pending = !c->pipe.out.empty();
            const bool finished_alone = SSL_version(ssl) == TLS1_3_VERSION && offer.issues_tickets;
            if (finished_pending && !finished_alone) {
                const int size = static_cast<int>(ehlo.size());
                std::tie(hs_ec, hs) = co_await tls_call(
                    *c, [&ehlo, size](SSL* s) { return SSL_write(s, ehlo.data(), size); });
                ehlo_sent = !hs_ec;
            }
            if (!hs_ec) {
                hs_ec = co_await flush(*c);
            }
        }
        if (hs_ec) {
            if (c->timed_out) {
                co_return finish(ProbePhase::tls_handshake,
                                 from_error(*c, hs_ec, t.tls_handshake, "TLS handshake"));
            }
            std::string why = c->tls_error;
            if (why.empty()) {
                why = hs_ec == asio::error::eof ? "the server closed the connection"
                                                : hs_ec.message();
            }
            co_return finish(ProbePhase::tls_handshake, {ProbeError::tls, 0, why});
        }
        report.tls = true;
        report.tls_resumed = offer.session && SSL_session_reused(ssl) == 1;

        // certificate checks: reported, never enforced here (core::classify decides); a
        // resumed session was only kept by a full handshake whose checks passed
        if (!report.tls_resumed) {
            std::optional<std::string> problem;
            if (config.verify == core::Verify::pkix || config.verify == core::Verify::both) {
                problem = check_pkix(ssl, host);
            }
            if (!problem && want_dane) {
                problem = check_dane(ssl, usable_tlsa);
            }
            report.certificate_error = std::move(problem);
        }

        // EHLO again: RFC 3207 §4.2 discards what was learnt before TLS. After a full TLS 1.3
        // handshake an OpenSSL server sends two tickets, and Nagle holds the second, with the
        // EHLO reply behind it, until the first is acknowledged: at once, not by a delayed ACK
        // (40 ms). A resumed handshake gets one ticket, which the EHLO's segment acknowledges.
        c->ack_at_once = !report.tls_resumed && SSL_version(ssl) == TLS1_3_VERSION;
        arm(c, t.ehlo);
        bool ehlo_ok = ehlo_sent;
        if (!ehlo_sent) {
            ehlo_ok = co_await send(c, ehlo, t.ehlo, failure);
        }
        if (ehlo_ok) {
            ehlo_ok = (co_await reply_to(c, t.ehlo, "EHLO reply", 250, failure)).has_value();
        }
        c->ack_at_once = false;
        if (!ehlo_ok) {
            co_return finish(ProbePhase::ehlo, failure);
        }
        // A TLS 1.3 server sends its tickets after the handshake; they have been read with the
        // EHLO reply. The session to offer next: the newest, checked when `offer`'s was.
        std::shared_ptr<SSL_SESSION> next{SSL_get1_session(ssl), &SSL_SESSION_free};
        const bool resumable = next && SSL_SESSION_is_resumable(next.get()) == 1;
        // A resumption without a new ticket leaves the offered session in place. (`offer`
        // goes back to `resume` at the end, with what it says of the tickets.)
        offer.issues_tickets = resumable && (!report.tls_resumed || next != offer.session);
        if (resume != nullptr && config.tls_session_lifetime > Millis{0} &&
            !report.certificate_error) {
            if (resumable) {
                offer.session = std::move(next);
                offer.checked_at = report.tls_resumed ? offer.checked_at : started;
            } else if (!report.tls_resumed) {
                offer.session.reset();
            }
        } else {
            offer.session.reset();
        }
    } else {
        offer.session.reset();
    }

    // QUIT: whatever happens now does not change the outcome
    arm(c, t.quit);
    if (co_await send(c, "QUIT\r\n", t.quit, failure)) {
        co_await read_reply(c, t.quit, "QUIT reply", failure);
    }
    if (resume != nullptr) {
        if (offer.session) {
            // Freeing a connection that was not shut down makes its session unresumable; the
            // dialogue ended with QUIT, so it counts as shut down without a close_notify.
            SSL_set_shutdown(c->ssl.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        }
        *resume = std::move(offer);
    }
    co_return finish(ProbePhase::done, Failure{});
}

} // namespace

std::string probe_tls13_order(const STACK_OF(SSL_CIPHER) * ciphers) {
    constexpr std::string_view first = "TLS_AES_128_GCM_SHA256";
    std::string out{};
    bool has_first = false;
    for (int i = 0; ciphers != nullptr && i < sk_SSL_CIPHER_num(ciphers); ++i) {
        const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
        if (std::string_view{SSL_CIPHER_get_version(c)} != "TLSv1.3") {
            continue;
        }
        const std::string_view name = SSL_CIPHER_get_name(c);
        if (name == first) {
            has_first = true;
            continue;
        }
        out += out.empty() ? "" : ":";
        out += name;
    }
    if (has_first) {
        out = out.empty() ? std::string{first} : fmt::format("{}:{}", first, out);
    }
    return out;
}

std::shared_ptr<asio::ssl::context> make_probe_tls_context(const core::HealthConfig& config) {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    std::error_code ec;
    if (!config.ca_file.empty()) {
        tls->load_verify_file(config.ca_file, ec);
        if (ec) {
            throw std::runtime_error(
                fmt::format("cannot load CA file '{}': {}", config.ca_file, ec.message()));
        }
    } else if (config.verify == core::Verify::pkix || config.verify == core::Verify::both) {
        // Only PKIX needs trust anchors: without them DANE's chain building in the handshake
        // does not search the default directory per probe.
        tls->set_default_verify_paths(ec);
    }
    // The handshake never fails on the certificate; the checks after it report why.
    tls->set_verify_mode(asio::ssl::verify_none);
    // Without DANE, nothing reads the chain OpenSSL builds during the handshake: verify_none
    // ignores its result and check_pkix builds its own. Skipping it saves a chain search per
    // full handshake. DANE's matching happens in that chain building, so it keeps it.
    const bool dane = config.verify == core::Verify::dane || config.verify == core::Verify::both;
    if (!dane) {
        SSL_CTX_set_cert_verify_callback(
            tls->native_handle(), [](X509_STORE_CTX* /*chain*/, void* /*arg*/) { return 1; },
            nullptr);
    }
    // Whole records per read from the pipe, not a header and then a body.
    SSL_CTX_set_read_ahead(tls->native_handle(), 1);
    // The TLS 1.3 suites OpenSSL would offer (its defaults, or what openssl.cnf says), with
    // TLS_AES_128_GCM_SHA256 first if it is among them: every TLS 1.3 server implements it
    // (RFC 8446 §9.1) and its SHA-256 key schedule costs less than SHA-384's. A server that
    // prefers its own order still picks from the same suites.
    const std::string suites = probe_tls13_order(SSL_CTX_get_ciphers(tls->native_handle()));
    if (!suites.empty() && SSL_CTX_set_ciphersuites(tls->native_handle(), suites.c_str()) != 1) {
        throw std::runtime_error(
            fmt::format("cannot set the TLS 1.3 ciphersuites '{}': {}", suites, openssl_errors()));
    }
    if (dane) {
        if (SSL_CTX_dane_enable(tls->native_handle()) <= 0) {
            throw std::runtime_error(
                fmt::format("cannot enable DANE in OpenSSL: {}", openssl_errors()));
        }
    }
    return tls;
}

asio::awaitable<core::ProbeReport> probe(const core::ProbeTarget& target,
                                         const core::HealthConfig& config,
                                         std::shared_ptr<asio::ssl::context> tls,
                                         std::string probe_name, TlsSession* resume) {
    try {
        co_return co_await run_probe(target, config, std::move(tls), std::move(probe_name), resume);
    } catch (const std::exception& e) {
        // Allocation failures and the like: this probe failed, the prober goes on.
        ProbeReport report;
        report.phase = ProbePhase::connect;
        report.error = ProbeError::network;
        report.detail = e.what();
        co_return report;
    }
}

core::ProbeReport probe_once(const core::ProbeTarget& target, const core::HealthConfig& config,
                             TlsSession* resume) {
    asio::io_context io;
    std::optional<ProbeReport> report;
    const std::string name = config.probe_name.empty() ? default_probe_name() : config.probe_name;
    asio::co_spawn(io, probe(target, config, make_probe_tls_context(config), name, resume),
                   [&report](const std::exception_ptr& error, ProbeReport r) {
                       if (!error) {
                           report = std::move(r);
                       }
                   });
    io.run();
    if (!report) {
        throw std::runtime_error("cannot probe: the probe ended without a report");
    }
    return *report;
}

std::string default_probe_name() {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') {
        return "localhost";
    }
    return name.data();
}

Prober::Prober(core::HealthConfig config)
    : config_(std::move(config)),
      probe_name_(config_.probe_name.empty() ? default_probe_name() : config_.probe_name),
      tls_(make_probe_tls_context(config_)), tracker_(config_), random_(std::random_device{}()),
      io_(std::make_unique<asio::io_context>()),
      slot_freed_(std::make_unique<asio::steady_timer>(*io_)) {
    slot_freed_->expires_at(asio::steady_timer::time_point::max());
    publish();
}

Prober::~Prober() {
    stop();
}

void Prober::publish() {
    std::shared_ptr<const core::HealthSnapshot> next;
    {
        const std::lock_guard lock{mutex_};
        next = std::make_shared<const core::HealthSnapshot>(tracker_.snapshot(wall_now()));
    }
    std::atomic_store_explicit(&snapshot_, std::move(next), std::memory_order_release);
}

void Prober::set_targets(std::vector<core::ProbeTarget> targets) {
    bool started = false;
    {
        const std::lock_guard lock{mutex_};
        tracker_.set_targets(std::move(targets), wall_now());
        ++generation_;
        started = started_;
    }
    publish();
    if (started) {
        asio::post(*io_, [this] { spawn_target_loops(); });
    }
}

void Prober::spawn_target_loops() {
    std::vector<std::string> keys;
    std::uint64_t generation = 0;
    {
        const std::lock_guard lock{mutex_};
        generation = generation_;
        for (const auto& entry : tracker_.targets()) {
            keys.push_back(entry.first);
        }
    }
    // Every key gets a loop of the current generation; loops of older ones end when they wake.
    for (auto& key : keys) {
        asio::co_spawn(*io_, target_loop(std::move(key), generation), asio::detached);
    }
}

// While the prober handles more than one event per wake_period on average (over the last
// busy_window), the thread sleeps out the rest of the period after each batch, so that the next
// wake finds several ready. Otherwise it waits for the next event at once: a prober with few
// targets answers without delay, and its probes' latencies are not stretched.
void Prober::run_io() {
    using Clock = std::chrono::steady_clock;
    Clock::time_point woke = Clock::now();
    Clock::time_point window_end = woke + busy_window;
    std::size_t handled = 0;
    bool busy = false;
    while (!io_->stopped()) {
        if (busy) {
            std::this_thread::sleep_until(woke + wake_period);
        }
        handled += io_->run_one();
        woke = Clock::now();
        handled += io_->poll();
        if (woke >= window_end) {
            busy = handled > static_cast<std::size_t>(busy_window / wake_period);
            handled = 0;
            window_end = woke + busy_window;
        }
    }
}

void Prober::start() {
    {
        const std::lock_guard lock{mutex_};
        if (started_) {
            return;
        }
        started_ = true;
    }
    running_ = true;
    asio::co_spawn(*io_, publish_loop(), asio::detached);
    spawn_target_loops();
    thread_ = std::thread([this] {
        try {
            run_io();
        } catch (const std::exception& e) {
            // The snapshot stops being refreshed, so lookups fail open once it is stale.
            log::error("health prober stopped", {{"reason", e.what()}});
        }
    });
}

void Prober::stop() {
    running_ = false;
    io_->stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::string Prober::dump_json() const {
    const std::lock_guard lock{mutex_};
    return tracker_.dump_json(wall_now());
}

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

std::string Prober::metrics_text() const {
    const std::lock_guard lock{mutex_};
    std::string out;
    out += "# HELP mxsteer_probe_target_state 1 for the current state of each probed address\n"
           "# TYPE mxsteer_probe_target_state gauge\n";
    for (const auto& entry : tracker_.targets()) {
        const core::TargetStatus& t = entry.second;
        for (const core::Health h : {core::Health::up, core::Health::degraded,
                                     core::Health::soft_down, core::Health::down}) {
            out += fmt::format("mxsteer_probe_target_state{{exchange=\"{}\",address=\"{}\","
                               "port=\"{}\",state=\"{}\"}} {}\n",
                               label(t.target.exchange), label(t.target.address), t.target.port,
                               core::to_string(h), t.state.state == h ? 1 : 0);
        }
    }
    out += "# HELP mxsteer_probe_transitions_total state changes of each probed address\n"
           "# TYPE mxsteer_probe_transitions_total counter\n";
    for (const auto& entry : tracker_.targets()) {
        const auto it = counters_.transitions.find(entry.first);
        out += fmt::format("mxsteer_probe_transitions_total{{target=\"{}\"}} {}\n",
                           label(entry.first), it == counters_.transitions.end() ? 0 : it->second);
    }
    out += "# HELP mxsteer_probes_total probes by their classification\n"
           "# TYPE mxsteer_probes_total counter\n";
    for (const auto& [state, n] : counters_.probes) {
        out += fmt::format("mxsteer_probes_total{{result=\"{}\"}} {}\n", state, n);
    }
    out += "# HELP mxsteer_probe_failures_total failed probes by the phase they ended at and why\n"
           "# TYPE mxsteer_probe_failures_total counter\n";
    for (const auto& [where, n] : counters_.failed) {
        out += fmt::format("mxsteer_probe_failures_total{{phase=\"{}\",reason=\"{}\"}} {}\n",
                           label(where.first), label(where.second), n);
    }
    out += "# HELP mxsteer_probe_latency_seconds probe time by the phase the dialogue ended at\n"
           "# TYPE mxsteer_probe_latency_seconds summary\n";
    for (const auto& [phase, sum] : counters_.latency) {
        out += fmt::format("mxsteer_probe_latency_seconds_sum{{phase=\"{}\"}} {:.6f}\n"
                           "mxsteer_probe_latency_seconds_count{{phase=\"{}\"}} {}\n",
                           phase, sum.first, phase, sum.second);
    }
    out += fmt::format("# HELP mxsteer_probe_tls_handshakes_total TLS handshakes of probes: full "
                       "(certificate sent and checked) or resumed\n"
                       "# TYPE mxsteer_probe_tls_handshakes_total counter\n"
                       "mxsteer_probe_tls_handshakes_total{{kind=\"full\"}} {}\n"
                       "mxsteer_probe_tls_handshakes_total{{kind=\"resumed\"}} {}\n",
                       counters_.tls_full, counters_.tls_resumed);
    return out;
}

asio::awaitable<void> Prober::acquire_slot() {
    while (in_flight_ >= std::max<std::size_t>(config_.max_concurrent, 1)) {
        co_await slot_freed_->async_wait(as_tuple_awaitable);
    }
    ++in_flight_;
}

void Prober::release_slot() {
    --in_flight_;
    slot_freed_->cancel_one();
}

asio::awaitable<void> Prober::publish_loop() {
    asio::steady_timer timer{*io_};
    const auto heartbeat = std::clamp<std::chrono::milliseconds>(
        std::chrono::seconds{config_.max_snapshot_age_s} / 2, publish_period, heartbeat_period);
    auto published = std::chrono::steady_clock::time_point{};
    while (running_) {
        bool changed = false;
        {
            const std::lock_guard lock{mutex_};
            changed = tracker_.take_changes();
        }
        const auto now = std::chrono::steady_clock::now();
        if (changed || now - published >= heartbeat) {
            publish();
            published = now;
        }
        timer.expires_after(publish_period);
        co_await timer.async_wait(as_tuple_awaitable);
    }
}

asio::awaitable<void> Prober::target_loop(std::string key, std::uint64_t generation) {
    asio::steady_timer timer{*io_};
    // No wait is longer than the longest delay next_delay() gives; a later due time means the
    // wall clock went back, and the target is probed now.
    const Millis longest = config_.interval + config_.spread + config_.backoff_max +
                           config_.backoff_jitter + config_.fast_interval;
    TlsSession session; // this target's, for resumption
    while (running_) {
        core::ProbeTarget target;
        Millis due{0};
        {
            const std::lock_guard lock{mutex_};
            const core::TargetStatus* status = tracker_.find(key);
            if (generation != generation_ || status == nullptr) {
                co_return;
            }
            due = status->next_due;
            target = status->target;
        }
        const Millis delay = due - wall_now();
        if (delay > Millis{0} && delay <= longest) {
            timer.expires_after(delay);
            co_await timer.async_wait(as_tuple_awaitable);
            continue;
        }
        co_await acquire_slot();
        const ProbeReport report = co_await probe(target, config_, tls_, probe_name_, &session);
        release_slot();
        core::ProbeResult result = core::classify(report, config_); // once, outside the lock
        const core::Health state = result.state;
        std::optional<core::Transition> transition;
        {
            const std::lock_guard lock{mutex_};
            transition = tracker_.observe(key, report, std::move(result), wall_now(), random_());
            ++counters_.probes[std::string{core::to_string(state)}];
            if (state == core::Health::down || state == core::Health::soft_down) {
                const std::string why = report.error != core::ProbeError::none
                                            ? std::string{core::to_string(report.error)}
                                            : fmt::format("reply {}", report.reply_code);
                ++counters_.failed[{std::string{core::to_string(report.phase)}, why}];
            }
            auto& [seconds, count] = counters_.latency[std::string{core::to_string(report.phase)}];
            seconds += std::chrono::duration<double>(report.latency).count();
            ++count;
            if (report.tls) {
                ++(report.tls_resumed ? counters_.tls_resumed : counters_.tls_full);
            }
            if (transition) {
                ++counters_.transitions[transition->key];
            }
        }
        if (transition) {
            const auto level =
                transition->to == core::Health::up ? log::Level::info : log::Level::warning;
            log::write(level, "health changed",
                       {{"target", transition->key},
                        {"from", core::to_string(transition->from)},
                        {"to", core::to_string(transition->to)},
                        {"phase", core::to_string(transition->result.phase)},
                        {"reason", transition->result.reason}});
        }
    }
}

} // namespace mxsteer::io
