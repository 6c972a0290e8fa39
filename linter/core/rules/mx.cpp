// MX rules: exchanges that are address literals, aliases or have no address; null MX misuse;
// forgotten trailing dots; exchanges outside the zone.
// SPDX-License-Identifier: MIT
#include "../name.hpp"
#include "../rules.hpp"
#include "../text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <span>

namespace mxsteer::lint {

namespace {

bool is_octet(std::string_view label) {
    if (label.empty() || label.size() > 3 ||
        !std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    unsigned value = 0;
    std::from_chars(label.data(), label.data() + label.size(), value);
    return value <= 255;
}

// "192.0.2.25." or, written relative, "192.0.2.25.<origin>": the address, else nullopt.
std::optional<std::string> ipv4_literal(std::string_view exchange, std::string_view origin) {
    if (exchange.empty() || exchange.front() < '0' || exchange.front() > '9') {
        return std::nullopt; // the first label is no octet: the common case, decided at once
    }
    const auto labels = split_labels(exchange);
    if (labels.size() < 4 || !std::all_of(labels.begin(), labels.begin() + 4, is_octet)) {
        return std::nullopt;
    }
    std::string rest;
    for (std::size_t i = 4; i < labels.size(); ++i) {
        rest += std::string{labels[i]} + ".";
    }
    if (rest.empty() || rest == origin) {
        return fmt::format("{}.{}.{}.{}", labels[0], labels[1], labels[2], labels[3]);
    }
    return std::nullopt;
}

// Top-level labels that, found right before the origin, suggest "mail.example.net" was written
// without its final dot.
constexpr std::array<std::string_view, 28> common_tlds{
    "com", "net", "org", "edu", "gov", "mil", "int", "io",     "info", "biz",
    "de",  "uk",  "eu",  "fr",  "nl",  "ch",  "at",  "be",     "it",   "es",
    "se",  "no",  "dk",  "us",  "ca",  "au",  "jp",  "example"};

// RFC 1035 §5.1: a name without a final dot is relative. "mail.example.net.example.com." in
// the zone example.com. is most likely "mail.example.net." that lost its dot.
bool looks_like_missing_dot(std::string_view exchange, std::string_view origin) {
    if (origin == "." || exchange.size() <= origin.size() + 1) {
        return false;
    }
    const std::string prefix{exchange.substr(0, exchange.size() - origin.size())};
    const auto labels = split_labels(prefix);
    if (labels.size() < 2) {
        return false;
    }
    const auto origin_labels = split_labels(origin);
    const auto last = labels.back();
    return std::find(common_tlds.begin(), common_tlds.end(), last) != common_tlds.end() ||
           (!origin_labels.empty() && last == origin_labels.back());
}

struct MxRecord {
    const Record* record;
    MxRdata mx;
};

struct Problem {
    std::string_view rule;
    std::string message;
};

// What is wrong with one (non-null) exchange of an MX set. `who()` names it in messages ("MX
// exchange 'mx1.example.com.'"), called only for a finding; `holder` is what to repoint ("the
// MX", "the pool"). An exchange outside the zone is not reported again once it is in
// `out_of_zone_reported`.
template <class Who>
std::vector<Problem>
exchange_problems(const Zone& zone, const std::string& exchange, const Who& who,
                  std::string_view holder,
                  const std::set<std::string, std::less<>>& out_of_zone_reported) {
    std::vector<Problem> out;
    // RFC 1035 §3.3.9 / RFC 5321 §5.1: the exchange is a host name, never an address.
    if (auto ip = ipv4_literal(exchange, zone.origin())) {
        const bool relative = exchange != *ip + ".";
        out.push_back(
            {"mx-target-is-ip",
             relative
                 ? fmt::format("{} is the IPv4 address {} written without a final dot; an "
                               "exchange must be a host name",
                               who(), *ip)
                 : fmt::format("{} is an IPv4 address; an exchange must be a host name", who())});
        return out;
    }
    if (!zone.in_zone(exchange) || zone.below_cut(exchange)) {
        if (out_of_zone_reported.contains(exchange)) {
            return out;
        }
        out.push_back({"mx-target-out-of-zone",
                       fmt::format("{} is outside the zone '{}' and cannot be verified offline",
                                   who(), zone.origin())});
        return out;
    }
    // Most exchanges exist: test that first, since the look of the name costs allocations.
    const bool exists = zone.exists(exchange);
    if (!exists && looks_like_missing_dot(exchange, zone.origin())) {
        out.push_back(
            {"name-missing-trailing-dot",
             fmt::format("{} looks like '{}.' without its final dot", who(),
                         exchange.substr(0, exchange.size() - zone.origin().size() - 1))});
    }
    // RFC 2181 §10.3: the exchange must not be an alias. A wildcard CNAME that would
    // synthesise the name counts too (RFC 4592 §4.3).
    std::string source = exchange;
    std::string via;
    if (!exists) {
        if (auto wildcard = zone.covering_wildcard(exchange)) {
            source = *wildcard;
            via = fmt::format(" (through the wildcard '{}')", *wildcard);
        }
    }
    if (zone.has_type(source, rrtype::cname)) {
        out.push_back({"mx-target-cname",
                       fmt::format("{} is an alias (CNAME){}; point {} at the canonical name",
                                   who(), via, holder)});
        return out;
    }
    // RFC 5321 §5.1: the exchange needs an address record.
    if (!zone.has_type(source, rrtype::a) && !zone.has_type(source, rrtype::aaaa)) {
        out.push_back({"mx-target-no-address",
                       zone.exists(source)
                           ? fmt::format("{}{} exists but has no A or AAAA record", who(), via)
                           : fmt::format("{} does not exist in the zone", who())});
    }
    return out;
}

} // namespace

std::vector<const SteeredExchange*> steered_members(const Zone& zone, const LintOptions& options,
                                                    std::string_view owner) {
    std::vector<const SteeredExchange*> out;
    const auto it = options.steered.find(owner);
    if (it == options.steered.end() || !zone.in_zone(owner) || zone.below_cut(owner)) {
        return out;
    }
    const auto canonical = mx_targets(zone, owner);
    for (const SteeredExchange& member : it->second) {
        const auto named = [&](std::string_view exchange) { return exchange == member.exchange; };
        if (std::any_of(canonical.begin(), canonical.end(),
                        [&](const MxTarget& t) { return named(t.exchange); }) ||
            std::any_of(out.begin(), out.end(),
                        [&](const SteeredExchange* m) { return named(m->exchange); })) {
            continue;
        }
        out.push_back(&member);
    }
    return out;
}

std::string describe_member(std::string_view owner, const SteeredExchange& member) {
    return fmt::format("steering pool member {} of {}", quoted(member.exchange), quoted(owner));
}

std::vector<MxTarget> mx_targets(const Zone& zone, std::optional<std::string_view> owner) {
    std::vector<MxTarget> out;
    if (owner) {
        // One name's MX set is short: a linear search deduplicates it.
        for (const Record* record : zone.records_at(*owner, rrtype::mx)) {
            auto mx = decode_mx(zone.rdata(*record));
            if (mx && mx->exchange != "." &&
                std::none_of(out.begin(), out.end(), [&](const MxTarget& target) {
                    return target.exchange == mx->exchange;
                })) {
                out.push_back(MxTarget{std::move(mx->exchange), record});
            }
        }
        return out;
    }
    std::set<std::string, std::less<>> seen;
    auto add = [&](const Record& record) {
        auto mx = decode_mx(zone.rdata(record));
        if (mx && mx->exchange != "." && seen.insert(mx->exchange).second) {
            out.push_back(MxTarget{std::move(mx->exchange), &record});
        }
    };
    for (const auto& record : zone.records()) {
        if (record.type == rrtype::mx) {
            add(record);
        }
    }
    return out;
}

std::vector<MailDomain> mail_domains(const Zone& zone) {
    // Found and sorted once by Zone::finish().
    const auto ids = zone.mail_domain_ids();
    std::vector<MailDomain> out;
    out.reserve(ids.size());
    for (const auto& domain : ids) {
        out.push_back(MailDomain{zone.name(domain.name), &zone.records()[domain.first_mx]});
    }
    return out;
}

std::vector<Diagnostic> check_mx(const Zone& zone, const LintOptions& options) {
    std::vector<Diagnostic> out;
    // The decodable MX records grouped by owner (name index order), in zone order within an
    // owner: a stable sort rather than a map of vectors.
    std::vector<MxRecord> all;
    for (const auto& record : zone.records()) {
        if (record.type != rrtype::mx) {
            continue;
        }
        if (auto mx = decode_mx(zone.rdata(record))) {
            all.push_back(MxRecord{&record, std::move(*mx)});
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const MxRecord& a, const MxRecord& b) {
        return a.record->name < b.record->name;
    });
    // An exchange outside the zone is reported once, where it is first seen.
    std::set<std::string, std::less<>> out_of_zone_reported;
    auto reported_before = [&](const Problem& problem, const std::string& exchange) {
        return problem.rule == "mx-target-out-of-zone" &&
               !out_of_zone_reported.insert(exchange).second;
    };
    std::set<std::string, std::less<>> checked; // steered owners whose members were checked
    // RULES.md "Steering": the exchanges steering may add to `owner`'s MX set need what an MX
    // exchange needs; findings point at the config line that names them.
    auto check_members = [&](std::string_view owner) {
        for (const SteeredExchange* member : steered_members(zone, options, owner)) {
            const auto who = [&] { return describe_member(owner, *member); };
            for (auto& problem :
                 exchange_problems(zone, member->exchange, who, "the pool", out_of_zone_reported)) {
                if (reported_before(problem, member->exchange)) {
                    continue;
                }
                out.push_back(
                    make_steered_finding(problem.rule, owner, *member, std::move(problem.message)));
            }
        }
        checked.insert(std::string{owner});
    };

    for (std::size_t begin = 0, end = 0; begin < all.size(); begin = end) {
        end = begin + 1;
        while (end < all.size() && all[end].record->name == all[begin].record->name) {
            ++end;
        }
        const std::span<const MxRecord> set{all.data() + begin, end - begin};
        const auto owner = zone.owner(*set.front().record);
        const auto null_count = static_cast<std::size_t>(std::count_if(
            set.begin(), set.end(), [](const MxRecord& m) { return m.mx.exchange == "."; }));

        for (const auto& [record, mx] : set) {
            const std::string& exchange = mx.exchange;
            if (exchange == ".") {
                // RFC 7505 §3: the null MX is "0 ." and stands alone.
                if (mx.preference != 0) {
                    out.push_back(
                        make_finding("null-mx-nonzero-pref", zone, *record,
                                     fmt::format("null MX of '{}' has preference {}, expected 0",
                                                 owner, mx.preference)));
                }
                if (set.size() > null_count || null_count > 1) {
                    out.push_back(make_finding(
                        "null-mx-mixed", zone, *record,
                        fmt::format("'{}' publishes a null MX beside {} other MX record(s); "
                                    "a null MX must be the only MX record",
                                    owner, set.size() - 1)));
                }
                continue;
            }
            const auto who = [&] { return fmt::format("MX exchange '{}'", exchange); };
            for (auto& problem :
                 exchange_problems(zone, exchange, who, "the MX", out_of_zone_reported)) {
                if (reported_before(problem, exchange)) {
                    continue;
                }
                out.push_back(
                    make_finding(problem.rule, zone, *record, std::move(problem.message)));
            }
        }
        bool steered = false;
        if (!options.steered.empty()) {
            steered = !steered_members(zone, options, owner).empty();
            check_members(owner);
        }
        // Advice: a second exchange keeps mail flowing while one is down (RFC 5321 §5.1).
        // Steering pool members beyond the MX records count as exchanges (RULES.md "Steering").
        if (set.size() == 1 && null_count == 0 && !steered) {
            out.push_back(make_finding(
                "mx-single", zone, *set.front().record,
                fmt::format("'{}' has a single MX exchange; a second one keeps mail flowing "
                            "while it is down",
                            owner)));
        }
    }
    // Steered owners without MX records here (the steering check reports that) still have
    // their members checked.
    for (const auto& entry : options.steered) {
        if (!checked.contains(entry.first)) {
            check_members(entry.first);
        }
    }
    return out;
}

} // namespace mxsteer::lint
