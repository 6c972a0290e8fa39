// Line-protocol servers for the pdns connectors: a unix socket (one coroutine per connection)
// and stdin/stdout (pipe connector). One request line in, one reply line out, in order.
// SPDX-License-Identifier: MIT
#pragma once

#include <asio/io_context.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mxsteer::io {

// Turns one request line (newline stripped) into one reply (ending in a newline).
using LineHandler = std::function<std::string(std::string_view)>;

struct LineLimits {
    std::size_t max_line_bytes = 64 * 1024; // a longer request is refused and its connection closed
};

// Listens on a unix socket path (a stale socket file is replaced) until stop() or destruction,
// which also removes the socket file. Throws std::system_error when it cannot bind.
class UnixServer {
public:
    UnixServer(asio::io_context& io, std::string path, LineHandler handler, LineLimits limits = {});
    UnixServer(const UnixServer&) = delete;
    UnixServer& operator=(const UnixServer&) = delete;
    ~UnixServer();

    void stop();
    [[nodiscard]] const std::string& path() const { return path_; }

    struct State; // shared with the accept loop and the sessions, which may outlive stop()

private:
    std::shared_ptr<State> state_;
    std::string path_;
};

// Serves stdin/stdout until end of input, then stops `io` (the pipe connector: pdns forks one
// child per backend instance and closes its stdin, or kills it, when done).
void serve_stdio(asio::io_context& io, LineHandler handler, LineLimits limits = {});

} // namespace mxsteer::io
