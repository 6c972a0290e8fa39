// asio coroutines: accept loop, one session and one deadline watchdog per connection; a
// malformed, oversized or stalled request ends only its own connection, with a JSON reply.
// SPDX-License-Identifier: MIT
#include "http_server.hpp"

#include "core/json_text.hpp"
#include "core/text.hpp"
#include "log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>
#include <system_error>
#include <utility>

namespace mxsteer::io {

namespace {

using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

// What a client that is refused may still send before the close (a body not read because it
// was too large): read and dropped for up to this long and this much, so that the close does
// not turn into a reset that destroys the refusal before the client has read it.
constexpr auto linger_time = std::chrono::seconds(1);
constexpr std::size_t linger_bytes = 256 * 1024;

// RFC 9110 §5.6.2 token characters.
bool is_tchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), is_tchar);
}

// RFC 9110 §5.5 field-value bytes: visible ASCII, obs-text, space and tab.
bool is_field_value(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == '\t' || (u >= 0x20 && u != 0x7f);
    });
}

// A user value in a message: quoted, escaped to ASCII, cut short.
std::string excerpt(std::string_view text) {
    return "'" + lint::quote(text) + "'";
}

HttpHeadResult refused(int status, std::string message) {
    HttpHeadResult result;
    result.status = status;
    result.error = std::move(message);
    return result;
}

std::string_view reason_phrase(int status) {
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

// The whole response in one buffer, so that it leaves in one write.
std::string render(const protocol::HttpReply& reply, bool keep_alive, bool http_1_0) {
    std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/json\r\n"
                                  "Content-Length: {}\r\n",
                                  reply.status, reason_phrase(reply.status), reply.body.size());
    for (const auto& header : reply.headers) {
        out += header.name;
        out += ": ";
        out += header.value;
        out += "\r\n";
    }
    if (!keep_alive) {
        out += "Connection: close\r\n";
    } else if (http_1_0) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    out += reply.body;
    return out;
}

// {"result":false,"log":["<message>"]}: what pdns expects in a body, also for the refusals
// the server makes itself.
protocol::HttpReply refusal(int status, std::string_view message) {
    protocol::HttpReply reply;
    reply.status = status;
    reply.body = "{\"result\":false,\"log\":[" + core::json_string(message) + "]}\n";
    return reply;
}

} // namespace

std::optional<std::size_t> find_head_end(std::string_view buffer) {
    // Empty lines before a request line are skipped (RFC 9112 §2.2), so they never end a head.
    const auto start = buffer.find_first_not_of("\r\n");
    if (start == std::string_view::npos) {
        return std::nullopt;
    }
    for (auto lf = buffer.find('\n', start); lf != std::string_view::npos;
         lf = buffer.find('\n', lf + 1)) {
        if (lf + 1 < buffer.size() && buffer[lf + 1] == '\n') {
            return lf + 2;
        }
        if (lf + 2 < buffer.size() && buffer[lf + 1] == '\r' && buffer[lf + 2] == '\n') {
            return lf + 3;
        }
    }
    return std::nullopt;
}

HttpHeadResult parse_http_head(std::string_view head, const HttpLimits& limits) {
    head.remove_prefix(std::min(head.size(), head.find_first_not_of("\r\n")));
    // Lines end in LF; a CR before it is part of the line end (RFC 9112 §2.2).
    const auto next_line = [&head]() -> std::string_view {
        const auto lf = head.find('\n');
        std::string_view line = head.substr(0, lf);
        head = lf == std::string_view::npos ? std::string_view{} : head.substr(lf + 1);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        return line;
    };

    HttpHead parsed;
    protocol::HttpRequest& request = parsed.request;
    const std::string_view request_line = next_line();
    const auto first_space = request_line.find(' ');
    const auto second_space = request_line.find(' ', first_space + 1);
    if (first_space == std::string_view::npos || second_space == std::string_view::npos) {
        return refused(400, fmt::format("the request line must be 'METHOD TARGET HTTP/1.1', "
                                        "got {}",
                                        excerpt(request_line)));
    }
    const std::string_view method = request_line.substr(0, first_space);
    const std::string_view target =
        request_line.substr(first_space + 1, second_space - first_space - 1);
    const std::string_view version = request_line.substr(second_space + 1);
    if (!is_token(method)) {
        return refused(400, fmt::format("bad method {}", excerpt(method)));
    }
    if (target.empty() ||
        !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        return refused(400, fmt::format("bad request target {}", excerpt(target)));
    }
    if (version == "HTTP/1.0") {
        parsed.http_1_0 = true;
    } else if (version != "HTTP/1.1") {
        const auto digit = [](char c) { return c >= '0' && c <= '9'; };
        const bool http_like = version.size() == 8 && version.starts_with("HTTP/") &&
                               digit(version[5]) && version[6] == '.' && digit(version[7]);
        if (http_like) {
            return refused(505, fmt::format("HTTP version {} is not supported, only HTTP/1.1 "
                                            "and HTTP/1.0",
                                            excerpt(version)));
        }
        return refused(
            400, fmt::format("the request line must end in HTTP/1.1, got {}", excerpt(version)));
    }
    request.method = std::string{method};
    request.target = std::string{target};

    std::size_t hosts = 0;
    bool has_length = false;
    bool close = false;
    bool keep_alive = false;
    while (!head.empty()) {
        const std::string_view line = next_line();
        if (line.empty()) {
            break;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            return refused(400, "obsolete line folding in a header field");
        }
        const auto colon = line.find(':');
        const std::string_view name = line.substr(0, colon);
        if (colon == std::string_view::npos || !is_token(name)) {
            return refused(
                400, fmt::format("a header field must be 'Name: value', got {}", excerpt(line)));
        }
        const std::string_view value = lint::trim_wsp(line.substr(colon + 1));
        if (!is_field_value(value)) {
            return refused(400,
                           fmt::format("header {} has a control byte in its value", excerpt(name)));
        }
        if (request.headers.size() == limits.max_header_count) {
            return refused(431, fmt::format("more than {} header fields", limits.max_header_count));
        }
        request.headers.push_back(protocol::HttpHeader{std::string{name}, std::string{value}});

        if (lint::iequals(name, "host")) {
            ++hosts;
        } else if (lint::iequals(name, "content-length")) {
            if (has_length) {
                return refused(400, "Content-Length is given twice");
            }
            has_length = true;
            std::uint64_t length = 0;
            const char* end = value.data() + value.size();
            const auto [ptr, ec] = std::from_chars(value.data(), end, length);
            if (value.empty() || ec == std::errc::invalid_argument || ptr != end ||
                !std::all_of(value.begin(), value.end(),
                             [](char c) { return c >= '0' && c <= '9'; })) {
                return refused(400, fmt::format("Content-Length must be a number of bytes, got "
                                                "{}",
                                                excerpt(value)));
            }
            if (ec == std::errc::result_out_of_range || length > limits.max_body_bytes) {
                return refused(413, fmt::format("the body is {} bytes, more than the limit of {}",
                                                value, limits.max_body_bytes));
            }
            parsed.content_length = static_cast<std::size_t>(length);
        } else if (lint::iequals(name, "transfer-encoding")) {
            return refused(501, "Transfer-Encoding is not supported, send Content-Length");
        } else if (lint::iequals(name, "connection")) {
            std::string_view options = value;
            while (!options.empty()) {
                const auto comma = options.find(',');
                const std::string_view option = lint::trim_wsp(options.substr(0, comma));
                close = close || lint::iequals(option, "close");
                keep_alive = keep_alive || lint::iequals(option, "keep-alive");
                options = comma == std::string_view::npos ? std::string_view{}
                                                          : options.substr(comma + 1);
            }
        } else if (lint::iequals(name, "expect")) {
            parsed.expect_continue = lint::iequals(value, "100-continue");
        }
    }
    if (!parsed.http_1_0 && hosts != 1) {
        return refused(400,
                       fmt::format("an HTTP/1.1 request needs one Host header, got {}", hosts));
    }
    parsed.keep_alive = parsed.http_1_0 ? keep_alive && !close : !close;
    HttpHeadResult result;
    result.head = std::move(parsed);
    return result;
}

struct HttpServer::State {
    State(asio::io_context& io_, HttpHandler handler_, HttpLimits limits_)
        : io(io_), acceptor(io_), handler(std::move(handler_)), limits(limits_) {}
    asio::io_context& io;
    tcp::acceptor acceptor;
    HttpHandler handler;
    HttpLimits limits;
};

namespace {

// One client connection, shared by its session and its watchdog.
struct Connection {
    explicit Connection(tcp::socket socket_)
        : socket(std::move(socket_)), timer(socket.get_executor()) {
        disarm();
    }
    // A deadline from now; the watchdog cancels the socket's operations when it passes.
    void arm(std::chrono::milliseconds timeout) { timer.expires_after(timeout); }
    void disarm() { timer.expires_at(Clock::time_point::max()); }

    tcp::socket socket;
    asio::steady_timer timer; // expires at the deadline; time_point::max() while there is none
    bool timed_out = false;   // the deadline passed: the session gives up on the request
    bool done = false;        // the session has ended: the watchdog ends too
};

// Waits for the connection's deadline. Setting a new deadline (arm, disarm) cancels the wait,
// which then starts over with it; a deadline that passes cancels the session's read or write.
// (The expiry is checked again after a wait: a re-armed timer may still deliver the earlier
// expiry.)
awaitable<void> watchdog(std::shared_ptr<Connection> c) {
    try {
        while (!c->done) {
            const auto [ec] = co_await c->timer.async_wait(as_tuple_awaitable);
            if (c->done) {
                co_return;
            }
            if (!ec && c->timer.expiry() <= Clock::now()) {
                c->timed_out = true;
                std::error_code ignored;
                c->socket.cancel(ignored);
                c->disarm();
            }
        }
    } catch (const std::exception& e) {
        // Without its watchdog a connection could stall forever: end it.
        log::error("connection watchdog failed", {{"reason", e.what()}});
        c->timed_out = true;
        std::error_code ignored;
        c->socket.close(ignored);
    }
}

// Writes all of `data` before the deadline: one non-blocking write, which takes a reply
// whole unless the client has stopped reading, then an asynchronous write for the rest.
awaitable<bool> send(Connection& c, std::string_view data, std::chrono::milliseconds timeout) {
    std::error_code ec;
    std::size_t sent = c.socket.write_some(asio::buffer(data), ec);
    if (!ec && sent == data.size()) {
        co_return true;
    }
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        co_return false;
    }
    if (ec) {
        sent = 0;
    }
    c.arm(timeout);
    const auto [write_ec, n] =
        co_await asio::async_write(c.socket, asio::buffer(data.substr(sent)), as_tuple_awaitable);
    c.disarm();
    co_return !write_ec && !c.timed_out;
}

// Answers a request that will not be read to its end, then closes: our side is shut down
// and what the client still sends is read and dropped for a while (see linger_time).
awaitable<void> refuse(Connection& c, int status, std::string_view message,
                       std::chrono::milliseconds timeout) {
    log::warning("http request refused", {{"status", std::to_string(status)}, {"reason", message}});
    c.timed_out = false; // a 408 gets a deadline of its own for the refusal and the drain
    const std::string out =
        render(refusal(status, fmt::format("cannot read request: {}", message)), false, false);
    if (!co_await send(c, out, timeout) || c.timed_out) {
        co_return;
    }
    std::error_code ec;
    c.socket.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
        co_return;
    }
    c.arm(std::chrono::duration_cast<std::chrono::milliseconds>(linger_time));
    std::array<char, 4096> drain{};
    std::size_t drained = 0;
    while (drained < linger_bytes && !c.timed_out) {
        const auto [read_ec, n] =
            co_await c.socket.async_read_some(asio::buffer(drain), as_tuple_awaitable);
        if (read_ec) {
            break;
        }
        drained += n;
    }
    c.disarm();
}

// Serves requests on one connection, strictly one after the other, until the client closes,
// asks to close, or breaks the protocol.
awaitable<void> serve(const HttpServer::State& state, Connection& c) {
    const HttpLimits& limits = state.limits;
    std::string buffer; // bytes received and not yet consumed: at most one request's worth
    std::array<char, 16 * 1024> chunk{};
    for (;;) {
        // The head. No deadline until its first byte: an idle keep-alive connection waits.
        bool armed = false;
        std::optional<std::size_t> head_end;
        while (!(head_end = find_head_end(buffer))) {
            if (buffer.size() > limits.max_header_bytes) {
                co_await refuse(c, 431,
                                fmt::format("the request head is larger than {} bytes",
                                            limits.max_header_bytes),
                                limits.request_timeout);
                co_return;
            }
            if (!buffer.empty() && !armed) {
                c.arm(limits.request_timeout);
                armed = true;
            }
            const auto [ec, n] =
                co_await c.socket.async_read_some(asio::buffer(chunk), as_tuple_awaitable);
            if (c.timed_out) {
                co_await refuse(c, 408, "the request head did not arrive in time",
                                limits.request_timeout);
                co_return;
            }
            if (ec) {
                co_return; // the client closed (or reset) the connection
            }
            buffer.append(chunk.data(), n);
        }
        if (*head_end > limits.max_header_bytes) {
            co_await refuse(c, 431,
                            fmt::format("the request head is {} bytes, more than the limit of {}",
                                        *head_end, limits.max_header_bytes),
                            limits.request_timeout);
            co_return;
        }
        HttpHeadResult parsed =
            parse_http_head(std::string_view{buffer}.substr(0, *head_end), limits);
        if (!parsed.head) {
            co_await refuse(c, parsed.status, parsed.error, limits.request_timeout);
            co_return;
        }
        HttpHead& head = *parsed.head;

        // The body: exactly Content-Length bytes; bytes after it stay for the next request.
        const std::size_t total = *head_end + head.content_length;
        if (head.expect_continue && buffer.size() < total) {
            if (!co_await send(c, "HTTP/1.1 100 Continue\r\n\r\n", limits.request_timeout)) {
                co_return;
            }
        }
        while (buffer.size() < total) {
            if (!armed) {
                c.arm(limits.request_timeout);
                armed = true;
            }
            const std::size_t want = std::min(chunk.size(), total - buffer.size());
            const auto [ec, n] = co_await c.socket.async_read_some(asio::buffer(chunk.data(), want),
                                                                   as_tuple_awaitable);
            if (c.timed_out) {
                co_await refuse(c, 408, "the request body did not arrive in time",
                                limits.request_timeout);
                co_return;
            }
            if (ec) {
                co_return;
            }
            buffer.append(chunk.data(), n);
        }
        if (armed) {
            c.disarm();
        }
        head.request.body.assign(buffer, *head_end, head.content_length);
        buffer.erase(0, total);

        protocol::HttpReply reply;
        try {
            reply = state.handler(head.request);
        } catch (const std::exception& e) {
            log::error("cannot answer http request", {{"reason", e.what()}});
            reply = refusal(500, fmt::format("cannot answer request: {}", e.what()));
        }
        log::debug("http request", {{"method", head.request.method},
                                    {"target", head.request.target},
                                    {"status", std::to_string(reply.status)}});
        if (!co_await send(c, render(reply, head.keep_alive, head.http_1_0),
                           limits.request_timeout)) {
            co_return;
        }
        if (!head.keep_alive) {
            std::error_code ignored;
            c.socket.shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
    }
}

awaitable<void> session(std::shared_ptr<HttpServer::State> state, std::shared_ptr<Connection> c) {
    try {
        co_await serve(*state, *c);
    } catch (const std::exception& e) {
        // One connection's failure ends that connection only.
        log::warning("connection closed", {{"reason", e.what()}});
    }
    c->done = true;
    std::error_code ignored;
    c->socket.close(ignored);
    try {
        c->timer.cancel(); // wakes the watchdog, which sees `done`
    } catch (const std::system_error& e) {
        // Cancelling a timer does not fail on any reactor asio has; if it did, only this
        // connection's watchdog would be left waiting.
        log::error("cannot stop a connection's watchdog", {{"reason", e.what()}});
    }
}

awaitable<void> accept_loop(std::shared_ptr<HttpServer::State> state) {
    for (;;) {
        tcp::socket socket{state->io};
        const auto [ec] = co_await state->acceptor.async_accept(socket, as_tuple_awaitable);
        if (ec == asio::error::operation_aborted) {
            co_return;
        }
        if (ec) {
            // Out of descriptors and the like: log, and keep accepting.
            log::error("cannot accept connection", {{"reason", ec.message()}});
            continue;
        }
        try {
            std::error_code option_ec;
            socket.set_option(tcp::no_delay(true), option_ec);
            socket.non_blocking(true, option_ec); // send() tries a plain write first
            auto connection = std::make_shared<Connection>(std::move(socket));
            asio::co_spawn(state->io, watchdog(connection), asio::detached);
            asio::co_spawn(state->io, session(state, std::move(connection)), asio::detached);
        } catch (const std::exception& e) {
            log::error("cannot serve connection", {{"reason", e.what()}});
        }
    }
}

} // namespace

HttpServer::HttpServer(asio::io_context& io, const std::string& address, std::uint16_t port,
                       HttpHandler handler, HttpLimits limits)
    : state_(std::make_shared<State>(io, std::move(handler), limits)) {
    const std::string where = address.find(':') == std::string::npos
                                  ? fmt::format("{}:{}", address, port)
                                  : fmt::format("[{}]:{}", address, port);
    try {
        const tcp::endpoint endpoint{asio::ip::make_address(address), port};
        state_->acceptor.open(endpoint.protocol());
        state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
        state_->acceptor.bind(endpoint);
        state_->acceptor.listen(asio::socket_base::max_listen_connections);
        port_ = state_->acceptor.local_endpoint().port();
    } catch (const std::system_error& e) {
        throw std::system_error(e.code(), fmt::format("cannot listen on http:{}", where));
    }
    asio::co_spawn(io, accept_loop(state_), asio::detached);
}

void HttpServer::stop() {
    std::error_code ec;
    state_->acceptor.close(ec);
}

HttpServer::~HttpServer() {
    stop();
}

} // namespace mxsteer::io
