// prober_bench: io::Prober (the daemon's prober, linked from the project's libraries) against N
// targets, measured from inside the process: CPU of the prober thread (/proc/self/task/TID/stat,
// utime + stime), RSS, completed probes per second and schedule slip. Slip is read from the
// prober's own state dump (Prober::dump_json, polled by the main thread): for every target whose
// last_probe_ms changed since the previous poll, the probe started at last_probe_ms - latency_ms
// (the latency runs from the start of the dialogue, after a concurrency slot was free) and was
// planned at the next_probe_ms the previous poll saw; lateness = start - planned.
//
// usage: prober_bench --first 127.1.0.1 --count N --port P [--interval-ms 10000]
//          [--spread-ms 500] [--starttls off|opportunistic|required] [--max-concurrent 256]
//          [--warmup S] [--duration S] [--poll-ms 2500] [--tls-session-lifetime-ms MS]
// Prints progress on stderr and one "RESULT key=value ..." line on stdout.
// SPDX-License-Identifier: MIT
#include "io/prober.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

long long cpu_ticks(const std::string& stat_path) {
    std::ifstream in(stat_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    long long utime = 0, stime = 0;
    // fields after "(comm) ": state(3) ... utime(14) stime(15)
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14)
            utime = std::atoll(field.c_str());
        if (i == 15)
            stime = std::atoll(field.c_str());
    }
    return utime + stime;
}

long status_kib(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) == 0)
            return std::atol(line.c_str() + std::strlen(key));
    }
    return 0;
}

std::vector<int> other_threads() {
    std::vector<int> out;
    DIR* d = opendir("/proc/self/task");
    if (d == nullptr)
        return out;
    while (dirent* e = readdir(d)) {
        const int tid = std::atoi(e->d_name);
        if (tid > 0 && tid != getpid())
            out.push_back(tid);
    }
    closedir(d);
    return out;
}

long long number_after(const std::string& s, const char* key, std::size_t& pos) {
    pos = s.find(key, pos);
    if (pos == std::string::npos)
        return -1;
    pos += std::strlen(key);
    return std::atoll(s.c_str() + pos);
}

double pct(std::vector<long long> v, double p) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return static_cast<double>(v[std::min(i, v.size() - 1)]);
}

} // namespace

int main(int argc, char** argv) {
    using namespace mxsteer;
    std::string first = "127.1.0.1", starttls = "opportunistic";
    long count = 1000, interval_ms = 10000, spread_ms = 500, warmup_s = 30, duration_s = 60,
         poll_ms = 2500, max_concurrent = 256, session_lifetime_ms = -1;
    int port = 2525;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const char* v = argv[i + 1];
        if (a == "--first")
            first = v;
        else if (a == "--count")
            count = std::atol(v);
        else if (a == "--port")
            port = std::atoi(v);
        else if (a == "--interval-ms")
            interval_ms = std::atol(v);
        else if (a == "--spread-ms")
            spread_ms = std::atol(v);
        else if (a == "--starttls")
            starttls = v;
        else if (a == "--max-concurrent")
            max_concurrent = std::atol(v);
        else if (a == "--warmup")
            warmup_s = std::atol(v);
        else if (a == "--duration")
            duration_s = std::atol(v);
        else if (a == "--poll-ms")
            poll_ms = std::atol(v);
        else if (a == "--tls-session-lifetime-ms")
            session_lifetime_ms = std::atol(v);
        else {
            std::fprintf(stderr, "prober_bench: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    in_addr base{};
    if (inet_pton(AF_INET, first.c_str(), &base) != 1 || (ntohl(base.s_addr) >> 24) != 127) {
        std::fprintf(stderr, "prober_bench: --first must be an IPv4 loopback address\n");
        return 2;
    }
    core::HealthConfig config; // the defaults, except what the options set
    config.interval = core::Millis{interval_ms};
    config.spread = core::Millis{spread_ms};
    config.port = static_cast<std::uint16_t>(port);
    config.max_concurrent = static_cast<std::size_t>(max_concurrent);
    config.probe_name = "bench.example.net";
    if (session_lifetime_ms >= 0) {
        config.tls_session_lifetime = core::Millis{session_lifetime_ms};
    }
    config.starttls = starttls == "off"        ? core::StartTls::off
                      : starttls == "required" ? core::StartTls::required
                                               : core::StartTls::opportunistic;
    std::vector<core::ProbeTarget> targets;
    targets.reserve(static_cast<std::size_t>(count));
    for (long i = 0; i < count; ++i) {
        in_addr a{};
        a.s_addr = htonl(ntohl(base.s_addr) + static_cast<std::uint32_t>(i));
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a, text, sizeof text);
        targets.push_back({"mx" + std::to_string(i) + ".bench.example.",
                           text,
                           static_cast<std::uint16_t>(port),
                           {}});
    }

    const long rss_before_kib = status_kib("VmRSS:");
    io::Prober prober(config);
    prober.set_targets(std::move(targets));
    prober.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto tids = other_threads();
    auto prober_ticks = [&] {
        long long t = 0;
        for (int tid : tids)
            t += cpu_ticks("/proc/self/task/" + std::to_string(tid) + "/stat");
        return t;
    };
    const std::string main_stat = "/proc/self/task/" + std::to_string(getpid()) + "/stat";

    std::vector<long long> prev_last(static_cast<std::size_t>(count), -1);
    std::vector<long long> prev_next(static_cast<std::size_t>(count), -1);
    std::vector<long long> lateness, latencies;
    long long probes = 0;
    long max_rss_kib = 0;
    long up = 0, degraded = 0, down = 0, other = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const auto measure_from = t0 + std::chrono::seconds(warmup_s);
    const auto measure_to = measure_from + std::chrono::seconds(duration_s);
    bool measuring = false;
    long long ticks_from = 0, proc_from = 0, main_from = 0;
    // TLS handshakes (full, resumed) from the prober's own counters
    auto handshakes = [&prober](const char* kind) {
        const std::string text = prober.metrics_text();
        const std::string key =
            std::string{"mxsteer_probe_tls_handshakes_total{kind=\""} + kind + "\"} ";
        const auto at = text.find(key);
        return at == std::string::npos ? -1LL : std::atoll(text.c_str() + at + key.size());
    };
    long long full_from = 0, resumed_from = 0;
    auto window_start = measure_from;
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
        const auto now = std::chrono::steady_clock::now();
        // The window opens at a poll: probes that ended before it count for nothing, and
        // the poll that opens it only records where every target stands.
        bool opening = false;
        if (!measuring && now >= measure_from) {
            measuring = true;
            opening = true;
            window_start = now;
            ticks_from = prober_ticks();
            proc_from = cpu_ticks("/proc/self/stat");
            main_from = cpu_ticks(main_stat);
            full_from = handshakes("full");
            resumed_from = handshakes("resumed");
        }
        const std::string dump = prober.dump_json();
        std::size_t pos = 0;
        up = degraded = down = other = 0;
        for (long i = 0; i < count; ++i) {
            pos = dump.find("\"state\":\"", pos);
            if (pos == std::string::npos)
                break;
            pos += 9;
            const char s = dump[pos];
            (s == 'u' ? up : s == 'd' ? (dump[pos + 1] == 'e' ? degraded : down) : other)++;
            const long long last = number_after(dump, "\"last_probe_ms\":", pos);
            const long long latency = number_after(dump, "\"latency_ms\":", pos);
            const long long next = number_after(dump, "\"next_probe_ms\":", pos);
            const auto k = static_cast<std::size_t>(i);
            if (measuring && !opening && last != prev_last[k] && prev_next[k] > 0 && last > 0) {
                ++probes;
                lateness.push_back(last - latency - prev_next[k]);
                latencies.push_back(latency);
            }
            prev_last[k] = last;
            prev_next[k] = next;
        }
        max_rss_kib = std::max(max_rss_kib, status_kib("VmRSS:"));
        const double el = std::chrono::duration<double>(now - t0).count();
        std::fprintf(stderr, "t=%.0fs up=%ld degraded=%ld down=%ld other=%ld rss=%ldKiB%s\n", el,
                     up, degraded, down, other, status_kib("VmRSS:"),
                     measuring ? " (measuring)" : "");
        if (measuring && now >= measure_to) {
            const double wall = std::chrono::duration<double>(now - window_start).count();
            const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
            const double cpu_prober = static_cast<double>(prober_ticks() - ticks_from) / hz;
            const double cpu_proc =
                static_cast<double>(cpu_ticks("/proc/self/stat") - proc_from) / hz;
            const double cpu_main = static_cast<double>(cpu_ticks(main_stat) - main_from) / hz;
            std::printf("RESULT n=%ld interval_ms=%ld starttls=%s window_s=%.1f probes=%lld "
                        "probes_per_s=%.1f expected_per_s=%.1f prober_cpu_pct=%.1f "
                        "process_cpu_pct=%.1f main_thread_cpu_pct=%.1f rss_mib=%.1f "
                        "max_rss_mib=%.1f hwm_mib=%.1f rss_before_mib=%.1f late_p50_ms=%.0f "
                        "late_p99_ms=%.0f late_max_ms=%.0f latency_p50_ms=%.0f "
                        "latency_p99_ms=%.0f up=%ld degraded=%ld down=%ld other=%ld threads=%zu "
                        "tls_full=%lld tls_resumed=%lld tls_session_lifetime_ms=%lld\n",
                        count, interval_ms, starttls.c_str(), wall, probes,
                        static_cast<double>(probes) / wall,
                        static_cast<double>(count) * 1000.0 / static_cast<double>(interval_ms),
                        100.0 * cpu_prober / wall, 100.0 * cpu_proc / wall, 100.0 * cpu_main / wall,
                        status_kib("VmRSS:") / 1024.0, static_cast<double>(max_rss_kib) / 1024.0,
                        status_kib("VmHWM:") / 1024.0, static_cast<double>(rss_before_kib) / 1024.0,
                        pct(lateness, 50), pct(lateness, 99), pct(lateness, 100),
                        pct(latencies, 50), pct(latencies, 99), up, degraded, down, other,
                        tids.size(), handshakes("full") - full_from,
                        handshakes("resumed") - resumed_from,
                        static_cast<long long>(config.tls_session_lifetime.count()));
            std::fflush(stdout);
            break;
        }
    }
    prober.stop();
    return 0;
}
