// Health state: classification, gdnsd-style hysteresis, scheduling and the snapshot for steer().
// SPDX-License-Identifier: MIT
#include "health.hpp"

#include "json_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace mxsteer::core {

namespace {

bool is_success(Health health) {
    return health == Health::up || health == Health::degraded;
}

unsigned at_least_one(unsigned n) {
    return std::max(n, 1U);
}

// Milliseconds from `random`, uniform in [0, span].
Millis uniform(std::uint64_t random, Millis span) {
    if (span.count() <= 0) {
        return Millis{0};
    }
    const auto range = static_cast<std::uint64_t>(span.count()) + 1;
    return Millis{static_cast<Millis::rep>(random % range)};
}

std::string_view starttls_word(StartTls mode) {
    return mode == StartTls::required ? "required" : "opportunistic";
}

} // namespace

std::vector<std::string> validate(const HealthConfig& c) {
    std::vector<std::string> problems;
    auto positive = [&](std::string_view name, Millis value) {
        if (value.count() <= 0) {
            problems.push_back(
                fmt::format("health.{} must be > 0 ms, got {}", name, value.count()));
        }
    };
    positive("interval", c.interval);
    positive("fast_interval", c.fast_interval);
    positive("backoff_base", c.backoff_base);
    positive("backoff_max", c.backoff_max);
    positive("timeouts.connect", c.timeouts.connect);
    positive("timeouts.banner", c.timeouts.banner);
    positive("timeouts.ehlo", c.timeouts.ehlo);
    positive("timeouts.starttls", c.timeouts.starttls);
    positive("timeouts.tls_handshake", c.timeouts.tls_handshake);
    positive("timeouts.quit", c.timeouts.quit);
    if (c.spread.count() < 0 || c.spread >= c.interval) {
        problems.push_back(fmt::format("health.spread must be >= 0 and < interval ({} ms), got {}",
                                       c.interval.count(), c.spread.count()));
    }
    if (c.backoff_jitter.count() < 0) {
        problems.push_back(
            fmt::format("health.backoff_jitter must be >= 0 ms, got {}", c.backoff_jitter.count()));
    }
    if (c.backoff_max < c.backoff_base) {
        problems.push_back(fmt::format("health.backoff_max must be >= backoff_base ({} ms), got {}",
                                       c.backoff_base.count(), c.backoff_max.count()));
    }
    if (!(c.backoff_factor >= 1.0 && c.backoff_factor <= 100.0)) {
        problems.push_back(
            fmt::format("health.backoff_factor must be in [1, 100], got {}", c.backoff_factor));
    }
    for (const auto& [name, value] : {std::pair<std::string_view, unsigned>{"rise", c.rise},
                                      {"fall", c.fall},
                                      {"ok_after", c.ok_after}}) {
        if (value < 1) {
            problems.push_back(fmt::format("health.{} must be >= 1, got {}", name, value));
        }
    }
    if (c.max_concurrent < 1) {
        problems.push_back("health.max_concurrent must be >= 1, got 0");
    }
    if (c.port == 0) {
        problems.push_back("health.port must be in [1, 65535], got 0");
    }
    if (c.max_snapshot_age_s < 1) {
        problems.push_back(
            fmt::format("health.max_snapshot_age must be >= 1 s, got {}", c.max_snapshot_age_s));
    }
    if (c.verify != Verify::none && c.starttls == StartTls::off) {
        problems.push_back("health.verify needs health.starttls 'opportunistic' or 'required', got "
                           "'off'");
    }
    return problems;
}

std::string target_key(const ProbeTarget& target) {
    if (target.address.find(':') != std::string::npos) {
        return fmt::format("{}/[{}]:{}", target.exchange, target.address, target.port);
    }
    return fmt::format("{}/{}:{}", target.exchange, target.address, target.port);
}

std::string_view to_string(ProbePhase phase) {
    switch (phase) {
    case ProbePhase::connect:
        return "connect";
    case ProbePhase::banner:
        return "banner";
    case ProbePhase::ehlo:
        return "ehlo";
    case ProbePhase::starttls:
        return "starttls";
    case ProbePhase::tls_handshake:
        return "tls_handshake";
    case ProbePhase::certificate:
        return "certificate";
    case ProbePhase::quit:
        return "quit";
    case ProbePhase::done:
        return "done";
    }
    return "unknown";
}

std::string_view to_string(ProbeError error) {
    switch (error) {
    case ProbeError::none:
        return "none";
    case ProbeError::timeout:
        return "timeout";
    case ProbeError::refused:
        return "connection refused";
    case ProbeError::reset:
        return "connection reset";
    case ProbeError::closed:
        return "connection closed";
    case ProbeError::protocol:
        return "malformed reply";
    case ProbeError::network:
        return "network error";
    case ProbeError::tls:
        return "TLS handshake failed";
    }
    return "unknown";
}

ProbeResult classify(const ProbeReport& r, const HealthConfig& config) {
    const bool required = config.starttls == StartTls::required;
    auto with_detail = [&](std::string_view what) {
        return r.detail.empty() ? std::string{what} : fmt::format("{}: {}", what, r.detail);
    };
    // Whatever happens after QUIT was sent, the dialogue a sender needs has succeeded.
    const bool quitting = r.phase == ProbePhase::quit || r.phase == ProbePhase::done;
    if (r.error != ProbeError::none && !quitting) {
        if (r.error == ProbeError::tls && !required) {
            // An opportunistic sender falls back to plain text after a failed handshake.
            return {Health::degraded, r.phase, with_detail(to_string(r.error))};
        }
        return {Health::down, r.phase, with_detail(to_string(r.error))};
    }
    if (r.reply_code != 0 && !quitting) {
        if (r.phase == ProbePhase::starttls && !required) {
            return {Health::degraded, r.phase, with_detail("STARTTLS refused")};
        }
        if (r.reply_code >= 400 && r.reply_code < 500) {
            return {Health::soft_down, r.phase, with_detail("temporary failure")};
        }
        if (r.reply_code >= 500 && r.reply_code < 600) {
            return {Health::down, r.phase, with_detail("permanent failure")};
        }
        return {Health::down, r.phase, with_detail("unexpected reply")};
    }
    if (config.starttls != StartTls::off && !r.starttls_offered) {
        return {
            required ? Health::down : Health::degraded, ProbePhase::ehlo,
            fmt::format("STARTTLS not offered (starttls = {})", starttls_word(config.starttls))};
    }
    if (config.verify != Verify::none && r.certificate_error) {
        return {required ? Health::down : Health::degraded, ProbePhase::certificate,
                fmt::format("certificate check failed: {}", *r.certificate_error)};
    }
    return {Health::up, ProbePhase::done, {}};
}

AddressState initial_address_state(const HealthConfig& config) {
    AddressState s;
    s.state = config.initial_state;
    s.up = is_success(config.initial_state);
    return s;
}

AddressState advance(const AddressState& state, Health result, const HealthConfig& config) {
    const bool success = is_success(result);
    AddressState next = state;
    if (!state.probed) {
        // The first result is taken as it is (gdnsd's initial round).
        next = AddressState{result, true, success, 0, 0, success ? 0U : 1U};
        return next;
    }
    if (state.up) {
        if (success) {
            next.state = result;
            if (next.failures > 0 && ++next.successes >= at_least_one(config.ok_after)) {
                next.failures = 0;
                next.successes = 0;
            }
        } else {
            next.successes = 0;
            if (++next.failures >= at_least_one(config.fall)) {
                next = AddressState{result, true, false, 0, 0, 1};
            }
        }
        return next;
    }
    if (success) {
        next.down_probes = 0; // the backoff resets on the first success
        if (++next.successes >= at_least_one(config.rise)) {
            next = AddressState{result, true, true, 0, 0, 0};
        }
    } else {
        next.state = result;
        next.successes = 0;
        ++next.down_probes;
    }
    return next;
}

unsigned checks_left(const AddressState& state, const HealthConfig& config) {
    if (!state.probed) {
        return 1;
    }
    if (state.up) {
        return at_least_one(config.fall) - std::min(state.failures, at_least_one(config.fall) - 1);
    }
    return at_least_one(config.rise) - std::min(state.successes, at_least_one(config.rise) - 1);
}

bool changing(const AddressState& state) {
    return !state.probed || (state.up && state.failures > 0) || (!state.up && state.successes > 0);
}

Millis backoff(unsigned n, const HealthConfig& config) {
    double delay = static_cast<double>(config.backoff_base.count());
    const auto cap = static_cast<double>(config.backoff_max.count());
    for (unsigned i = 0; i < n && delay < cap; ++i) {
        delay *= config.backoff_factor;
    }
    return Millis{static_cast<Millis::rep>(std::min(delay, cap))};
}

Millis next_delay(const AddressState& state, const HealthConfig& config, std::uint64_t random) {
    if (!state.probed) {
        return Millis{0};
    }
    if (!state.up && state.successes == 0) {
        const unsigned n = state.down_probes > 0 ? state.down_probes - 1 : 0;
        return backoff(n, config) + uniform(random, config.backoff_jitter);
    }
    if (changing(state)) {
        return config.fast_interval;
    }
    const Millis spread = std::max(config.spread, Millis{0});
    const Millis delay = config.interval - spread + uniform(random, 2 * spread);
    return std::max(delay, Millis{1});
}

HealthTracker::HealthTracker(HealthConfig config) : config_(std::move(config)) {}

void HealthTracker::set_targets(std::vector<ProbeTarget> targets, Millis now) {
    std::map<std::string, TargetStatus, std::less<>> next;
    for (auto& target : targets) {
        std::string key = target_key(target);
        if (next.count(key) != 0) {
            continue;
        }
        auto old = targets_.find(key);
        if (old != targets_.end()) {
            TargetStatus kept = std::move(old->second);
            kept.target = std::move(target);
            next.emplace(std::move(key), std::move(kept));
            continue;
        }
        TargetStatus status;
        status.target = std::move(target);
        status.state = initial_address_state(config_);
        status.last_change_at = now;
        status.next_due = now;
        next.emplace(std::move(key), std::move(status));
    }
    targets_ = std::move(next);
    changed_ = true;
}

std::optional<Transition> HealthTracker::observe(std::string_view key, const ProbeReport& report,
                                                 ProbeResult result, Millis now,
                                                 std::uint64_t random) {
    const auto it = targets_.find(key);
    if (it == targets_.end()) {
        return std::nullopt;
    }
    TargetStatus& status = it->second;
    const AddressState before = status.state;
    status.state = advance(before, result.state, config_);
    changed_ = changed_ || status.state.up != before.up || status.state.state != before.state ||
               changing(status.state) != changing(before);
    status.latency = report.latency;
    status.last_probe_at = now;
    status.next_due = now + next_delay(status.state, config_, random);
    status.last = std::move(result);
    if (status.state.state == before.state) {
        return std::nullopt;
    }
    status.last_change_at = now;
    return Transition{it->first, before.state, status.state.state, *status.last};
}

bool HealthTracker::take_changes() {
    return std::exchange(changed_, false);
}

const TargetStatus* HealthTracker::find(std::string_view key) const {
    const auto it = targets_.find(key);
    return it == targets_.end() ? nullptr : &it->second;
}

namespace {

struct AddressView {
    bool up = true;
    Health state = Health::up;
    Millis stable{0};
    bool changing = false;
};

Health worse(Health a, Health b) {
    return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}
Health better(Health a, Health b) {
    return static_cast<int>(a) <= static_cast<int>(b) ? a : b;
}

// The per-exchange view. With `any`, an up exchange flips when its last up address flips: it
// holds as long as the longest of them, and is changing only if all of them are; a down one
// flips with its first address up: the shortest. `all` mirrors this.
ExchangeHealth aggregate(const std::vector<AddressView>& addresses, ExchangeUpWhen when) {
    const bool any_up =
        std::any_of(addresses.begin(), addresses.end(), [](const AddressView& a) { return a.up; });
    const bool all_up =
        std::all_of(addresses.begin(), addresses.end(), [](const AddressView& a) { return a.up; });
    const bool any = when == ExchangeUpWhen::any;
    // Which addresses decide, whether the state is their best or worst, and whether the flip
    // needs all of them (longest) or one (shortest).
    const bool only_up = any && any_up;
    const bool only_down = !any && !all_up;
    const bool longest = only_up || only_down;
    const bool best = any;
    std::optional<Health> state;
    Millis stable = longest ? Millis{0} : Millis::max();
    bool changing = longest;
    for (const AddressView& a : addresses) {
        if ((only_up && !a.up) || (only_down && a.up)) {
            continue;
        }
        state = !state ? a.state : (best ? better(*state, a.state) : worse(*state, a.state));
        if (longest) {
            stable = std::max(stable, a.stable);
            changing = changing && a.changing;
        } else {
            stable = std::min(stable, a.stable);
            changing = changing || a.changing;
        }
    }
    if (!state) {
        return ExchangeHealth{}; // no address: as without health checks
    }
    const auto seconds = std::clamp<Millis::rep>(stable.count() / 1000, 0,
                                                 std::numeric_limits<std::uint32_t>::max());
    return ExchangeHealth{*state, static_cast<std::uint32_t>(seconds), changing};
}

} // namespace

HealthSnapshot HealthTracker::snapshot(Millis now) const {
    std::map<std::string_view, std::vector<AddressView>> by_exchange;
    for (const auto& [key, status] : targets_) {
        AddressView view;
        view.up = status.state.up;
        view.state = status.state.state;
        view.changing = changing(status.state);
        const Millis until_next = std::max(status.next_due - now, Millis{0});
        view.stable = until_next + (checks_left(status.state, config_) - 1) * config_.fast_interval;
        by_exchange[status.target.exchange].push_back(view);
    }
    HealthSnapshot snapshot;
    snapshot.checking = true;
    snapshot.taken_at_s = now.count() / 1000;
    snapshot.max_age_s = config_.max_snapshot_age_s;
    for (const auto& [exchange, views] : by_exchange) {
        snapshot.exchanges.emplace(std::string{exchange},
                                   aggregate(views, config_.exchange_up_when));
    }
    return snapshot;
}

std::string HealthTracker::dump_json(Millis now) const {
    std::string out = fmt::format("{{\"now_ms\":{},\"targets\":[", now.count());
    bool first = true;
    for (const auto& [key, s] : targets_) {
        out += first ? "" : ",";
        first = false;
        out += "{\"key\":";
        append_json_string(out, key);
        out += ",\"exchange\":";
        append_json_string(out, s.target.exchange);
        out += ",\"address\":";
        append_json_string(out, s.target.address);
        out += fmt::format(",\"port\":{},\"state\":\"{}\",\"probed\":{}", s.target.port,
                           to_string(s.state.state), s.state.probed);
        out += ",\"reason\":";
        append_json_string(out, s.last ? s.last->reason : std::string{});
        out += fmt::format(",\"phase\":\"{}\"", s.last ? to_string(s.last->phase) : "none");
        out += fmt::format(",\"last_change_ms\":{},\"last_probe_ms\":{},\"latency_ms\":{}",
                           s.last_change_at.count(), s.last_probe_at.count(), s.latency.count());
        out += fmt::format(",\"failures\":{},\"successes\":{},\"next_probe_ms\":{}}}",
                           s.state.failures, s.state.successes, s.next_due.count());
    }
    out += "],\"exchanges\":{";
    first = true;
    const HealthSnapshot snap = snapshot(now);
    std::map<std::string_view, const ExchangeHealth*> sorted;
    for (const auto& [name, health] : snap.exchanges) {
        sorted.emplace(name, &health);
    }
    for (const auto& [name, health] : sorted) {
        out += first ? "" : ",";
        first = false;
        append_json_string(out, name);
        out += fmt::format(":{{\"state\":\"{}\",\"stable_for_s\":{},\"changing\":{}}}",
                           to_string(health->state), health->stable_for_s, health->changing);
    }
    out += "}}\n";
    return out;
}

} // namespace mxsteer::core
