// loadgen: drives a pdns remote backend over its unix socket the way pdns does, for
// bench/remote/run.sh. Not part of the CMake build: g++ -O2 -std=c++20.
// SPDX-License-Identifier: MIT
//
// usage: loadgen --socket PATH --requests FILE [--connections N] [--duration S] [--warmup S]
//                [--io poll|spin|uring]
//        loadgen --socket PATH --once FILE
//        loadgen --syscall-cost
//
// Load mode: N connections (default 4), each sends `initialize` and then the request lines of
// FILE in turn (connection i starts at line i*len/N), one request in flight per connection,
// as pdns does: the next line goes out when the reply line (ending in '\n') is in. One thread:
// poll(2) and a read and a write per request (poll, the default); non-blocking reads of every
// connection in turn without ever sleeping (spin: the backend never pays for waking its client,
// and loadgen's CPU is always busy); or io_uring, which submits the sends and reads of every
// connection whose reply came in with one system call. After the warm-up (default 1 s) it counts
// for S seconds (default 10) and prints one line: requests/s and latency percentiles (send to
// complete reply, microseconds), the mean reply size and the number of error replies
// ({"result":false or anything not {"result":).
// --once: one connection, every line of FILE once, each reply line printed to stdout.
// --syscall-cost: the machine's price of one system call (getppid, 1,000,000 times), in µs.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <liburing.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "loadgen: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: loadgen --socket PATH --requests FILE [--connections N] "
                         "[--duration S] [--warmup S] [--io poll|spin|uring]\n"
                         "       loadgen --socket PATH --once FILE\n"
                         "       loadgen --syscall-cost\n");
    std::exit(2);
}

std::int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int connect_unix(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        die("socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        die(path);
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        die("connect " + path);
    }
    return fd;
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("write");
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Reads into `buf` until it holds a '\n'; returns the position of that '\n'.
std::size_t read_line(int fd, std::string& buf) {
    std::array<char, 65536> chunk{};
    for (;;) {
        if (const auto nl = buf.find('\n'); nl != std::string::npos) {
            return nl;
        }
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = ECONNRESET;
            }
            die("read");
        }
        buf.append(chunk.data(), static_cast<std::size_t>(n));
    }
}

std::vector<std::string> read_requests(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        die(path);
    }
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) {
            lines.push_back(line + '\n');
        }
    }
    if (lines.empty()) {
        errno = EINVAL;
        die(path + ": no request lines");
    }
    return lines;
}

bool is_error_reply(std::string_view reply) {
    static constexpr std::string_view ok_prefix = "{\"result\":";
    return reply.substr(0, ok_prefix.size()) != ok_prefix ||
           reply.substr(ok_prefix.size(), 5) == "false";
}

int run_once(const std::string& socket_path, const std::string& file) {
    const auto lines = read_requests(file);
    const int fd = connect_unix(socket_path);
    std::string buf;
    for (const auto& line : lines) {
        write_all(fd, line);
        const auto nl = read_line(fd, buf);
        std::cout << std::string_view(buf).substr(0, nl) << '\n';
        buf.erase(0, nl + 1);
    }
    ::close(fd);
    return 0;
}

int run_syscall_cost() {
    constexpr int calls = 1000000;
    const std::int64_t t0 = now_ns();
    for (int i = 0; i < calls; ++i) {
        ::syscall(SYS_getppid);
    }
    const std::int64_t t1 = now_ns();
    std::printf("syscall_us=%.3f\n", static_cast<double>(t1 - t0) / calls / 1000.0);
    return 0;
}

struct Conn {
    int fd = -1;
    std::size_t next = 0; // index of the next request line
    std::int64_t sent_ns = 0;
    std::string in;
    std::array<char, 65536> chunk{}; // io_uring: where the pending read lands
};

double percentile_us(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    auto idx = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    idx = std::min(idx, sorted.size() - 1);
    return sorted[idx] / 1000.0;
}

// Connects N connections and sends each the `initialize` pdns sends first; connection i starts
// at request line i*len/N.
std::vector<Conn> open_connections(const std::string& socket_path, std::size_t lines,
                                   int connections) {
    std::vector<Conn> conns(static_cast<std::size_t>(connections));
    std::string buf;
    for (std::size_t i = 0; i < conns.size(); ++i) {
        conns[i].fd = connect_unix(socket_path);
        write_all(conns[i].fd, "{\"method\": \"initialize\", \"parameters\": {}}\n");
        buf.clear();
        read_line(conns[i].fd, buf);
        conns[i].next = i * lines / conns.size();
    }
    return conns;
}

// What a load run counts within its window: reply latencies, reply bytes, error replies.
struct Tally {
    std::int64_t from = 0; // window, CLOCK_MONOTONIC ns
    std::int64_t end = 0;
    std::vector<std::uint32_t> latencies;
    std::uint64_t errors = 0;
    std::uint64_t reply_bytes = 0;

    // c.in holds one complete reply line (its '\n' at `nl`), in at time t: checked, counted
    // when its request went out in the window, and cleared; c moves on to its next line.
    void reply(Conn& c, std::size_t nl, std::int64_t t, std::size_t lines) {
        if (nl + 1 != c.in.size()) {
            errno = EPROTO;
            die("bytes after the reply line (more than one reply?)");
        }
        if (c.sent_ns >= from && t <= end) {
            latencies.push_back(
                static_cast<std::uint32_t>(std::min<std::int64_t>(t - c.sent_ns, UINT32_MAX)));
            reply_bytes += nl + 1;
            if (is_error_reply(c.in)) {
                ++errors;
            }
        }
        c.in.clear();
        c.next = (c.next + 1) % lines;
    }

    // The result line; the exit status (1 when a reply was an error).
    int report(int connections, double duration_s, std::size_t lines, const char* io) {
        std::sort(latencies.begin(), latencies.end());
        const auto count = latencies.size();
        std::printf("loadgen connections=%d seconds=%.2f lookups=%zu rate=%.0f p50_us=%.1f "
                    "p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f reply_bytes_avg=%.0f "
                    "errors=%llu request_lines=%zu io=%s\n",
                    connections, duration_s, count, static_cast<double>(count) / duration_s,
                    percentile_us(latencies, 0.50), percentile_us(latencies, 0.90),
                    percentile_us(latencies, 0.99), percentile_us(latencies, 0.999),
                    count ? latencies.back() / 1000.0 : 0.0,
                    count ? static_cast<double>(reply_bytes) / static_cast<double>(count) : 0.0,
                    static_cast<unsigned long long>(errors), lines, io);
        return errors == 0 ? 0 : 1;
    }
};

int run_load(const std::string& socket_path, const std::string& file, int connections,
             double duration_s, double warmup_s, bool spin) {
    const auto lines = read_requests(file);
    std::vector<Conn> conns = open_connections(socket_path, lines.size(), connections);
    for (auto& c : conns) {
        if (spin && ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK) < 0) {
            die("fcntl");
        }
    }
    Tally tally;
    tally.latencies.reserve(4000000);
    std::vector<pollfd> fds(conns.size());
    std::array<char, 65536> chunk{};

    const std::int64_t start = now_ns();
    tally.from = start + static_cast<std::int64_t>(warmup_s * 1e9);
    tally.end = tally.from + static_cast<std::int64_t>(duration_s * 1e9);
    for (auto& c : conns) {
        c.sent_ns = now_ns();
        write_all(c.fd, lines[c.next]);
    }
    std::int64_t t = start;
    while (t < tally.end) {
        for (std::size_t i = 0; i < conns.size(); ++i) {
            // spin: every descriptor is non-blocking and simply read again
            fds[i] = {conns[i].fd, POLLIN, static_cast<short>(spin ? POLLIN : 0)};
        }
        if (!spin && ::poll(fds.data(), fds.size(), 100) < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("poll");
        }
        for (std::size_t i = 0; i < conns.size(); ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            Conn& c = conns[i];
            const ssize_t n = ::read(c.fd, chunk.data(), chunk.size());
            if (n <= 0) {
                if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                    continue;
                }
                if (n == 0) {
                    errno = ECONNRESET;
                }
                die("read (the backend closed the connection?)");
            }
            c.in.append(chunk.data(), static_cast<std::size_t>(n));
            const auto nl = c.in.find('\n');
            if (nl == std::string::npos) {
                continue;
            }
            t = now_ns();
            tally.reply(c, nl, t, lines.size());
            c.sent_ns = now_ns();
            write_all(c.fd, lines[c.next]);
        }
        t = now_ns();
    }
    for (auto& c : conns) {
        ::close(c.fd);
    }
    return tally.report(connections, duration_s, lines.size(), spin ? "spin" : "poll");
}

// The same measurement with io_uring: every connection keeps one read queued; a complete reply
// queues the next request's send and the next read, and one io_uring_submit_and_wait hands all
// of them to the kernel and collects what completed meanwhile.
int run_load_uring(const std::string& socket_path, const std::string& file, int connections,
                   double duration_s, double warmup_s) {
    const auto lines = read_requests(file);
    std::vector<Conn> conns = open_connections(socket_path, lines.size(), connections);
    io_uring ring{};
    if (const int e = io_uring_queue_init(static_cast<unsigned>(4 * connections + 8), &ring, 0);
        e < 0) {
        errno = -e;
        die("io_uring_queue_init");
    }
    constexpr std::uint64_t send_tag = 1ULL << 63;
    auto sqe = [&ring] {
        io_uring_sqe* e = io_uring_get_sqe(&ring);
        if (e == nullptr) {
            io_uring_submit(&ring);
            e = io_uring_get_sqe(&ring);
        }
        if (e == nullptr) {
            errno = EBUSY;
            die("io_uring_get_sqe");
        }
        return e;
    };
    auto queue_read = [&](std::size_t i) {
        io_uring_sqe* e = sqe();
        io_uring_prep_recv(e, conns[i].fd, conns[i].chunk.data(), conns[i].chunk.size(), 0);
        io_uring_sqe_set_data64(e, i);
    };
    auto queue_send = [&](std::size_t i) {
        const std::string& line = lines[conns[i].next];
        io_uring_sqe* e = sqe();
        io_uring_prep_send(e, conns[i].fd, line.data(), line.size(), 0);
        io_uring_sqe_set_data64(e, send_tag | i);
        conns[i].sent_ns = now_ns();
    };

    Tally tally;
    tally.latencies.reserve(8000000);
    const std::int64_t start = now_ns();
    tally.from = start + static_cast<std::int64_t>(warmup_s * 1e9);
    tally.end = tally.from + static_cast<std::int64_t>(duration_s * 1e9);
    for (std::size_t i = 0; i < conns.size(); ++i) {
        queue_send(i);
        queue_read(i);
    }
    std::int64_t t = start;
    while (t < tally.end) {
        if (const int e = io_uring_submit_and_wait(&ring, 1); e < 0 && e != -EINTR) {
            errno = -e;
            die("io_uring_submit_and_wait");
        }
        unsigned head = 0;
        unsigned seen = 0;
        io_uring_cqe* cqe = nullptr;
        t = now_ns();
        io_uring_for_each_cqe(&ring, head, cqe) {
            ++seen;
            const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
            const std::size_t i = tag & ~send_tag;
            Conn& c = conns[i];
            if ((tag & send_tag) != 0) {
                if (cqe->res != static_cast<int>(lines[c.next].size())) {
                    errno = cqe->res < 0 ? -cqe->res : EIO;
                    die("send (short or failed)");
                }
                continue;
            }
            if (cqe->res <= 0) {
                errno = cqe->res == 0 ? ECONNRESET : -cqe->res;
                die("read (the backend closed the connection?)");
            }
            c.in.append(c.chunk.data(), static_cast<std::size_t>(cqe->res));
            const auto nl = c.in.find('\n');
            if (nl == std::string::npos) {
                queue_read(i);
                continue;
            }
            tally.reply(c, nl, t, lines.size());
            queue_send(i);
            queue_read(i);
        }
        io_uring_cq_advance(&ring, seen);
    }
    io_uring_queue_exit(&ring);
    for (auto& c : conns) {
        ::close(c.fd);
    }
    return tally.report(connections, duration_s, lines.size(), "uring");
}

} // namespace

int main(int argc, char** argv) {
    std::string socket_path;
    std::string requests;
    std::string once;
    int connections = 4;
    std::string io = "poll";
    double duration_s = 10;
    double warmup_s = 1;
    if (argc == 2 && std::string_view(argv[1]) == "--syscall-cost") {
        return run_syscall_cost();
    }
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            usage();
        }
        const char* value = argv[++i];
        if (arg == "--socket") {
            socket_path = value;
        } else if (arg == "--requests") {
            requests = value;
        } else if (arg == "--once") {
            once = value;
        } else if (arg == "--connections") {
            connections = std::atoi(value);
        } else if (arg == "--duration") {
            duration_s = std::atof(value);
        } else if (arg == "--warmup") {
            warmup_s = std::atof(value);
        } else if (arg == "--io") {
            io = value;
        } else {
            usage();
        }
    }
    if (socket_path.empty() || (requests.empty() == once.empty()) || connections < 1 ||
        duration_s <= 0 || warmup_s < 0 || (io != "poll" && io != "uring" && io != "spin")) {
        usage();
    }
    if (!once.empty()) {
        return run_once(socket_path, once);
    }
    if (io == "uring") {
        return run_load_uring(socket_path, requests, connections, duration_s, warmup_s);
    }
    return run_load(socket_path, requests, connections, duration_s, warmup_s, io == "spin");
}
