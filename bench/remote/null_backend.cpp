// null_backend: a zero-work pdns remote backend on a unix socket, the ceiling of pdns's remote
// path for bench/remote/run.sh. Not part of the CMake build: g++ -O2 -std=c++20.
// SPDX-License-Identifier: MIT
//
// usage: null_backend --socket PATH [--table FILE] [--record FILE] [--record-max N]
//
// One thread, poll(2) over the listening socket and every connection; each request line gets
// one canned reply line, in order:
//   initialize            {"result":true}
//   getAllDomains         the table's "method:getAllDomains" entry, else {"result":[]}
//   getAllDomainMetadata  {"result":{}}
//   lookup                the table's "<qname lowercased> <qtype>" entry, else its "*" entry,
//                         else {"result":[]}
//   anything else         {"result":false}
// The request is not parsed as JSON: the method, qname and qtype are found as substrings
// (pdns 4.7.3 writes `"key": "value"`). The table file holds lines `KEY<TAB>REPLY`; run.sh
// fills it with mxsteerd's own replies for the names its queries touch, so pdns gets the same
// bytes from both and only the backend's work differs. A table with a single "*" line gives
// one fixed reply for every lookup.
//
// Counters by method (and lookups by qtype, and context-free lookups: remote 0.0.0.0) go to
// stdout as one `counts ...` line on SIGUSR1, and on SIGTERM/SIGINT before exiting.
// --record FILE appends the first N (default 1,000,000) lookup request lines to FILE, for
// loadgen's request mix.
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_dump = 0;

void on_stop(int) {
    g_stop = 1;
}
void on_dump(int) {
    g_dump = 1;
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "null_backend: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: null_backend --socket PATH [--table FILE] [--record FILE] "
                         "[--record-max N]\n");
    std::exit(2);
}

// The string value after `"key":` (optional spaces), or "" when absent.
std::string_view json_string_field(std::string_view line, std::string_view key) {
    std::string needle = "\"";
    needle += key;
    needle += "\":";
    const auto at = line.find(needle);
    if (at == std::string_view::npos) {
        return {};
    }
    std::size_t p = at + needle.size();
    while (p < line.size() && line[p] == ' ') {
        ++p;
    }
    if (p >= line.size() || line[p] != '"') {
        return {};
    }
    const auto end = line.find('"', p + 1);
    if (end == std::string_view::npos) {
        return {};
    }
    return line.substr(p + 1, end - p - 1);
}

struct Counters {
    unsigned long total = 0, initialize = 0, lookup = 0, get_all_domains = 0,
                  get_all_domain_metadata = 0, other = 0, lookup_any = 0, lookup_soa = 0,
                  lookup_ns = 0, lookup_other_type = 0, lookup_noclient = 0, lookup_default = 0;

    void print() const {
        std::printf("counts total=%lu initialize=%lu lookup=%lu getAllDomains=%lu "
                    "getAllDomainMetadata=%lu other=%lu lookup_any=%lu lookup_soa=%lu "
                    "lookup_ns=%lu lookup_other_type=%lu lookup_noclient=%lu "
                    "lookup_not_in_table=%lu\n",
                    total, initialize, lookup, get_all_domains, get_all_domain_metadata, other,
                    lookup_any, lookup_soa, lookup_ns, lookup_other_type, lookup_noclient,
                    lookup_default);
        std::fflush(stdout);
    }
};

class Responder {
public:
    explicit Responder(const char* table_path) {
        if (table_path == nullptr) {
            return;
        }
        FILE* f = std::fopen(table_path, "r");
        if (f == nullptr) {
            die(table_path);
        }
        char* buf = nullptr;
        std::size_t cap = 0;
        ssize_t n = 0;
        while ((n = ::getline(&buf, &cap, f)) > 0) {
            std::string_view line(buf, static_cast<std::size_t>(n));
            while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
                line.remove_suffix(1);
            }
            const auto tab = line.find('\t');
            if (tab == std::string_view::npos) {
                continue;
            }
            std::string reply(line.substr(tab + 1));
            reply += '\n';
            table_[std::string(line.substr(0, tab))] = std::move(reply);
        }
        std::free(buf);
        std::fclose(f);
        if (auto it = table_.find("*"); it != table_.end()) {
            default_lookup_ = it->second;
        }
        if (auto it = table_.find("method:getAllDomains"); it != table_.end()) {
            all_domains_ = it->second;
        }
    }

    void set_record(FILE* f, unsigned long max) {
        record_ = f;
        record_left_ = max;
    }

    const std::string& reply(std::string_view line) {
        ++counts.total;
        const std::string_view method = json_string_field(line, "method");
        if (method == "lookup") {
            ++counts.lookup;
            if (record_ != nullptr && record_left_ > 0) {
                --record_left_;
                std::fwrite(line.data(), 1, line.size(), record_);
                std::fputc('\n', record_);
            }
            const std::string_view qname = json_string_field(line, "qname");
            const std::string_view qtype = json_string_field(line, "qtype");
            if (qtype == "ANY") {
                ++counts.lookup_any;
            } else if (qtype == "SOA") {
                ++counts.lookup_soa;
            } else if (qtype == "NS") {
                ++counts.lookup_ns;
            } else {
                ++counts.lookup_other_type;
            }
            if (json_string_field(line, "remote") == "0.0.0.0") {
                ++counts.lookup_noclient;
            }
            key_.assign(qname);
            for (char& c : key_) {
                if (c >= 'A' && c <= 'Z') {
                    c = static_cast<char>(c - 'A' + 'a');
                }
            }
            key_ += ' ';
            key_ += qtype;
            if (auto it = table_.find(key_); it != table_.end()) {
                return it->second;
            }
            ++counts.lookup_default;
            return default_lookup_;
        }
        if (method == "initialize") {
            ++counts.initialize;
            return true_;
        }
        if (method == "getAllDomains") {
            ++counts.get_all_domains;
            return all_domains_;
        }
        if (method == "getAllDomainMetadata") {
            ++counts.get_all_domain_metadata;
            return empty_object_;
        }
        ++counts.other;
        return false_;
    }

    Counters counts;

private:
    std::unordered_map<std::string, std::string> table_;
    std::string default_lookup_ = "{\"result\":[]}\n";
    std::string all_domains_ = "{\"result\":[]}\n";
    const std::string true_ = "{\"result\":true}\n";
    const std::string false_ = "{\"result\":false}\n";
    const std::string empty_object_ = "{\"result\":{}}\n";
    std::string key_;
    FILE* record_ = nullptr;
    unsigned long record_left_ = 0;
};

struct Connection {
    int fd = -1;
    std::string in;
    std::string out;
};

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        die("fcntl");
    }
}

// Reads what is there, answers every complete line; false when the connection is done.
bool serve(Connection& c, Responder& responder) {
    std::array<char, 65536> buf{};
    for (;;) {
        const ssize_t n = ::read(c.fd, buf.data(), buf.size());
        if (n > 0) {
            c.in.append(buf.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) {
            return false;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        }
        return false;
    }
    std::size_t start = 0;
    for (;;) {
        const auto nl = c.in.find('\n', start);
        if (nl == std::string::npos) {
            break;
        }
        c.out += responder.reply(std::string_view(c.in).substr(start, nl - start));
        start = nl + 1;
    }
    c.in.erase(0, start);
    while (!c.out.empty()) {
        const ssize_t n = ::write(c.fd, c.out.data(), c.out.size());
        if (n > 0) {
            c.out.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break; // POLLOUT finishes it
        }
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    const char* socket_path = nullptr;
    const char* table_path = nullptr;
    const char* record_path = nullptr;
    unsigned long record_max = 1000000;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            usage();
        }
        if (arg == "--socket") {
            socket_path = argv[++i];
        } else if (arg == "--table") {
            table_path = argv[++i];
        } else if (arg == "--record") {
            record_path = argv[++i];
        } else if (arg == "--record-max") {
            record_max = std::strtoul(argv[++i], nullptr, 10);
        } else {
            usage();
        }
    }
    if (socket_path == nullptr) {
        usage();
    }

    Responder responder(table_path);
    FILE* record = nullptr;
    if (record_path != nullptr) {
        record = std::fopen(record_path, "w");
        if (record == nullptr) {
            die(record_path);
        }
        responder.set_record(record, record_max);
    }

    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    sa.sa_handler = on_dump;
    ::sigaction(SIGUSR1, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    // The signals stay blocked except inside ppoll, so none is lost between the flag checks
    // and the wait.
    sigset_t blocked;
    sigset_t during_poll;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &blocked, &during_poll);
    sigdelset(&during_poll, SIGTERM);
    sigdelset(&during_poll, SIGINT);
    sigdelset(&during_poll, SIGUSR1);

    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        die("socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (std::strlen(socket_path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        die(socket_path);
    }
    std::strcpy(addr.sun_path, socket_path);
    ::unlink(socket_path);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        die("bind");
    }
    if (::listen(listener, 128) < 0) {
        die("listen");
    }
    set_nonblocking(listener);

    std::vector<Connection> conns;
    std::vector<pollfd> fds;
    while (g_stop == 0) {
        if (g_dump != 0) {
            g_dump = 0;
            responder.counts.print();
            if (record != nullptr) {
                std::fflush(record);
            }
        }
        fds.clear();
        fds.push_back({listener, POLLIN, 0});
        for (const auto& c : conns) {
            fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN : POLLIN | POLLOUT), 0});
        }
        if (::ppoll(fds.data(), fds.size(), nullptr, &during_poll) < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("ppoll");
        }
        // Connections first (fds[i + 1] is conns[i]), then accept, so indices stay valid.
        std::size_t kept = 0;
        for (std::size_t i = 0; i < conns.size(); ++i) {
            bool alive = true;
            if (fds[i + 1].revents != 0) {
                alive = serve(conns[i], responder);
            }
            if (alive) {
                if (kept != i) {
                    conns[kept] = std::move(conns[i]);
                }
                ++kept;
            } else {
                ::close(conns[i].fd);
            }
        }
        conns.resize(kept);
        if ((fds[0].revents & POLLIN) != 0) {
            for (;;) {
                const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                    break;
                }
                conns.push_back(Connection{fd, {}, {}});
            }
        }
    }
    responder.counts.print();
    if (record != nullptr) {
        std::fclose(record);
    }
    ::close(listener);
    ::unlink(socket_path);
    return 0;
}
