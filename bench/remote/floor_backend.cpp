// floor_backend: the least a remote backend can do, for bench/remote/run.sh: for every request
// line on its unix socket it writes one fixed reply line of --reply-bytes octets (default 536,
// the size of mxsteerd's replies on the bench zone). One thread, epoll, non-blocking sockets; no
// JSON is parsed and nothing is looked up. What loadgen measures against it is the price of the
// round trip itself on this machine: the floor under any backend's latency.
// Not part of the CMake build: g++ -O2 -std=c++20.
// SPDX-License-Identifier: MIT
//
// usage: floor_backend --socket PATH [--reply-bytes N] [--spin 0|1]
//
// --spin 1: epoll_wait never sleeps (timeout 0), so the backend is never woken: what is left of
// the latency is the transport and the machine's own interruptions.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <unordered_map>

namespace {

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "floor_backend: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

// One read (epoll is level-triggered: what is left wakes it again), then a reply to every
// complete line; a partial line waits in `in`. False when the peer is gone or a write fails.
bool serve(int fd, std::string& in, const std::string& reply) {
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    }
    in.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl = in.find('\n'); nl != std::string::npos; nl = in.find('\n', start)) {
        start = nl + 1;
        // Replies are small; a full socket buffer means the client stopped reading.
        const ssize_t sent = ::write(fd, reply.data(), reply.size());
        if (sent != static_cast<ssize_t>(reply.size())) {
            if (errno != EPIPE && errno != ECONNRESET) {
                std::fprintf(stderr, "floor_backend: closing a connection: wrote %zd of %zu: %s\n",
                             sent, reply.size(), std::strerror(errno));
            }
            return false;
        }
    }
    in.erase(0, start);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    std::string path;
    std::size_t reply_bytes = 536;
    bool spin = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view arg = argv[i];
        if (arg == "--socket") {
            path = argv[i + 1];
        } else if (arg == "--spin") {
            spin = std::string_view(argv[i + 1]) == "1";
        } else if (arg == "--reply-bytes") {
            char* end = nullptr;
            const unsigned long n = std::strtoul(argv[i + 1], &end, 10);
            reply_bytes = *argv[i + 1] != '-' && *end == '\0' && n <= 65536 ? n : 0;
        } else {
            path.clear();
            break;
        }
    }
    const std::string head = R"({"result":[{"qtype":"A","qname":"x.","content":")";
    const std::string tail = R"("}]})";
    if (path.empty() || argc % 2 == 0 || reply_bytes < head.size() + tail.size() + 1 ||
        path.size() >= sizeof(sockaddr_un::sun_path)) {
        std::fprintf(stderr, "usage: floor_backend --socket PATH [--reply-bytes N] [--spin 0|1]\n");
        return 2;
    }
    // A client that goes away with a request in flight must not end the process.
    std::signal(SIGPIPE, SIG_IGN);
    std::string reply = head;
    reply.append(reply_bytes - head.size() - tail.size() - 1, 'x');
    reply += tail;
    reply += '\n';

    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        die("socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str());
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener, 128) != 0) {
        die("bind/listen");
    }
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    if (ep < 0 || ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) != 0) {
        die("epoll");
    }
    std::printf("floor_backend listening on %s, replies of %zu octets\n", path.c_str(),
                reply.size());
    std::fflush(stdout);
    std::unordered_map<int, std::string> pending;
    epoll_event events[64];
    for (;;) {
        const int n = ::epoll_wait(ep, events, 64, spin ? 0 : -1);
        if (n < 0 && errno != EINTR) {
            die("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listener) {
                const int c = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0) {
                    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                        die("accept"); // out of descriptors: fail loudly instead of spinning
                    }
                    continue;
                }
                epoll_event cev{};
                cev.events = EPOLLIN;
                cev.data.fd = c;
                if (::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) != 0) {
                    die("epoll_ctl");
                }
                pending[c];
                continue;
            }
            if (!serve(fd, pending[fd], reply)) {
                ::close(fd);
                pending.erase(fd);
            }
        }
    }
}
