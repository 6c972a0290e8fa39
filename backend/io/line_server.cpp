// asio coroutines: accept loop, one session per connection, errors end only their connection.
// SPDX-License-Identifier: MIT
#include "line_server.hpp"

#include "log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unistd.h>

namespace mxsteer::io {

namespace {

using asio::awaitable;
using asio::use_awaitable;
using unix_socket = asio::local::stream_protocol;

constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(use_awaitable);

// Writes all of `bytes`, first without waiting. Returns false if it had to wait for the peer
// (the coroutine was suspended); throws std::system_error on a write error.
template <class Stream>
awaitable<bool> write_all(Stream& out, std::string_view bytes) {
    bool waited = false;
    while (!bytes.empty()) {
        std::error_code ec;
        const std::size_t n = out.write_some(asio::buffer(bytes), ec);
        if (!ec) {
            bytes.remove_prefix(n);
            continue;
        }
        if (ec != asio::error::would_block && ec != asio::error::try_again) {
            throw std::system_error(ec, "cannot write reply");
        }
        const auto [wait_ec] = co_await out.async_wait(Stream::wait_write, as_tuple_awaitable);
        if (wait_ec) {
            throw std::system_error(wait_ec, "cannot write reply");
        }
        waited = true;
    }
    co_return !waited;
}

// Reads request lines from `in` and writes each reply to `out` before reading the next: pdns
// never pipelines, and answering strictly in order keeps the framing trivially correct.
//
// The descriptors are non-blocking and reads and writes are tried at once, so the hot path
// makes one scheduler round trip per request: after each reply the coroutine gives way (other
// connections are served meanwhile, and the client's next request is usually in by then).
// Only a read that finds the socket empty goes through asio and waits for readiness.
template <class ReadStream, class WriteStream>
awaitable<void> serve_lines(ReadStream& in, WriteStream& out, const LineHandler& handler,
                            LineLimits limits) {
    constexpr std::size_t initial_capacity = 16 * 1024;
    in.non_blocking(true);
    out.non_blocking(true);
    std::string buffer(initial_capacity, '\0'); // bytes [begin, end) are read, not yet handled
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t scanned = 0; // bytes from `begin` known to hold no newline
    for (;;) {
        const char* data = buffer.data();
        const void* newline = std::memchr(data + begin + scanned, '\n', end - begin - scanned);
        const std::size_t length =
            newline != nullptr
                ? static_cast<std::size_t>(static_cast<const char*>(newline) - (data + begin))
                : end - begin;
        if (length > limits.max_line_bytes) {
            // No newline within the limit: refuse, and close since the framing is lost.
            const std::string reply = fmt::format(
                "{{\"result\":false,\"log\":[\"cannot read request: larger than {} bytes\"]}}\n",
                limits.max_line_bytes);
            co_await write_all(out, reply);
            log::warning("request too large, connection closed",
                         {{"limit_bytes", std::to_string(limits.max_line_bytes)}});
            co_return;
        }
        if (newline != nullptr) {
            const std::string reply = handler(std::string_view{data + begin, length});
            begin += length + 1;
            scanned = 0;
            if (co_await write_all(out, reply)) {
                co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
            }
            continue;
        }
        scanned = length;

        // Room for the next read: move the partial line to the front, grow for a long one.
        if (begin > 0) {
            std::memmove(buffer.data(), data + begin, end - begin);
            end -= begin;
            begin = 0;
        }
        if (end == buffer.size()) {
            buffer.resize(std::min(buffer.size() * 2, limits.max_line_bytes + 1));
        }
        const auto into = asio::buffer(buffer.data() + end, buffer.size() - end);
        std::error_code ec;
        std::size_t n = in.read_some(into, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            std::tie(ec, n) = co_await in.async_read_some(into, as_tuple_awaitable);
        }
        if (ec == asio::error::eof || ec == asio::error::connection_reset) {
            co_return;
        }
        if (ec) {
            throw std::system_error(ec, "cannot read request");
        }
        end += n;
    }
}

} // namespace

struct UnixServer::State {
    State(asio::io_context& io_, LineHandler handler_, LineLimits limits_)
        : io(io_), acceptor(io_), handler(std::move(handler_)), limits(limits_) {}
    asio::io_context& io;
    unix_socket::acceptor acceptor;
    LineHandler handler;
    LineLimits limits;
};

namespace {

awaitable<void> session(std::shared_ptr<UnixServer::State> state, unix_socket::socket socket) {
    try {
        co_await serve_lines(socket, socket, state->handler, state->limits);
    } catch (const std::exception& e) {
        // One connection's failure ends that connection only.
        log::warning("connection closed", {{"reason", e.what()}});
    }
}

awaitable<void> accept_loop(std::shared_ptr<UnixServer::State> state) {
    for (;;) {
        unix_socket::socket socket{state->io};
        try {
            co_await state->acceptor.async_accept(socket, use_awaitable);
        } catch (const std::system_error& e) {
            if (e.code() == asio::error::operation_aborted) {
                co_return;
            }
            // Out of descriptors and the like: log, and keep accepting.
            log::error("cannot accept connection", {{"reason", e.code().message()}});
            continue;
        }
        asio::co_spawn(state->io, session(state, std::move(socket)), asio::detached);
    }
}

} // namespace

UnixServer::UnixServer(asio::io_context& io, std::string path, LineHandler handler,
                       LineLimits limits)
    : state_(std::make_shared<State>(io, std::move(handler), limits)), path_(std::move(path)) {
    std::error_code ec;
    if (std::filesystem::is_socket(path_, ec)) {
        std::filesystem::remove(path_, ec);
    }
    try {
        const unix_socket::endpoint endpoint{path_};
        state_->acceptor.open(endpoint.protocol());
        state_->acceptor.bind(endpoint);
        state_->acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const std::system_error& e) {
        throw std::system_error(e.code(), fmt::format("cannot listen on unix socket '{}'", path_));
    }
    asio::co_spawn(io, accept_loop(state_), asio::detached);
}

void UnixServer::stop() {
    std::error_code ec;
    state_->acceptor.close(ec);
    std::filesystem::remove(path_, ec);
}

UnixServer::~UnixServer() {
    stop();
}

void serve_stdio(asio::io_context& io, LineHandler handler, LineLimits limits) {
    auto in = std::make_shared<asio::posix::stream_descriptor>(io, ::dup(STDIN_FILENO));
    auto out = std::make_shared<asio::posix::stream_descriptor>(io, ::dup(STDOUT_FILENO));
    auto shared_handler = std::make_shared<LineHandler>(std::move(handler));
    asio::co_spawn(
        io,
        [in, out, shared_handler, limits]() -> awaitable<void> {
            co_await serve_lines(*in, *out, *shared_handler, limits);
        },
        [&io](const std::exception_ptr& error) {
            if (error) {
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    log::error("pipe connector failed", {{"reason", e.what()}});
                }
            }
            // pdns never signals its long-lived pipe children: the end of stdin is the only
            // sign that this one is no longer wanted, so the daemon ends with it.
            io.stop();
        });
}

} // namespace mxsteer::io
