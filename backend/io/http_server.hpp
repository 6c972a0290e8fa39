// HTTP/1.1 server for pdns's http connector: one coroutine per connection, keep-alive,
// Content-Length bodies, size caps and a deadline per request; requests in, JSON replies out.
// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/http_request.hpp"

#include <asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mxsteer::io {

// Turns one complete HTTP request into its reply (status, JSON body, extra headers).
using HttpHandler = std::function<protocol::HttpReply(const protocol::HttpRequest&)>;

struct HttpLimits {
    // Request line and headers, final empty line included: a longer head gets 431 and a close.
    std::size_t max_header_bytes = 16 * 1024;
    // More header fields than this: 431 and a close.
    std::size_t max_header_count = 100;
    // A larger Content-Length gets 413 and a close, before any of the body is read. pdns's
    // requests are a few hundred bytes; a request line has the same cap.
    std::size_t max_body_bytes = protocol::max_request_bytes;
    // From a request's first byte to its last, and again for writing its reply: a client that
    // stalls mid-request gets 408 and a close; one that stops reading its reply is closed.
    // Idle keep-alive connections (no byte of a next request yet) have no deadline: pdns keeps
    // one per thread open for as long as it runs.
    std::chrono::milliseconds request_timeout{5'000};
};

// The head of one request (request line and header fields), as parse_http_head reads it.
struct HttpHead {
    protocol::HttpRequest request; // body still empty
    std::size_t content_length = 0;
    bool keep_alive = true;       // HTTP/1.1 unless "Connection: close"; HTTP/1.0 if asked
    bool http_1_0 = false;        // the reply then says "Connection: keep-alive" when kept
    bool expect_continue = false; // "Expect: 100-continue" (curl sends it for large bodies)
};

struct HttpHeadResult {
    std::optional<HttpHead> head; // set when the head is acceptable
    int status = 0;               // else 400, 413, 431, 501 or 505 ...
    std::string error;            // ... and why
};

// The length of the head at the start of `buffer` up to and including its final empty line
// (CRLF CRLF, or bare LF line ends), or nullopt while that line has not arrived.
[[nodiscard]] std::optional<std::size_t> find_head_end(std::string_view buffer);

// Parses a head as find_head_end delimits it (RFC 9112 §2–3, §6): "METHOD SP TARGET SP
// HTTP/1.x", then "Name: value" fields; empty lines before the request line are skipped.
// Refused: a malformed request line or field, obsolete line folding, whitespace before a
// colon, control bytes (400); another HTTP version (505); an HTTP/1.1 request without exactly
// one Host (400); Transfer-Encoding (501: pdns sends Content-Length only); a bad or repeated
// Content-Length (400) or one over the body cap (413); too many fields (431). Pure; never
// throws but for std::bad_alloc.
[[nodiscard]] HttpHeadResult parse_http_head(std::string_view head, const HttpLimits& limits);

// Listens on ADDRESS:PORT (an IPv4 or IPv6 literal; port 0 picks a free one, for tests) until
// stop() or destruction. Each reply goes out in one write, with TCP_NODELAY set: pdns waits
// for the whole reply, and Nagle + delayed ACK would add ≈40 ms to a split one. Throws
// std::system_error when it cannot bind.
class HttpServer {
public:
    HttpServer(asio::io_context& io, const std::string& address, std::uint16_t port,
               HttpHandler handler, HttpLimits limits = {});
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;
    ~HttpServer();

    // Stops accepting; connections already open are served until the loop stops.
    void stop();
    [[nodiscard]] std::uint16_t port() const { return port_; }

    struct State; // shared with the accept loop and the sessions, which may outlive stop()

private:
    std::shared_ptr<State> state_;
    std::uint16_t port_ = 0;
};

} // namespace mxsteer::io
