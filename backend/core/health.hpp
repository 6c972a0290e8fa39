// SMTP health state: what a probe saw (ProbeReport) -> a classification (ProbeResult) -> the
// per-address hysteresis of gdnsd's mon.c -> per-exchange health -> the HealthSnapshot steer()
// reads. Also when each target is probed next. Pure: time and randomness are parameters.
// SPDX-License-Identifier: MIT
#pragma once

#include "steer.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::core {

// Durations and times. Times are milliseconds since the Unix epoch (wall clock), so that the
// snapshot's taken_at_s compares with the now_s the lookup path gives steer().
using Millis = std::chrono::milliseconds;

enum class StartTls : std::uint8_t {
    off,           // never STARTTLS
    opportunistic, // STARTTLS when offered; missing STARTTLS or a failing TLS/certificate =
                   // degraded
    required,      // missing STARTTLS or a failing TLS handshake/certificate check = down
};
enum class Verify : std::uint8_t { none, pkix, dane, both };
enum class ExchangeUpWhen : std::uint8_t { any, all }; // which addresses must be up

struct HealthConfig {
    Millis interval{3000};      // between checks of a steady target...
    Millis spread{500};         // ...plus or minus up to this much, uniformly (spreads the load)
    Millis fast_interval{1000}; // between checks while a state is changing
    unsigned rise = 3;          // successes in a row that bring a down address up
    unsigned fall = 2;          // failures that bring an up address down...
    unsigned ok_after = 5;      // ...unless this many successes in a row clear them first
    // A down address is re-probed after B(n) = min(backoff_max, backoff_base * factor^n) plus a
    // uniform jitter in [0, backoff_jitter], n = failed probes since it went down, minus one;
    // the first success resets n and switches to fast_interval.
    Millis backoff_base{2000};
    double backoff_factor = 2.0;
    Millis backoff_max{30000};
    Millis backoff_jitter{1000};
    struct Timeouts {
        Millis connect{5000};
        Millis banner{10000}; // > postscreen's 6 s greet wait
        Millis ehlo{5000};
        Millis starttls{5000};      // the STARTTLS command's reply
        Millis tls_handshake{5000}; // the handshake, certificate checks included
        Millis quit{2000};
        bool operator==(const Timeouts&) const = default;
    } timeouts;
    // A TLS session is resumed (tickets or session ids, as the server offers) for up to this
    // long after the full handshake that checked the certificate; 0: every handshake is full.
    Millis tls_session_lifetime{600000};
    std::size_t max_concurrent = 256; // probes in flight at once
    std::uint16_t port = 25;          // default port of targets
    std::string probe_name;           // EHLO argument; empty: the prober uses the host name
    StartTls starttls = StartTls::opportunistic;
    Verify verify = Verify::none;
    std::string ca_file;               // PKIX trust anchors (PEM); empty: OpenSSL's default paths
    std::string source_address;        // bind probes to this address; empty: any
    Health initial_state = Health::up; // every address before its first result
    ExchangeUpWhen exchange_up_when = ExchangeUpWhen::any;
    std::int64_t max_snapshot_age_s = 30; // HealthSnapshot::max_age_s

    bool operator==(const HealthConfig&) const = default;
};

// Problems with a config, one message each ("health.fall must be >= 1, got 0"); empty: valid.
[[nodiscard]] std::vector<std::string> validate(const HealthConfig& config);

// A TLSA record (RFC 6698) as published at _port._tcp.<exchange>.
struct TlsaRecord {
    std::uint8_t usage = 3;         // only 2 (DANE-TA) and 3 (DANE-EE) are used for SMTP (RFC 7672)
    std::uint8_t selector = 1;      // 0 full certificate, 1 SubjectPublicKeyInfo
    std::uint8_t matching_type = 1; // 0 exact, 1 SHA-256, 2 SHA-512
    std::vector<std::uint8_t> data;
    friend bool operator==(const TlsaRecord&, const TlsaRecord&) = default;
};

// One address of one exchange. `address` is an IP literal ("192.0.2.1", "2001:db8::1").
struct ProbeTarget {
    std::string exchange; // absolute, lowercase: "mx1.example.com."
    std::string address;
    std::uint16_t port = 25;
    std::vector<TlsaRecord> tlsa;
    friend bool operator==(const ProbeTarget&, const ProbeTarget&) = default;
};
// "mx1.example.com./192.0.2.1:25", "mx1.example.com./[2001:db8::1]:25": the identity of a target
// across reloads (TLSA changes keep the state).
[[nodiscard]] std::string target_key(const ProbeTarget& target);

// Where in the dialogue a probe stopped; `done` when it reached QUIT.
enum class ProbePhase : std::uint8_t {
    connect,
    banner,
    ehlo,
    starttls,
    tls_handshake,
    certificate,
    quit,
    done
};
enum class ProbeError : std::uint8_t {
    none,
    timeout,  // the phase's deadline passed
    refused,  // connection refused
    reset,    // connection reset
    closed,   // the server closed the connection
    protocol, // a malformed reply (see smtp.hpp)
    network,  // any other socket error (unreachable, cannot bind the source address, ...)
    tls,      // TLS handshake failed (garbage, protocol or cipher mismatch)
};
[[nodiscard]] std::string_view to_string(ProbePhase phase);
[[nodiscard]] std::string_view to_string(ProbeError error);

// What one probe saw; the prober fills it in.
struct ProbeReport {
    ProbePhase phase = ProbePhase::done; // where it stopped
    ProbeError error = ProbeError::none;
    int reply_code = 0; // an unexpected reply at `phase` (banner not 220, EHLO not 250, ...)
    std::string detail; // the reply (describe()) or the error message
    bool starttls_offered = false;
    bool tls = false;         // TLS was negotiated
    bool tls_resumed = false; // ...by resuming a session (no certificate was sent)
    std::optional<std::string> certificate_error; // a failed PKIX/DANE check, with why
    Millis latency{0};                            // connect to end of the dialogue
};

// The classification of one probe, with why and where.
struct ProbeResult {
    Health state = Health::up;
    ProbePhase phase = ProbePhase::done;
    std::string reason; // empty when up
    friend bool operator==(const ProbeResult&, const ProbeResult&) = default;
};
// up; soft_down on a 4xx; down on a 5xx, timeout, refused, reset, close, malformed reply, or a
// TLS/certificate failure with starttls = required; degraded when up but STARTTLS is missing, or
// TLS or a certificate check fails, with starttls = opportunistic. Errors during QUIT are ignored.
[[nodiscard]] ProbeResult classify(const ProbeReport& report, const HealthConfig& config);

// One address's hysteresis (gdnsd mon.c gdnsd_mon_state_updater): the first result is taken as
// it is; then `fall` failures bring an up address down, counted failures are cleared only by
// `ok_after` successes in a row, and `rise` successes in a row bring a down address up.
struct AddressState {
    Health state = Health::up; // published: up/degraded while up, soft_down/down while down
    bool probed = false;       // a result has been seen
    bool up = true;
    unsigned failures = 0;    // while up: failures counted towards `fall`
    unsigned successes = 0;   // while up: the run clearing failures; while down: towards `rise`
    unsigned down_probes = 0; // while down: failed probes in a row, n + 1 in B(n)
    friend bool operator==(const AddressState&, const AddressState&) = default;
};
[[nodiscard]] AddressState initial_address_state(const HealthConfig& config);
[[nodiscard]] AddressState advance(const AddressState& state, Health result,
                                   const HealthConfig& config);
// Results that could flip up/down, at the earliest; 1 before the first result.
[[nodiscard]] unsigned checks_left(const AddressState& state, const HealthConfig& config);
// A flip is under way (or no result yet): probe at fast_interval, answers short-lived.
[[nodiscard]] bool changing(const AddressState& state);
// The delay before the next probe after `state` was reached. `random` is a uniformly
// distributed number (the spread and jitter come from it).
[[nodiscard]] Millis next_delay(const AddressState& state, const HealthConfig& config,
                                std::uint64_t random);
// B(n) without jitter.
[[nodiscard]] Millis backoff(unsigned n, const HealthConfig& config);

// A change of an address's published state, for the adapter to log.
struct Transition {
    std::string key;
    Health from = Health::up;
    Health to = Health::up;
    ProbeResult result;
};

struct TargetStatus {
    ProbeTarget target;
    AddressState state;
    std::optional<ProbeResult> last; // the latest classification
    Millis latency{0};               // of the latest probe
    Millis last_probe_at{0};
    Millis last_change_at{0}; // when `state.state` last changed (or the target was added)
    Millis next_due{0};       // when the next probe is due
};

// All targets and their states. Not thread-safe: one owner (the prober's thread).
class HealthTracker {
public:
    explicit HealthTracker(HealthConfig config);

    // Replaces the target set (startup, reload). Targets whose key is kept keep their state and
    // schedule (their TLSA records are updated); new ones start in config.initial_state and are
    // due at `now`; the others are dropped. Duplicate keys count once.
    void set_targets(std::vector<ProbeTarget> targets, Millis now);

    // Takes one probe's report for target `key` (unknown keys are ignored: the target was
    // removed meanwhile), schedules its next probe, and says whether its state changed.
    std::optional<Transition> observe(std::string_view key, const ProbeReport& report, Millis now,
                                      std::uint64_t random) {
        return observe(key, report, classify(report, config_), now, random);
    }
    // The same for a report already classified with this tracker's config (`result`).
    std::optional<Transition> observe(std::string_view key, const ProbeReport& report,
                                      ProbeResult result, Millis now, std::uint64_t random);

    [[nodiscard]] const TargetStatus* find(std::string_view key) const;
    [[nodiscard]] const std::map<std::string, TargetStatus, std::less<>>& targets() const {
        return targets_;
    }
    [[nodiscard]] const HealthConfig& config() const { return config_; }

    // The view for steer() at `now`: per exchange, its state, how long it cannot change
    // (stable_for_s) and whether it is changing; taken_at_s = now, checking = true.
    [[nodiscard]] HealthSnapshot snapshot(Millis now) const;
    // Whether a snapshot taken now could differ from the last one in more than its time: the
    // targets, an address's state or whether it is changing have changed since. Clears the
    // mark. Otherwise only stable_for_s moves, and it grows with each probe: an older snapshot
    // with its age taken off errs on the short side.
    [[nodiscard]] bool take_changes();
    // Every target as JSON: exchange, address, port, state, probed, reason, phase, last change,
    // last probe, latency, counters, next probe; and the exchanges as in snapshot().
    [[nodiscard]] std::string dump_json(Millis now) const;

private:
    HealthConfig config_;
    std::map<std::string, TargetStatus, std::less<>> targets_;
    bool changed_ = true; // see take_changes()
};

} // namespace mxsteer::core
