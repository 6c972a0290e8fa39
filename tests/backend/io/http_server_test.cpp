// Tests of the HTTP server: head parsing (pure), then a live server on 127.0.0.1 driven by a
// raw client: keep-alive, pipelining, split writes, every refusal and every deadline.
// SPDX-License-Identifier: MIT
#include "io/http_server.hpp"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <utility>

using namespace mxsteer;
using namespace std::chrono_literals;

namespace {

io::HttpHeadResult parse(std::string_view head, io::HttpLimits limits = {}) {
    return io::parse_http_head(head, limits);
}

} // namespace

TEST_CASE("http head: find_head_end waits for the empty line") {
    CHECK_FALSE(io::find_head_end(""));
    CHECK_FALSE(io::find_head_end("GET / HTTP/1.1\r\nHost: x\r\n"));
    CHECK_FALSE(io::find_head_end("GET / HTTP/1.1\r\nHost: x\r\n\r"));
    CHECK(io::find_head_end("GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY") == 27);
    CHECK(io::find_head_end("GET / HTTP/1.1\nHost: x\n\nBODY") == 24);
    // Empty lines before the request line are skipped, not taken for the end of a head.
    CHECK_FALSE(io::find_head_end("\r\n\r\n\r\n"));
    CHECK(io::find_head_end("\r\n\r\nGET / HTTP/1.1\r\n\r\n") == 22);
}

TEST_CASE("http head: what pdns sends parses") {
    // Captured from pdns 4.7.3 (remote-connection-string=http:url=http://127.0.0.1:PORT/dns).
    const auto result =
        parse("GET /dns/lookup/example%2ecom%2e/ANY HTTP/1.1\r\nAccept: application/json\r\n"
              "Connection: Keep-Alive\r\nHost: 127.0.0.1\r\nUser-Agent: YaHTTP v1.0\r\n"
              "X-Remotebackend-Local: 127.0.0.1\r\nX-Remotebackend-Real-Remote: 127.0.0.1/32\r\n"
              "X-Remotebackend-Remote: 127.0.0.1\r\nX-Remotebackend-Zone-Id: 1\r\n\r\n");
    INFO(result.error);
    REQUIRE(result.head);
    const io::HttpHead& head = *result.head;
    CHECK(head.request.method == "GET");
    CHECK(head.request.target == "/dns/lookup/example%2ecom%2e/ANY");
    REQUIRE(head.request.headers.size() == 8);
    CHECK(head.request.headers[7].name == "X-Remotebackend-Zone-Id");
    CHECK(head.request.headers[7].value == "1");
    CHECK(head.content_length == 0);
    CHECK(head.keep_alive);
    CHECK_FALSE(head.http_1_0);

    const auto post = parse("POST /dns HTTP/1.1\r\nAccept: application/json\r\nConnection: "
                            "Keep-Alive\r\nContent-Length: 69\r\nContent-Type: text/javascript; "
                            "charset=utf-8\r\nHost: 127.0.0.1\r\nUser-Agent: YaHTTP v1.0\r\n\r\n");
    REQUIRE(post.head);
    CHECK(post.head->content_length == 69);
}

TEST_CASE("http head: connection handling by version and Connection header") {
    struct Row {
        std::string_view head;
        bool keep_alive;
        bool http_1_0;
    };
    const Row rows[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", true, false},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, false},
        {"GET / HTTP/1.1\r\nHost: x\r\nconnection: TE, Close\r\n\r\n", false, false},
        {"GET / HTTP/1.0\r\n\r\n", false, true},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, true},
        {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false, true},
        // Bare LF line ends and leading empty lines are accepted.
        {"\r\nGET / HTTP/1.1\nHost: x\n\n", true, false},
    };
    for (const Row& row : rows) {
        CAPTURE(row.head);
        const auto result = parse(row.head);
        REQUIRE(result.head);
        CHECK(result.head->keep_alive == row.keep_alive);
        CHECK(result.head->http_1_0 == row.http_1_0);
    }
    const auto expect = parse("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\n"
                              "Content-Length: 5\r\n\r\n");
    REQUIRE(expect.head);
    CHECK(expect.head->expect_continue);
}

TEST_CASE("http head: malformed heads are refused with a status and the reason") {
    struct Row {
        std::string head;
        int status;
        std::string_view says;
    };
    const Row rows[] = {
        {"hello\r\n\r\n", 400, "request line must be 'METHOD TARGET HTTP/1.1', got 'hello'"},
        {"GET /\r\n\r\n", 400, "request line must be"},
        {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad request target ''"},
        {"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400, "must end in HTTP/1.1"},
        {"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad method 'G(T'"},
        {"GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad request target '/a\\001'"},
        {"GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad request target"},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP version 'HTTP/2.0' is not supported"},
        {"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505, "not supported"},
        {"GET / http/1.1\r\nHost: x\r\n\r\n", 400, "must end in HTTP/1.1"},
        {"GET / HTTP/1.1\r\n\r\n", 400, "needs one Host header, got 0"},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "got 2"},
        {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "obsolete line folding"},
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "must be 'Name: value', got 'Host : x'"},
        {"GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400, "must be 'Name: value'"},
        {"GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n", 400, "must be 'Name: value'"},
        {"GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n", 400, "header 'A' has a control byte"},
        {"GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", 400, "control byte"},
        {"GET / HTTP/1.1\r\nHost: x\r\nA: b\x7f\r\n\r\n", 400, "control byte"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400,
         "Content-Length is given twice"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400,
         "Content-Length must be a number of bytes, got '-1'"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n", 400, "got '1e3'"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 400, "got ''"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", 400, "got '+5'"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n", 413,
         "the body is 65537 bytes, more than the limit of 65536"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413,
         "more than the limit"},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501,
         "Transfer-Encoding is not supported"},
    };
    for (const Row& row : rows) {
        const auto result = parse(row.head);
        CAPTURE(row.head);
        CAPTURE(result.error);
        CHECK_FALSE(result.head);
        CHECK(result.status == row.status);
        CHECK(result.error.find(row.says) != std::string::npos);
    }
    // The body cap is the request cap: exactly 64 KiB is fine.
    CHECK(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n").head);

    std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 100; ++i) {
        many += "A: b\r\n";
    }
    const auto crowded = parse(many + "\r\n");
    CHECK(crowded.status == 431);
    CHECK(crowded.error == "more than 100 header fields");
}

namespace {

// A server on 127.0.0.1 (a free port) whose handler echoes the request, run on a thread of its
// own; the test thread is the client.
class LiveServer {
public:
    explicit LiveServer(io::HttpLimits limits = {}) {
        server_.emplace(io_, "127.0.0.1", 0, &LiveServer::echo, limits);
        thread_ = std::thread([this] { io_.run(); });
    }
    LiveServer(const LiveServer&) = delete;
    LiveServer& operator=(const LiveServer&) = delete;
    ~LiveServer() {
        io_.stop();
        thread_.join();
    }
    [[nodiscard]] std::uint16_t port() const { return server_->port(); }

private:
    static protocol::HttpReply echo(const protocol::HttpRequest& request) {
        if (request.target == "/throw") {
            throw std::runtime_error("handler failed");
        }
        if (request.target == "/big") {
            return protocol::HttpReply{200, std::string(8 << 20, 'x'), {}};
        }
        return protocol::HttpReply{200,
                                   "{\"echo\":\"" + request.method + " " + request.target + " " +
                                       request.body + "\"}",
                                   {}};
    }

    asio::io_context io_;
    std::optional<io::HttpServer> server_;
    std::thread thread_;
};

// A blocking client with a receive timeout, so that a server that stalls fails the test
// instead of hanging it.
class Client {
public:
    // `receive_buffer`: a fixed SO_RCVBUF (no autotuning), for a client that will not read.
    explicit Client(std::uint16_t port, std::chrono::milliseconds timeout = 3000ms,
                    int receive_buffer = 0)
        : socket_(io_) {
        socket_.open(asio::ip::tcp::v4());
        if (receive_buffer > 0) {
            socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
        }
        socket_.connect({asio::ip::make_address("127.0.0.1"), port});
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    void send(std::string_view data) { asio::write(socket_, asio::buffer(data)); }

    // One response: head and Content-Length body; "" when the connection ended first.
    std::string response() {
        for (;;) {
            if (const auto end = io::find_head_end(buffer_)) {
                const auto at = buffer_.find("Content-Length: ");
                const std::size_t length =
                    at < *end ? std::stoul(buffer_.substr(at + 16)) : std::size_t{0};
                while (buffer_.size() < *end + length && fill()) {
                }
                const std::size_t total = std::min(buffer_.size(), *end + length);
                std::string out = buffer_.substr(0, total);
                buffer_.erase(0, total);
                return out;
            }
            if (!fill()) {
                return {};
            }
        }
    }
    // True when the server has closed the connection (EOF or reset) and sent nothing more.
    bool closed() {
        while (fill()) {
        }
        return buffer_.empty() && ended_;
    }
    // Everything until the connection ends, and whether it ended (rather than timed out).
    std::pair<std::string, bool> drain() {
        while (fill()) {
        }
        return {std::exchange(buffer_, {}), ended_};
    }

private:
    bool fill() {
        std::array<char, 65536> chunk{};
        std::error_code ec;
        const std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
        if (ec) {
            ended_ = ec == asio::error::eof || ec == asio::error::connection_reset;
            return false;
        }
        buffer_.append(chunk.data(), n);
        return true;
    }

    asio::io_context io_;
    asio::ip::tcp::socket socket_;
    std::string buffer_;
    bool ended_ = false;
};

std::string get(std::string_view target, std::string_view extra = {}) {
    return "GET " + std::string{target} + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string{extra} +
           "\r\n";
}

} // namespace

TEST_CASE("http server: keep-alive, pipelining and split writes") {
    LiveServer server;
    Client client{server.port()};
    client.send(get("/a"));
    const std::string first = client.response();
    CHECK(first.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(first.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(first.ends_with("\r\n\r\n{\"echo\":\"GET /a \"}"));
    CHECK(first.find("Connection:") == std::string::npos);

    // Two requests in one write (one with a body), answered in order on the same connection.
    client.send(get("/b") + "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nBODY");
    CHECK(client.response().ends_with("{\"echo\":\"GET /b \"}"));
    CHECK(client.response().ends_with("{\"echo\":\"POST /c BODY\"}"));

    // One byte a write: the head and the body arrive in pieces.
    const std::string slow = "POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    for (const char c : slow) {
        client.send(std::string_view{&c, 1});
    }
    CHECK(client.response().ends_with("{\"echo\":\"POST /d abc\"}"));

    // Expect: 100-continue gets the interim response before the body is sent.
    client.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    CHECK(client.response() == "HTTP/1.1 100 Continue\r\n\r\n");
    client.send("hi");
    CHECK(client.response().ends_with("{\"echo\":\"POST /e hi\"}"));

    // Connection: close is honoured after the reply.
    client.send(get("/f", "Connection: close\r\n"));
    const std::string last = client.response();
    CHECK(last.find("Connection: close\r\n") != std::string::npos);
    CHECK(client.closed());
}

TEST_CASE("http server: HTTP/1.0 closes unless asked to keep the connection") {
    LiveServer server;
    Client keep{server.port()};
    keep.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(keep.response().find("Connection: keep-alive\r\n") != std::string::npos);
    keep.send("GET /b HTTP/1.0\r\n\r\n");
    CHECK(keep.response().find("Connection: close\r\n") != std::string::npos);
    CHECK(keep.closed());
}

TEST_CASE("http server: refusals carry a JSON body and close the connection") {
    LiveServer server;
    struct Row {
        std::string request;
        std::string_view status_line;
    };
    const Row rows[] = {
        {"garbage\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported\r\n"},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         "HTTP/1.1 501 Not Implemented\r\n"},
        // The body is not read: the refusal comes after the head.
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n",
         "HTTP/1.1 413 Content Too Large\r\n"},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(17000, 'a') + "\r\n\r\n",
         "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
        // No end of head at all: refused once 16 KiB have arrived.
        {"GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(40000, 'a'),
         "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
        {get("/throw"), "HTTP/1.1 500 Internal Server Error\r\n"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.request.substr(0, 60));
        Client client{server.port()};
        client.send(row.request);
        const std::string response = client.response();
        CHECK(response.starts_with(row.status_line));
        CHECK(response.find("\r\n\r\n{\"result\":false,\"log\":[\"cannot ") != std::string::npos);
        if (!row.request.ends_with("/throw HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            CHECK(response.find("Connection: close\r\n") != std::string::npos);
            CHECK(client.closed());
        }
    }

    // A 413 with its oversized body already on the way: the refusal is still read whole
    // (the server drains before closing, so the close is no reset that would destroy it).
    Client big{server.port()};
    big.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" +
             std::string(200000, 'b'));
    CHECK(big.response().starts_with("HTTP/1.1 413 "));

    // The server still serves new connections after all that.
    Client after{server.port()};
    after.send(get("/ok"));
    CHECK(after.response().ends_with("{\"echo\":\"GET /ok \"}"));
}

TEST_CASE("http server: a stalled request gets 408, an idle connection is kept") {
    io::HttpLimits limits;
    limits.request_timeout = 300ms;
    LiveServer server{limits};

    // Half a head, then nothing: 408 after the deadline, while others are served meanwhile.
    Client stalled{server.port()};
    stalled.send("GET /half HTTP/1.1\r\nHo");
    Client other{server.port()};
    other.send(get("/meanwhile"));
    CHECK(other.response().ends_with("{\"echo\":\"GET /meanwhile \"}"));
    const auto t0 = std::chrono::steady_clock::now();
    const std::string timeout = stalled.response();
    CHECK(timeout.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
    CHECK(timeout.find("did not arrive in time") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK(stalled.closed());

    // A head whose body stalls.
    Client body{server.port()};
    body.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(body.response().starts_with("HTTP/1.1 408 "));

    // Between requests there is no deadline: pdns keeps its connections open and idle.
    Client idle{server.port()};
    idle.send(get("/1"));
    CHECK(idle.response().ends_with("{\"echo\":\"GET /1 \"}"));
    std::this_thread::sleep_for(1s);
    idle.send(get("/2"));
    CHECK(idle.response().ends_with("{\"echo\":\"GET /2 \"}"));
}

TEST_CASE("http server: a client that stops reading its reply is closed at the deadline") {
    io::HttpLimits limits;
    limits.request_timeout = 300ms;
    LiveServer server{limits};
    // 8 MiB do not fit in the socket buffers (4 MiB to send, 64 KiB to receive): the write
    // waits for a reader that does not come.
    Client reader{server.port(), 5000ms, 64 * 1024};
    reader.send(get("/big"));
    std::this_thread::sleep_for(1s);
    Client other{server.port()};
    other.send(get("/meanwhile"));
    CHECK(other.response().ends_with("{\"echo\":\"GET /meanwhile \"}"));
    // What the server wrote before giving up is still readable; then the connection ends.
    const auto [data, ended] = reader.drain();
    CHECK(ended);
    CHECK(data.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(data.size() < (8U << 20U));
}
