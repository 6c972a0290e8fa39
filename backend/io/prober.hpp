// SMTP health probes (DESIGN.md "Health checks") on their own thread and io_context, never on
// the lookup path: the dialogue, TLS and certificate checks here; the state machine in
// core/health. Lookups read the newest published snapshot without taking a lock.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/health.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace mxsteer::io {

// The TLS 1.3 suites of `ciphers` (a context's list, in its order) as a ciphersuites string,
// with TLS_AES_128_GCM_SHA256 moved to the front when it is there; "" when there are none.
[[nodiscard]] std::string probe_tls13_order(const STACK_OF(SSL_CIPHER) * ciphers);

// The TLS client context for probes: the CA file (or OpenSSL's default paths) for PKIX, DANE
// enabled when config.verify asks for it, TLS 1.3 suites in probe_tls13_order. Certificates are
// checked after the handshake and reported, never enforced by the handshake itself. Throws
// std::runtime_error when the CA file cannot be loaded or OpenSSL refuses a setting.
[[nodiscard]] std::shared_ptr<asio::ssl::context>
make_probe_tls_context(const core::HealthConfig& config);

// A TLS session kept between the probes of one target. A probe offers it while it is younger
// than config.tls_session_lifetime, counted from the full handshake whose certificate checks
// it carries; only a probe that reaches QUIT over TLS without a certificate problem keeps one.
// `issues_tickets` says whether the server sent a new session ticket in the last TLS dialogue
// that got as far as the EHLO reply, whatever became of the session: it decides how the
// client's Finished is sent (see run_probe), and survives failed probes and dropped sessions.
struct TlsSession {
    std::shared_ptr<SSL_SESSION> session; // null: the next handshake is a full one
    std::chrono::steady_clock::time_point checked_at;
    bool issues_tickets = false;
};

// One probe of one target (connect, banner, EHLO, optional STARTTLS + handshake + certificate
// checks, EHLO again over TLS, QUIT; never MAIL FROM) with every phase under its own deadline.
// `probe_name` is the EHLO argument. With `resume`, the handshake offers its session and the
// probe leaves the session to offer next time in it. A resumed handshake carries no
// certificate, so its checks are those of the full handshake that made the session. Never
// throws: every failure is in the report.
[[nodiscard]] asio::awaitable<core::ProbeReport> probe(const core::ProbeTarget& target,
                                                       const core::HealthConfig& config,
                                                       std::shared_ptr<asio::ssl::context> tls,
                                                       std::string probe_name,
                                                       TlsSession* resume = nullptr);

// The same, blocking on a private io_context (tests, one-shot checks).
[[nodiscard]] core::ProbeReport probe_once(const core::ProbeTarget& target,
                                           const core::HealthConfig& config,
                                           TlsSession* resume = nullptr);

// The host name for EHLO when config.probe_name is empty.
[[nodiscard]] std::string default_probe_name();

// Probes every target on a schedule (core::next_delay), at most config.max_concurrent at once,
// feeds the results to a core::HealthTracker and publishes its snapshot. Thread-safe: every
// public member may be called from any thread.
class Prober {
public:
    // Validates nothing (see core::validate); throws std::runtime_error if the TLS context
    // cannot be built. Publishes a snapshot with no targets at once.
    explicit Prober(core::HealthConfig config);
    Prober(const Prober&) = delete;
    Prober& operator=(const Prober&) = delete;
    ~Prober(); // stop()

    // Replaces the targets (startup and reload): kept targets (same exchange, address and port)
    // keep their state; new ones start in config.initial_state and are probed at once.
    void set_targets(std::vector<core::ProbeTarget> targets);

    // Starts the prober thread (once; a stopped Prober does not start again); stop() ends it
    // and waits (probes in flight are dropped, the last snapshot stays and ages).
    void start();
    void stop();

    // The newest snapshot, never null; readers take no lock of ours. std::atomic_load on the
    // shared_ptr (libstdc++ guards it with a small pool of mutexes, held for a pointer copy):
    // libstdc++ 12's std::atomic<std::shared_ptr> exists but its load() unlocks with relaxed
    // order, a data race that ThreadSanitizer reports.
    [[nodiscard]] std::shared_ptr<const core::HealthSnapshot> snapshot() const {
        return std::atomic_load_explicit(&snapshot_, std::memory_order_acquire);
    }

    // Every target as JSON (core::HealthTracker::dump_json), at the current time.
    [[nodiscard]] std::string dump_json() const;

    // Prometheus text exposition: per target its state (mxsteer_probe_target_state, 1 for the
    // current one) and state transitions; probes by result; failures by the phase they ended
    // at and why; probe latency (sum and count) by the phase the dialogue ended at; TLS
    // handshakes, full and resumed.
    [[nodiscard]] std::string metrics_text() const;

    [[nodiscard]] const core::HealthConfig& config() const { return config_; }

    // A change of state is published within publish_period. Without one a snapshot is still
    // published every heartbeat_period (at most half of max_snapshot_age), so that a live
    // prober's snapshot never looks stale (its age is what tells a stalled prober): taking a
    // snapshot of 10,000 targets four times a second cost a few per cent of a core.
    static constexpr std::chrono::milliseconds publish_period{250};
    static constexpr std::chrono::milliseconds heartbeat_period{1000};
    // While busy (more than one event per wake_period over the last busy_window), the
    // prober's thread wakes at most once per wake_period and then handles everything that is
    // ready. A probe may then wait this long more per exchange (its timeouts are seconds). At
    // 10,000 targets every 10 s the thread switches context a third as often as when it woke
    // for each event, and spends 5-10 % less CPU per probe (bench/RESULTS.md).
    static constexpr std::chrono::milliseconds wake_period{1};
    static constexpr std::chrono::milliseconds busy_window{100};

private:
    asio::awaitable<void> target_loop(std::string key, std::uint64_t generation);
    asio::awaitable<void> publish_loop();
    asio::awaitable<void> acquire_slot();
    void release_slot();
    void publish();
    void spawn_target_loops();
    void run_io(); // the prober thread's event loop

    core::HealthConfig config_;
    std::string probe_name_;
    std::shared_ptr<asio::ssl::context> tls_;

    // Guards tracker_, generation_ and started_ (the daemon's thread and the prober's); never
    // held across a co_await, never taken by snapshot().
    mutable std::mutex mutex_;
    core::HealthTracker tracker_;
    // Counters since start, guarded by mutex_ like the tracker.
    struct Counters {
        std::map<std::string, std::uint64_t> transitions;                    // target key
        std::map<std::string, std::uint64_t> probes;                         // result state
        std::map<std::pair<std::string, std::string>, std::uint64_t> failed; // phase, error
        std::map<std::string, std::pair<double, std::uint64_t>> latency;     // phase -> s, n
        std::uint64_t tls_full = 0;    // handshakes that sent a certificate
        std::uint64_t tls_resumed = 0; // handshakes that resumed a session
    } counters_;
    std::uint64_t generation_ = 0; // bumped by set_targets: loops of older generations end

    std::shared_ptr<const core::HealthSnapshot> snapshot_; // std::atomic_load/store only
    std::mt19937_64 random_;                               // prober thread only
    std::size_t in_flight_ = 0;
    std::atomic<bool> running_{false};
    bool started_ = false;
    std::thread thread_;
    // Last: destroyed first, so that the coroutine frames it still holds go before the rest.
    std::unique_ptr<asio::io_context> io_;
    std::unique_ptr<asio::steady_timer> slot_freed_;
};

} // namespace mxsteer::io
