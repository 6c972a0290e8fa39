// Health state: classification, the gdnsd-style hysteresis, scheduling and the snapshot for
// steer(), each as a table with time and randomness as parameters.
// SPDX-License-Identifier: MIT
#include "core/health.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mxsteer::core;
using namespace std::chrono_literals;

namespace {

HealthConfig config_for_tests() {
    HealthConfig c;
    c.interval = 10s;
    c.spread = 1s;
    c.fast_interval = 2s;
    c.rise = 3;
    c.fall = 2;
    c.ok_after = 2;
    c.backoff_base = 4s;
    c.backoff_factor = 2.0;
    c.backoff_max = 30s;
    c.backoff_jitter = 1s;
    return c;
}

ProbeReport ok(bool starttls = true) {
    ProbeReport r;
    r.starttls_offered = starttls;
    r.tls = starttls;
    return r;
}

ProbeReport failed(ProbePhase phase, ProbeError error, std::string detail = {}) {
    ProbeReport r;
    r.phase = phase;
    r.error = error;
    r.detail = std::move(detail);
    return r;
}

ProbeReport replied(ProbePhase phase, int code, std::string detail) {
    ProbeReport r;
    r.phase = phase;
    r.reply_code = code;
    r.detail = std::move(detail);
    return r;
}

ProbeTarget target(std::string exchange, std::string address) {
    return ProbeTarget{std::move(exchange), std::move(address), 25, {}};
}

} // namespace

TEST_CASE("health: classification keeps the reason and the phase") {
    struct Row {
        std::string what;
        ProbeReport report;
        StartTls starttls;
        Verify verify;
        Health state;
        ProbePhase phase;
        const char* reason;
    };
    ProbeReport cert_bad = ok();
    cert_bad.certificate_error = "name mismatch";
    ProbeReport quit_reset = failed(ProbePhase::quit, ProbeError::reset);
    quit_reset.starttls_offered = true;
    const std::vector<Row> rows = {
        {"good", ok(), StartTls::opportunistic, Verify::none, Health::up, ProbePhase::done, ""},
        {"good, no TLS wanted", ok(false), StartTls::off, Verify::none, Health::up,
         ProbePhase::done, ""},
        {"421 banner", replied(ProbePhase::banner, 421, "421 too busy"), StartTls::opportunistic,
         Verify::none, Health::soft_down, ProbePhase::banner, "temporary failure: 421 too busy"},
        {"554 banner", replied(ProbePhase::banner, 554, "554 no"), StartTls::opportunistic,
         Verify::none, Health::down, ProbePhase::banner, "permanent failure: 554 no"},
        {"EHLO 550", replied(ProbePhase::ehlo, 550, "550 go away"), StartTls::off, Verify::none,
         Health::down, ProbePhase::ehlo, "permanent failure: 550 go away"},
        {"banner 250", replied(ProbePhase::banner, 250, "250 what"), StartTls::off, Verify::none,
         Health::down, ProbePhase::banner, "unexpected reply: 250 what"},
        {"refused", failed(ProbePhase::connect, ProbeError::refused), StartTls::opportunistic,
         Verify::none, Health::down, ProbePhase::connect, "connection refused"},
        {"timeout", failed(ProbePhase::banner, ProbeError::timeout, "no banner within 10000 ms"),
         StartTls::opportunistic, Verify::none, Health::down, ProbePhase::banner,
         "timeout: no banner within 10000 ms"},
        {"reset", failed(ProbePhase::ehlo, ProbeError::reset), StartTls::opportunistic,
         Verify::none, Health::down, ProbePhase::ehlo, "connection reset"},
        {"closed mid-banner", failed(ProbePhase::banner, ProbeError::closed),
         StartTls::opportunistic, Verify::none, Health::down, ProbePhase::banner,
         "connection closed"},
        {"garbage banner", failed(ProbePhase::banner, ProbeError::protocol, "bad"),
         StartTls::opportunistic, Verify::none, Health::down, ProbePhase::banner,
         "malformed reply: bad"},
        {"no STARTTLS, opportunistic", ok(false), StartTls::opportunistic, Verify::none,
         Health::degraded, ProbePhase::ehlo, "STARTTLS not offered (starttls = opportunistic)"},
        {"no STARTTLS, required", ok(false), StartTls::required, Verify::none, Health::down,
         ProbePhase::ehlo, "STARTTLS not offered (starttls = required)"},
        {"STARTTLS 454, opportunistic", replied(ProbePhase::starttls, 454, "454 no TLS"),
         StartTls::opportunistic, Verify::none, Health::degraded, ProbePhase::starttls,
         "STARTTLS refused: 454 no TLS"},
        {"STARTTLS 454, required", replied(ProbePhase::starttls, 454, "454 no TLS"),
         StartTls::required, Verify::none, Health::soft_down, ProbePhase::starttls,
         "temporary failure: 454 no TLS"},
        {"TLS garbage, opportunistic", failed(ProbePhase::tls_handshake, ProbeError::tls, "x"),
         StartTls::opportunistic, Verify::none, Health::degraded, ProbePhase::tls_handshake,
         "TLS handshake failed: x"},
        {"TLS garbage, required", failed(ProbePhase::tls_handshake, ProbeError::tls, "x"),
         StartTls::required, Verify::none, Health::down, ProbePhase::tls_handshake,
         "TLS handshake failed: x"},
        {"TLS timeout, opportunistic", failed(ProbePhase::tls_handshake, ProbeError::timeout),
         StartTls::opportunistic, Verify::none, Health::down, ProbePhase::tls_handshake, "timeout"},
        {"bad certificate, reported", cert_bad, StartTls::opportunistic, Verify::pkix,
         Health::degraded, ProbePhase::certificate, "certificate check failed: name mismatch"},
        {"bad certificate, required", cert_bad, StartTls::required, Verify::both, Health::down,
         ProbePhase::certificate, "certificate check failed: name mismatch"},
        {"bad certificate, not verified", cert_bad, StartTls::required, Verify::none, Health::up,
         ProbePhase::done, ""},
        {"reset after QUIT", quit_reset, StartTls::opportunistic, Verify::none, Health::up,
         ProbePhase::done, ""},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        HealthConfig c;
        c.starttls = row.starttls;
        c.verify = row.verify;
        const ProbeResult r = classify(row.report, c);
        CHECK(r.state == row.state);
        CHECK(r.phase == row.phase);
        CHECK(r.reason == row.reason);
    }
}

TEST_CASE("health: every transition of the per-address state machine") {
    // rise 3, fall 2, ok_after 2. U = up, G = degraded, S = soft_down, D = down.
    const HealthConfig c = config_for_tests();
    auto health = [](char letter) {
        switch (letter) {
        case 'G':
            return Health::degraded;
        case 'S':
            return Health::soft_down;
        case 'D':
            return Health::down;
        default:
            return Health::up;
        }
    };
    struct Row {
        std::string what;
        Health initial;
        const char* results;   // one letter per probe
        const char* published; // the state after each probe
    };
    const std::vector<Row> rows = {
        {"the first result is taken as it is (down)", Health::up, "D", "D"},
        {"the first result is taken as it is (up)", Health::down, "U", "U"},
        {"initial soft_down, first degraded", Health::soft_down, "G", "G"},
        {"one failure is not enough", Health::up, "UDU", "UUU"},
        {"fall failures in a row: down", Health::up, "UDD", "UUD"},
        {"failures add up until ok_after successes clear them", Health::up, "UDUD", "UUUD"},
        {"ok_after successes in a row clear failures", Health::up, "UDUUD", "UUUUU"},
        {"a failure breaks the clearing run", Health::up, "UDUDU", "UUUDD"},
        {"rise successes in a row: up", Health::up, "DUUU", "DDDU"},
        {"a failure restarts the rise", Health::up, "DUUDUUU", "DDDDDDU"},
        {"soft_down and down are both failures; the latest is published", Health::up, "USSDS",
         "UUSDS"},
        {"degraded counts as success and is published at once", Health::up, "UGUG", "UGUG"},
        {"degraded while failures are counted", Health::up, "UDG", "UUG"},
        {"coming back degraded", Health::up, "DGGG", "DDDG"},
        {"flapping goes down and stays down", Health::up, "UDUDUDUD", "UUUDDDDD"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        HealthConfig config = c;
        config.initial_state = row.initial;
        AddressState s = initial_address_state(config);
        CHECK_FALSE(s.probed);
        CHECK(s.state == row.initial);
        const std::string results = row.results;
        const std::string published = row.published;
        REQUIRE(results.size() == published.size());
        for (std::size_t i = 0; i < results.size(); ++i) {
            CAPTURE(i);
            s = advance(s, health(results[i]), config);
            CHECK(s.probed);
            CHECK(s.state == health(published[i]));
            CHECK(s.up == (s.state == Health::up || s.state == Health::degraded));
        }
    }
}

TEST_CASE("health: checks left and changing follow the counters") {
    const HealthConfig c = config_for_tests();
    AddressState s = initial_address_state(c);
    CHECK(checks_left(s, c) == 1); // the first result decides
    CHECK(changing(s));
    s = advance(s, Health::up, c);
    CHECK(checks_left(s, c) == 2); // fall
    CHECK_FALSE(changing(s));
    s = advance(s, Health::down, c);
    CHECK(checks_left(s, c) == 1);
    CHECK(changing(s));
    s = advance(s, Health::down, c);
    CHECK_FALSE(s.up);
    CHECK(checks_left(s, c) == 3); // rise
    CHECK_FALSE(changing(s));
    s = advance(s, Health::up, c);
    CHECK(checks_left(s, c) == 2);
    CHECK(changing(s));
}

TEST_CASE("health: scheduling with spread, fast interval and capped backoff plus jitter") {
    const HealthConfig c = config_for_tests();
    const std::uint64_t lowest = 0;
    const std::uint64_t highest = 2000; // random % 2001 == 2000: the top of the spread
    AddressState s = initial_address_state(c);
    // The first round starts at once.
    CHECK(next_delay(s, c, 12345) == 0ms);
    s = advance(s, Health::up, c);
    SUBCASE("steady: interval plus or minus spread") {
        CHECK(next_delay(s, c, lowest) == 9s);
        CHECK(next_delay(s, c, highest) == 11s);
        CHECK(next_delay(s, c, 1000) == 10s);
        for (std::uint64_t r = 0; r < 5000; r += 7) {
            const Millis d = next_delay(s, c, r);
            CHECK(d >= 9s);
            CHECK(d <= 11s);
        }
    }
    SUBCASE("changing: fast interval") {
        s = advance(s, Health::down, c);
        CHECK(next_delay(s, c, highest) == 2s);
    }
    SUBCASE("down: B(n) = min(max, base * k^n) + jitter, reset on the first success") {
        s = advance(s, Health::down, c);
        s = advance(s, Health::down, c);
        REQUIRE_FALSE(s.up);
        const std::vector<Millis> expected = {4s, 8s, 16s, 30s, 30s, 30s};
        for (const Millis b : expected) {
            CHECK(next_delay(s, c, 0) == b);
            CHECK(next_delay(s, c, 1000) == b + 1s); // jitter in [0, 1 s]
            CHECK(next_delay(s, c, 1001) == b);
            s = advance(s, Health::down, c);
        }
        s = advance(s, Health::up, c);
        CHECK(s.down_probes == 0);
        CHECK(next_delay(s, c, 1000) == 2s); // rising: fast interval
        s = advance(s, Health::down, c);
        CHECK(next_delay(s, c, 0) == 4s); // backoff starts again at B(0)
    }
    SUBCASE("backoff never overflows") {
        CHECK(backoff(0, c) == 4s);
        CHECK(backoff(1000000, c) == 30s);
        HealthConfig flat = c;
        flat.backoff_factor = 1.0;
        CHECK(backoff(1000000, flat) == 4s);
    }
}

TEST_CASE("health: the snapshot before the first round has every target in the initial state") {
    for (const Health initial : {Health::up, Health::down}) {
        HealthConfig c = config_for_tests();
        c.initial_state = initial;
        c.max_snapshot_age_s = 42;
        HealthTracker tracker{c};
        tracker.set_targets({target("mx1.example.com.", "192.0.2.1"),
                             target("mx1.example.com.", "2001:db8::1"),
                             target("mx2.example.com.", "192.0.2.2")},
                            1'000'000ms);
        const HealthSnapshot snap = tracker.snapshot(1'000'500ms);
        CHECK(snap.checking);
        CHECK(snap.taken_at_s == 1000);
        CHECK(snap.max_age_s == 42);
        REQUIRE(snap.exchanges.size() == 2);
        for (const auto& entry : snap.exchanges) {
            const ExchangeHealth& h = entry.second;
            CAPTURE(entry.first);
            CHECK(h.state == initial);
            CHECK(h.changing); // the first result may flip it at once
            CHECK(h.stable_for_s == 0);
        }
        // Every target is due now.
        for (const auto& [key, status] : tracker.targets()) {
            CHECK(status.next_due == 1'000'000ms);
            CHECK_FALSE(status.state.probed);
        }
    }
}

TEST_CASE("health: the tracker reports transitions and schedules the next probe") {
    HealthTracker tracker{config_for_tests()};
    const ProbeTarget t = target("mx1.example.com.", "192.0.2.1");
    const std::string key = target_key(t);
    CHECK(key == "mx1.example.com./192.0.2.1:25");
    CHECK(target_key(target("mx1.example.com.", "2001:db8::1")) ==
          "mx1.example.com./[2001:db8::1]:25");
    tracker.set_targets({t}, 0ms);

    // The first result confirms the initial up state: no transition.
    CHECK_FALSE(tracker.observe(key, ok(), 100ms, 1000).has_value());
    CHECK(tracker.find(key)->next_due == 100ms + 10s);
    // One failure: still up, probed fast.
    CHECK_FALSE(tracker.observe(key, failed(ProbePhase::connect, ProbeError::refused), 10s, 0));
    CHECK(tracker.find(key)->next_due == 12s);
    // The second: down, with the reason and phase.
    const auto down = tracker.observe(key, replied(ProbePhase::banner, 554, "554 no"), 12s, 0);
    REQUIRE(down.has_value());
    CHECK(down->key == key);
    CHECK(down->from == Health::up);
    CHECK(down->to == Health::down);
    CHECK(down->result.phase == ProbePhase::banner);
    CHECK(down->result.reason == "permanent failure: 554 no");
    CHECK(tracker.find(key)->last_change_at == 12s);
    CHECK(tracker.find(key)->next_due == 12s + 4s); // B(0)
    // 421 while down: soft_down published, a transition.
    const auto soft = tracker.observe(key, replied(ProbePhase::banner, 421, "421 busy"), 16s, 0);
    REQUIRE(soft.has_value());
    CHECK(soft->to == Health::soft_down);
    CHECK(tracker.find(key)->next_due == 16s + 8s); // B(1)
    // Unknown keys are ignored.
    CHECK_FALSE(tracker.observe("nope", ok(), 20s, 0).has_value());
    // Three successes bring it up.
    CHECK_FALSE(tracker.observe(key, ok(), 24s, 0));
    CHECK(tracker.find(key)->next_due == 26s);
    CHECK_FALSE(tracker.observe(key, ok(), 26s, 0));
    const auto up = tracker.observe(key, ok(), 28s, 0);
    REQUIRE(up.has_value());
    CHECK(up->to == Health::up);
}

TEST_CASE("health: a reload keeps the state of kept targets and adds new ones in the initial "
          "state") {
    HealthConfig c = config_for_tests();
    HealthTracker tracker{c};
    ProbeTarget a = target("mx1.example.com.", "192.0.2.1");
    const ProbeTarget b = target("mx2.example.com.", "192.0.2.2");
    tracker.set_targets({a, b}, 0ms);
    tracker.observe(target_key(a), failed(ProbePhase::connect, ProbeError::refused), 1s, 0);
    REQUIRE(tracker.find(target_key(a))->state.state == Health::down);

    a.tlsa.push_back(TlsaRecord{3, 1, 1, {1, 2, 3}});
    const ProbeTarget fresh = target("mx3.example.com.", "192.0.2.3");
    tracker.set_targets({a, fresh, a}, 50s);
    CHECK(tracker.targets().size() == 2);
    CHECK(tracker.find(target_key(b)) == nullptr);
    const TargetStatus* kept = tracker.find(target_key(a));
    REQUIRE(kept != nullptr);
    CHECK(kept->state.state == Health::down);
    CHECK(kept->target.tlsa.size() == 1);
    CHECK(kept->last_change_at == 1s);
    const TargetStatus* added = tracker.find(target_key(fresh));
    REQUIRE(added != nullptr);
    CHECK(added->next_due == 50s);
    CHECK_FALSE(added->state.probed);
}

TEST_CASE("health: exchanges aggregate their addresses (any or all) with stable_for_s") {
    const HealthConfig base = config_for_tests();
    const ProbeTarget v4 = target("mx1.example.com.", "192.0.2.1");
    const ProbeTarget v6 = target("mx1.example.com.", "2001:db8::1");
    struct Row {
        std::string what;
        ExchangeUpWhen when;
        std::vector<char> v4_results; // U up, G degraded, S soft_down, D down
        std::vector<char> v6_results;
        Health state;
        bool changing;
        std::uint32_t stable_for_s;
    };
    // Every probe is at t = 0 with random 1000 (no spread offset, full jitter); the snapshot is
    // taken at t = 0 too. Steady up: next probe in 10 s, then fall - 1 = 1 fast check (2 s).
    const std::vector<Row> rows = {
        {"any: both up", ExchangeUpWhen::any, {'U'}, {'U'}, Health::up, false, 12},
        {"any: one up is enough", ExchangeUpWhen::any, {'U'}, {'D'}, Health::up, false, 12},
        {"any: up beats degraded", ExchangeUpWhen::any, {'G'}, {'U'}, Health::up, false, 12},
        {"any: degraded when no address is plainly up",
         ExchangeUpWhen::any,
         {'G'},
         {'D'},
         Health::degraded,
         false,
         12},
        // Down: B(0) + jitter = 5 s, then rise - 1 = 2 fast checks (4 s); first address up wins.
        {"any: all down", ExchangeUpWhen::any, {'D'}, {'D'}, Health::down, false, 9},
        {"any: soft_down beats down",
         ExchangeUpWhen::any,
         {'S'},
         {'D'},
         Health::soft_down,
         false,
         9},
        // One failure on the only up address: 2 s to the next check, and then it may flip.
        {"any: the last up address is failing",
         ExchangeUpWhen::any,
         {'U', 'D'},
         {'D'},
         Health::up,
         true,
         2},
        {"any: one of two up addresses failing is not a change",
         ExchangeUpWhen::any,
         {'U', 'D'},
         {'U'},
         Health::up,
         false,
         12},
        {"all: one down is down", ExchangeUpWhen::all, {'U'}, {'D'}, Health::down, false, 9},
        {"all: worst of the up ones",
         ExchangeUpWhen::all,
         {'U'},
         {'G'},
         Health::degraded,
         false,
         12},
        {"all: one failing address is a change",
         ExchangeUpWhen::all,
         {'U', 'D'},
         {'U'},
         Health::up,
         true,
         2},
        {"all: down waits for the last address",
         ExchangeUpWhen::all,
         {'D', 'U'},
         {'D'},
         Health::down,
         false,
         9},
    };
    auto health = [](char letter) {
        return letter == 'D'   ? Health::down
               : letter == 'S' ? Health::soft_down
               : letter == 'G' ? Health::degraded
                               : Health::up;
    };
    auto report_for = [&](char letter) {
        switch (health(letter)) {
        case Health::down:
            return failed(ProbePhase::connect, ProbeError::refused);
        case Health::soft_down:
            return replied(ProbePhase::banner, 421, "421 busy");
        case Health::degraded:
            return ok(false);
        case Health::up:
            break;
        }
        return ok();
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        HealthConfig c = base;
        c.exchange_up_when = row.when;
        HealthTracker tracker{c};
        tracker.set_targets({v4, v6}, 0ms);
        for (const char r : row.v4_results) {
            tracker.observe(target_key(v4), report_for(r), 0ms, 1000);
        }
        for (const char r : row.v6_results) {
            tracker.observe(target_key(v6), report_for(r), 0ms, 1000);
        }
        const HealthSnapshot snap = tracker.snapshot(0ms);
        REQUIRE(snap.exchanges.count("mx1.example.com.") == 1);
        const ExchangeHealth& h = snap.exchanges.at("mx1.example.com.");
        CHECK(h.state == row.state);
        CHECK(h.changing == row.changing);
        CHECK(h.stable_for_s == row.stable_for_s);
    }
}

TEST_CASE("health: stable_for_s counts down with time and never goes below zero") {
    HealthTracker tracker{config_for_tests()};
    const ProbeTarget t = target("mx1.example.com.", "192.0.2.1");
    tracker.set_targets({t}, 0ms);
    tracker.observe(target_key(t), ok(), 0ms, 1000); // next at 10 s
    CHECK(tracker.snapshot(0ms).exchanges.at("mx1.example.com.").stable_for_s == 12);
    CHECK(tracker.snapshot(7s).exchanges.at("mx1.example.com.").stable_for_s == 5);
    // The probe is late (running): only the fast checks after it are left.
    CHECK(tracker.snapshot(60s).exchanges.at("mx1.example.com.").stable_for_s == 2);
}

TEST_CASE("health: only a change of state or of changing marks the snapshot for publishing") {
    HealthTracker tracker{config_for_tests()};
    const ProbeTarget t = target("mx1.example.com.", "192.0.2.1");
    const std::string key = target_key(t);
    tracker.set_targets({t}, 0ms);
    CHECK(tracker.take_changes()); // new targets
    CHECK_FALSE(tracker.take_changes());
    tracker.observe(key, ok(), 0ms, 0); // first result: probed, no longer changing
    CHECK(tracker.take_changes());
    tracker.observe(key, ok(), 10s, 0); // steady: only the schedule moves
    CHECK_FALSE(tracker.take_changes());
    tracker.observe(key, failed(ProbePhase::connect, ProbeError::refused), 20s, 0);
    CHECK(tracker.take_changes()); // still up, but changing
    tracker.observe(key, failed(ProbePhase::connect, ProbeError::refused), 22s, 0);
    CHECK(tracker.take_changes()); // down
    tracker.observe(key, failed(ProbePhase::connect, ProbeError::refused), 26s, 0);
    CHECK_FALSE(tracker.take_changes()); // down and staying down
    tracker.set_targets({t}, 30s);
    CHECK(tracker.take_changes()); // a reload
}

TEST_CASE("health: the state dump names every target with reason, phase and times") {
    HealthTracker tracker{config_for_tests()};
    const ProbeTarget t = target("mx1.example.com.", "192.0.2.1");
    const ProbeTarget u = target("mx2.example.com.", "2001:db8::2");
    tracker.set_targets({t, u}, 0ms);
    ProbeReport r = replied(ProbePhase::banner, 554, "554 \"no\"");
    r.latency = 12ms;
    tracker.observe(target_key(t), r, 5s, 0);
    const std::string json = tracker.dump_json(6s);
    CHECK(json ==
          "{\"now_ms\":6000,\"targets\":["
          "{\"key\":\"mx1.example.com./192.0.2.1:25\",\"exchange\":\"mx1.example.com.\","
          "\"address\":\"192.0.2.1\",\"port\":25,\"state\":\"down\",\"probed\":true,"
          "\"reason\":\"permanent failure: 554 \\\"no\\\"\",\"phase\":\"banner\","
          "\"last_change_ms\":5000,\"last_probe_ms\":5000,\"latency_ms\":12,\"failures\":0,"
          "\"successes\":0,\"next_probe_ms\":9000},"
          "{\"key\":\"mx2.example.com./[2001:db8::2]:25\",\"exchange\":\"mx2.example.com.\","
          "\"address\":\"2001:db8::2\",\"port\":25,\"state\":\"up\",\"probed\":false,"
          "\"reason\":\"\",\"phase\":\"none\",\"last_change_ms\":0,\"last_probe_ms\":0,"
          "\"latency_ms\":0,\"failures\":0,\"successes\":0,\"next_probe_ms\":0}],"
          "\"exchanges\":{\"mx1.example.com.\":{\"state\":\"down\",\"stable_for_s\":7,"
          "\"changing\":false},\"mx2.example.com.\":{\"state\":\"up\",\"stable_for_s\":0,"
          "\"changing\":true}}}\n");
}

TEST_CASE("health: config validation names the key, the bound and the value") {
    CHECK(validate(HealthConfig{}).empty());
    HealthConfig c;
    c.fall = 0;
    c.spread = 5s;
    c.interval = 3s;
    c.verify = Verify::dane;
    c.starttls = StartTls::off;
    const auto problems = validate(c);
    REQUIRE(problems.size() == 3);
    CHECK(problems[0] == "health.spread must be >= 0 and < interval (3000 ms), got 5000");
    CHECK(problems[1] == "health.fall must be >= 1, got 0");
    CHECK(problems[2] == "health.verify needs health.starttls 'opportunistic' or 'required', "
                         "got 'off'");
}
