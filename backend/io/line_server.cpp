// asio coroutines: accept loop, one session per connection, errors end only their connection.
// SPDX-License-Identifier: MIT
#include "line_server.hpp"

#include "log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace mxsteer::io {

namespace {

using asio::awaitable;
using asio::use_awaitable;
using unix_socket = asio::local::stream_protocol;

// Reads request lines from `in` and writes each reply to `out` before reading the next: pdns
// never pipelines, and answering strictly in order keeps the framing trivially correct.
template <class ReadStream, class WriteStream>
awaitable<void> serve_lines(ReadStream& in, WriteStream& out, const LineHandler& handler,
                            LineLimits limits) {
    std::string buffer;
    for (;;) {
        std::size_t n = 0;
        std::error_code ec;
        try {
            n = co_await asio::async_read_until(
                in, asio::dynamic_buffer(buffer, limits.max_line_bytes + 1), '\n', use_awaitable);
        } catch (const std::system_error& e) {
            ec = e.code();
        }
        if (ec == asio::error::not_found) {
            // No newline within the limit: refuse, and close since the framing is lost.
            const std::string reply = fmt::format(
                "{{\"result\":false,\"log\":[\"cannot read request: larger than {} bytes\"]}}\n",
                limits.max_line_bytes);
            co_await asio::async_write(out, asio::buffer(reply), use_awaitable);
            log::warning("request too large, connection closed",
                         {{"limit_bytes", std::to_string(limits.max_line_bytes)}});
            co_return;
        }
        if (ec == asio::error::eof || ec == asio::error::connection_reset) {
            co_return;
        }
        if (ec) {
            throw std::system_error(ec, "cannot read request");
        }
        const std::string reply = handler(std::string_view{buffer}.substr(0, n - 1));
        buffer.erase(0, n);
        co_await asio::async_write(out, asio::buffer(reply), use_awaitable);
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
