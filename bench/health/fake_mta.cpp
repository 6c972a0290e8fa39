// fake_mta: many fake SMTP listeners with STARTTLS in one single-threaded epoll process, for
// bench/health (the prober's capacity and the failover run). Not a mail server: it greets,
// answers EHLO (offering STARTTLS before TLS), STARTTLS (then a TLS handshake with OpenSSL),
// EHLO again over TLS and QUIT; anything else gets 502. It takes no mail.
//
// usage: fake_mta --first 127.1.0.1 --count N --port P [--cert PEM --key PEM] [--stats FILE]
//                 [--tickets on|off]
//   listens on N consecutive IPv4 addresses starting at --first (loopback only), all on port P;
//   without --cert no STARTTLS is offered; --tickets on issues TLS session tickets as Postfix
//   does (default off: every handshake is full). Every second it appends one line to --stats:
//   "<unix ms> <accepted> <tls handshakes> <dialogues ended by QUIT> <errors>" (running totals).
//   Prints "listening N" on stdout when every listener is bound. SIGTERM/SIGINT end it.
// SPDX-License-Identifier: MIT
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

volatile std::sig_atomic_t stop_flag = 0;
void on_signal(int) {
    stop_flag = 1;
}

struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    bool handshaking = false;
    bool tls = false;
    std::string in;
};

std::uint64_t accepted = 0, handshakes = 0, quits = 0, errors = 0;

long long now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool send_text(Conn& c, const char* text) {
    const int n = static_cast<int>(std::strlen(text));
    if (c.tls) {
        return SSL_write(c.ssl, text, n) == n;
    }
    return ::send(c.fd, text, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
}

} // namespace

int main(int argc, char** argv) {
    std::string first = "127.1.0.1", cert, key, stats_path;
    long count = 1;
    int port = 2525;
    bool tickets = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--first")
            first = argv[i + 1];
        else if (a == "--count")
            count = std::atol(argv[i + 1]);
        else if (a == "--port")
            port = std::atoi(argv[i + 1]);
        else if (a == "--cert")
            cert = argv[i + 1];
        else if (a == "--key")
            key = argv[i + 1];
        else if (a == "--stats")
            stats_path = argv[i + 1];
        else if (a == "--tickets")
            tickets = std::string{argv[i + 1]} == "on";
        else {
            std::fprintf(stderr, "fake_mta: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    in_addr base{};
    if (inet_pton(AF_INET, first.c_str(), &base) != 1 || (ntohl(base.s_addr) >> 24) != 127) {
        std::fprintf(stderr, "fake_mta: --first must be an IPv4 loopback address\n");
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);

    SSL_CTX* ctx = nullptr;
    if (!cert.empty()) {
        ctx = SSL_CTX_new(TLS_server_method());
        if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
            ERR_print_errors_fp(stderr);
            return 2;
        }
        if (!tickets) {
            // Like an MTA that does not resume sessions: every probe is a full handshake.
            SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
            SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
            SSL_CTX_set_num_tickets(ctx, 0);
        }
        // else OpenSSL's defaults, as Postfix and Exim use them: stateless session tickets
    }

    const int ep = epoll_create1(0);
    std::vector<char> is_listener; // by fd
    for (long i = 0; i < count; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            std::perror("fake_mta: socket");
            return 1;
        }
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(port));
        sa.sin_addr.s_addr = htonl(ntohl(base.s_addr) + static_cast<std::uint32_t>(i));
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
            ::listen(fd, 128) != 0) {
            std::perror("fake_mta: bind/listen");
            return 1;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        if (is_listener.size() <= static_cast<size_t>(fd))
            is_listener.resize(fd + 1024, 0);
        is_listener[fd] = 1;
    }
    std::printf("listening %ld\n", count);
    std::fflush(stdout);

    FILE* stats = stats_path.empty() ? nullptr : std::fopen(stats_path.c_str(), "a");
    std::unordered_map<int, Conn> conns;
    auto close_conn = [&](int fd) {
        auto it = conns.find(fd);
        if (it == conns.end())
            return;
        if (it->second.ssl != nullptr)
            SSL_free(it->second.ssl);
        ::close(fd);
        conns.erase(it);
    };
    long long next_stats = now_ms() + 1000;
    std::vector<epoll_event> events(512);
    char buf[4096];
    while (stop_flag == 0) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 200);
        for (int k = 0; k < n; ++k) {
            const int fd = events[k].data.fd;
            if (static_cast<size_t>(fd) < is_listener.size() && is_listener[fd] != 0) {
                for (;;) {
                    const int cfd = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0)
                        break;
                    ++accepted;
                    if (is_listener.size() <= static_cast<size_t>(cfd))
                        is_listener.resize(cfd + 1024, 0);
                    Conn& c = conns[cfd];
                    c = Conn{};
                    c.fd = cfd;
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.fd = cfd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
                    if (!send_text(c, "220 fake.bench.example ESMTP ready\r\n")) {
                        ++errors;
                        close_conn(cfd);
                    }
                }
                continue;
            }
            auto it = conns.find(fd);
            if (it == conns.end())
                continue;
            Conn& c = it->second;
            if (c.handshaking) {
                const int r = SSL_accept(c.ssl);
                if (r == 1) {
                    c.handshaking = false;
                    c.tls = true;
                    ++handshakes;
                } else {
                    const int e = SSL_get_error(c.ssl, r);
                    if (e != SSL_ERROR_WANT_READ) {
                        ERR_clear_error();
                        ++errors;
                        close_conn(fd);
                    }
                    continue;
                }
                continue;
            }
            bool closed = false;
            for (;;) { // drain what is readable (TLS may hold more than one record)
                int got = 0;
                if (c.tls) {
                    got = SSL_read(c.ssl, buf, sizeof buf);
                    if (got <= 0) {
                        const int e = SSL_get_error(c.ssl, got);
                        if (e == SSL_ERROR_WANT_READ)
                            break;
                        ERR_clear_error();
                        closed = true;
                        break;
                    }
                } else {
                    got = static_cast<int>(::recv(fd, buf, sizeof buf, 0));
                    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                    if (got <= 0) {
                        closed = true;
                        break;
                    }
                }
                c.in.append(buf, static_cast<size_t>(got));
                if (!c.tls)
                    break; // plain: one recv per readiness event is enough
            }
            std::size_t pos;
            while (!closed && (pos = c.in.find('\n')) != std::string::npos) {
                std::string line = c.in.substr(0, pos);
                c.in.erase(0, pos + 1);
                for (auto& ch : line)
                    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                if (line.rfind("EHLO", 0) == 0 || line.rfind("HELO", 0) == 0) {
                    const char* reply =
                        (ctx != nullptr && !c.tls)
                            ? "250-fake.bench.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 "
                              "8BITMIME\r\n"
                            : "250-fake.bench.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
                    if (!send_text(c, reply))
                        closed = true;
                } else if (line.rfind("STARTTLS", 0) == 0 && ctx != nullptr && !c.tls) {
                    if (!send_text(c, "220 go ahead\r\n")) {
                        closed = true;
                        break;
                    }
                    c.in.clear(); // nothing sent before the handshake counts (CVE-2011-0411)
                    c.ssl = SSL_new(ctx);
                    SSL_set_fd(c.ssl, fd);
                    c.handshaking = true;
                    const int r = SSL_accept(c.ssl);
                    if (r == 1) {
                        c.handshaking = false;
                        c.tls = true;
                        ++handshakes;
                    } else if (SSL_get_error(c.ssl, r) != SSL_ERROR_WANT_READ) {
                        ERR_clear_error();
                        ++errors;
                        closed = true;
                    }
                    break;
                } else if (line.rfind("QUIT", 0) == 0) {
                    send_text(c, "221 bye\r\n");
                    ++quits;
                    closed = true;
                } else {
                    if (!send_text(c, "502 not implemented\r\n"))
                        closed = true;
                }
            }
            if (closed)
                close_conn(fd);
        }
        const long long t = now_ms();
        if (t >= next_stats) {
            next_stats += 1000;
            if (stats != nullptr) {
                std::fprintf(stats, "%lld %llu %llu %llu %llu\n", t,
                             static_cast<unsigned long long>(accepted),
                             static_cast<unsigned long long>(handshakes),
                             static_cast<unsigned long long>(quits),
                             static_cast<unsigned long long>(errors));
                std::fflush(stats);
            }
        }
    }
    for (auto& [fd, c] : conns) {
        if (c.ssl != nullptr)
            SSL_free(c.ssl);
        ::close(fd);
    }
    if (stats != nullptr)
        std::fclose(stats);
    return 0;
}
