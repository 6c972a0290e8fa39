// Rule group tlsa: TLSA records and SMTP DANE coverage of the MX set (RFC 6698, RFC 7672).
// SPDX-License-Identifier: MIT
#include "../name.hpp"
#include "../rules.hpp"
#include "../text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace mxsteer::lint {

namespace {

// RFC 7672 §2.2.3: the TLSA base domain of an SMTP server is _25._tcp.<exchange>.
constexpr std::string_view smtp_prefix = "_25._tcp.";
constexpr std::string_view tcp_prefix = "_tcp.";
// CNAME hops followed from _25._tcp.<exchange> before giving up (loops, long chains).
constexpr int max_alias_hops = 8;

// The host of an SMTP TLSA owner ("_25._tcp.mx1.example.com." -> "mx1.example.com."), or
// nullopt for any other owner.
std::optional<std::string_view> smtp_host(std::string_view owner) {
    if (!owner.starts_with(smtp_prefix) || owner.size() == smtp_prefix.size()) {
        return std::nullopt;
    }
    return owner.substr(smtp_prefix.size());
}

// RFC 6698 §7.2-§7.4 registries: assigned values and the private-use code point 255.
std::string describe_unassigned(std::string_view field, unsigned value, unsigned last_assigned) {
    return fmt::format("{} {} ({}assigned: 0-{})", field, value,
                       value == 255 ? "private use; " : "", last_assigned);
}

// True when `host` has an address, directly or through a wildcard (RFC 4592). An alias is not
// followed: an exchange must not be one (RFC 2181 §10.3, rule mx-target-cname), and DANE then
// looks at the expanded name as well (RFC 7672 §2.2.2), which we do not model.
bool has_address(const Zone& zone, std::string_view host) {
    auto direct = [&zone](std::string_view name) {
        return zone.has_type(name, rrtype::a) || zone.has_type(name, rrtype::aaaa);
    };
    if (direct(host)) {
        return true;
    }
    const auto wildcard = zone.covering_wildcard(host);
    return wildcard && direct(*wildcard);
}

enum class DaneState : std::uint8_t { bare, covered, unknown };

// Whether an SMTP client looking up _25._tcp.<exchange> finds TLSA records: directly, through
// a wildcard (RFC 4592), or at the end of an in-zone CNAME chain (RFC 7672 §2.2.3 allows
// aliases there). A chain leaving the zone cannot be followed offline: unknown. A loop
// resolves to nothing: bare.
DaneState dane_state(const Zone& zone, const std::string& exchange) {
    std::string name = std::string{smtp_prefix} + exchange;
    std::vector<std::string> visited;
    for (int hop = 0; hop <= max_alias_hops; ++hop) {
        if (!zone.in_zone(name) || zone.below_cut(name)) {
            return DaneState::unknown;
        }
        if (std::find(visited.begin(), visited.end(), name) != visited.end()) {
            return DaneState::bare;
        }
        visited.push_back(name);
        std::string holder = name;
        if (!zone.exists(name)) {
            auto wildcard = zone.covering_wildcard(name);
            if (!wildcard) {
                return DaneState::bare;
            }
            holder = std::move(*wildcard);
        }
        if (zone.has_type(holder, rrtype::tlsa)) {
            return DaneState::covered;
        }
        const auto aliases = zone.records_at(holder, rrtype::cname);
        if (aliases.empty()) {
            return DaneState::bare;
        }
        auto target = decode_name(zone.rdata(*aliases.front()));
        if (!target) {
            return DaneState::bare;
        }
        name = std::move(*target);
    }
    return DaneState::unknown;
}

} // namespace

std::vector<Diagnostic> check_tlsa(const Zone& zone, const LintOptions& options) {
    std::vector<Diagnostic> out;
    // SMTP TLSA records whose host must be an exchange (tlsa-orphan), judged after one pass
    // over the MX records has seen which of these hosts are: most zones have few TLSA records
    // and many MX records.
    struct SmtpTlsa {
        const Record* record;
        std::string_view owner;
        std::string_view host;
    };
    std::vector<SmtpTlsa> smtp_tlsa;

    const Record* first_tlsa = nullptr;
    for (const auto& record : zone.records()) {
        if (record.type != rrtype::tlsa) {
            continue;
        }
        const auto owner = zone.owner(record);
        // Data below a zone cut is not served by this zone (RFC 1034 §4.2.1).
        if (zone.below_cut(record)) {
            continue;
        }
        if (first_tlsa == nullptr) {
            first_tlsa = &record;
        }
        const auto tlsa = decode_tlsa(zone.rdata(record));
        if (!tlsa) {
            // RFC 6698 §2.1: usage, selector and matching type come before the data.
            out.push_back(make_finding(
                "tlsa-bad-digest-length", zone, record,
                fmt::format("cannot decode TLSA rdata of {} octets: expected usage, selector, "
                            "matching type and association data",
                            record.rdata_length)));
            continue;
        }

        // RFC 6698 §2.1.3, §2.1.4: the association data is the SHA2-256 (1) or SHA2-512 (2)
        // digest of the selected content, or that content in full (0).
        const auto size = tlsa->data.size();
        if (tlsa->matching_type == 1 && size != 32) {
            out.push_back(make_finding(
                "tlsa-bad-digest-length", zone, record,
                fmt::format("cannot use a {}-octet digest with TLSA matching type 1 (SHA2-256): "
                            "expected 32 octets (64 hex digits)",
                            size)));
        } else if (tlsa->matching_type == 2 && size != 64) {
            out.push_back(make_finding(
                "tlsa-bad-digest-length", zone, record,
                fmt::format("cannot use a {}-octet digest with TLSA matching type 2 (SHA2-512): "
                            "expected 64 octets (128 hex digits)",
                            size)));
        } else if (tlsa->matching_type == 0 && size == 0) {
            out.push_back(make_finding("tlsa-bad-digest-length", zone, record,
                                       "cannot use empty association data with TLSA matching "
                                       "type 0 (Full): expected the certificate or public key"));
        }

        // RFC 6698 §7.2-§7.4: usages 0-3, selectors 0-1, matching types 0-2 are assigned.
        std::vector<std::string> unassigned;
        if (tlsa->usage > 3) {
            unassigned.push_back(describe_unassigned("usage", tlsa->usage, 3));
        }
        if (tlsa->selector > 1) {
            unassigned.push_back(describe_unassigned("selector", tlsa->selector, 1));
        }
        if (tlsa->matching_type > 2) {
            unassigned.push_back(describe_unassigned("matching type", tlsa->matching_type, 2));
        }
        if (!unassigned.empty()) {
            out.push_back(make_finding("tlsa-unknown-params", zone, record,
                                       fmt::format("cannot use unassigned TLSA {}: clients "
                                                   "treat the record as unusable",
                                                   fmt::join(unassigned, ", "))));
        }

        const auto host = smtp_host(owner);
        if (!host) {
            continue;
        }
        // RFC 7672 §3.1.3: SMTP clients treat PKIX-TA(0) and PKIX-EE(1) as unusable.
        if (tlsa->usage == 0 || tlsa->usage == 1) {
            out.push_back(make_finding(
                "tlsa-pkix-usage-smtp", zone, record,
                fmt::format("cannot use TLSA usage {} ({}) at {}: SMTP DANE clients treat "
                            "usages 0 and 1 as unusable; use 2 (DANE-TA) or 3 (DANE-EE)",
                            tlsa->usage, tlsa->usage == 0 ? "PKIX-TA" : "PKIX-EE", quoted(owner))));
        }
        smtp_tlsa.push_back({&record, owner, *host});
    }

    // RFC 7672 §2.2: TLSA records are only usable when their RRset validates as secure.
    if (first_tlsa != nullptr && !zone.dnssec_intent() && !options.assume_signed) {
        out.push_back(make_finding(
            "tlsa-without-dnssec", zone, *first_tlsa,
            "cannot use TLSA records in an unsigned zone: there is no apex DNSKEY and no RRSIG, "
            "so clients ignore them (pass --assume-signed if the server signs the zone live)"));
    }

    // RFC 7672 §2.3.3: a client with a secure but empty TLSA answer for one exchange of a
    // destination falls back to unauthenticated TLS there, so an attacker can steer that
    // domain's mail to the bare exchange. The MX set of each domain is judged on its own. Only
    // in-zone exchanges count: others cannot be checked offline. An exchange without an address
    // (a missing name, an IP literal, an alias) is left to the mx-* rules.
    // Keyed by value: each domain's exchange strings die with its loop iteration.
    std::unordered_map<std::string, DaneState> states;
    auto state_of = [&](const std::string& exchange) {
        auto [it, fresh] = states.try_emplace(exchange, DaneState::unknown);
        if (fresh) {
            it->second = dane_state(zone, exchange);
        }
        return it->second;
    };
    // One pass over the MX records (and the steered pool members, RULES.md "Steering": they
    // are exchanges clients can be given) answers two questions:
    // - tlsa-orphan (RFC 7672 §2.3.3: clients look up TLSA only for the hosts the MX lookup
    //   returned): which hosts of SMTP TLSA records are exchanges;
    // - dane-partial-mx-coverage: which domains can have a protected exchange. Without
    //   wildcards, the lookup of _25._tcp.X finds anything (TLSA, an alias, a cut) only if
    //   _25._tcp.X or _tcp.X is one of the zone's names (a cut there is an NS owner): every
    //   other in-zone exchange is bare, and a domain with no exchange but bare ones has
    //   nothing protected and so no finding. Only the marked domains are judged below.
    std::unordered_set<std::string_view> wanted; // hosts of SMTP TLSA records
    for (const auto& t : smtp_tlsa) {
        wanted.insert(t.host);
    }
    std::unordered_set<std::string_view> hosts; // views into the zone's names
    if (!zone.has_wildcards()) {
        for (std::uint32_t id = 0; id < zone.name_count(); ++id) {
            const std::string_view name = zone.name(id);
            if (name.starts_with(smtp_prefix)) {
                hosts.insert(name.substr(smtp_prefix.size()));
            } else if (name.starts_with(tcp_prefix)) {
                hosts.insert(name.substr(tcp_prefix.size()));
            }
        }
    }
    const bool judge_coverage = zone.has_wildcards() || !hosts.empty();
    std::vector<char> candidate; // by name index; empty: judge every domain
    if (!zone.has_wildcards() && judge_coverage) {
        candidate.assign(zone.name_count(), 0);
    }
    std::unordered_set<std::string_view> exchanges_seen; // of `wanted`
    auto see = [&](std::string_view exchange, std::optional<std::uint32_t> domain) {
        if (const auto it = wanted.find(exchange); it != wanted.end()) {
            exchanges_seen.insert(*it);
        }
        if (domain && !candidate.empty() && hosts.contains(exchange)) {
            candidate[*domain] = 1;
        }
    };
    if (!wanted.empty() || !candidate.empty()) {
        for (const auto& record : zone.records()) {
            if (record.type != rrtype::mx) {
                continue;
            }
            if (const auto mx = decode_mx(zone.rdata(record))) {
                see(mx->exchange, record.name);
            }
        }
        for (const auto& [owner, members] : options.steered) {
            const auto id = zone.name_id(owner);
            for (const auto& member : members) {
                see(member.exchange, id);
            }
        }
    }
    std::unordered_set<std::string_view> orphans_seen;
    for (const auto& t : smtp_tlsa) {
        if (!exchanges_seen.contains(t.host) && orphans_seen.insert(t.owner).second) {
            out.push_back(make_finding(
                "tlsa-orphan", zone, *t.record,
                fmt::format("cannot use TLSA at {}: {} is not an MX exchange of this zone, so "
                            "no SMTP client looks it up",
                            quoted(t.owner), quoted(t.host))));
        }
    }
    if (!judge_coverage) {
        return out; // no exchange can be protected, so none is left bare beside one
    }
    for (const auto& domain : mail_domains(zone)) {
        if (!candidate.empty() && candidate[domain.first_mx->name] == 0) {
            continue;
        }
        const auto targets = mx_targets(zone, domain.name);
        std::vector<const MxTarget*> bare;
        const std::string* protected_example = nullptr;
        for (const auto& target : targets) {
            const std::string& exchange = target.exchange;
            if (!zone.in_zone(exchange) || zone.below_cut(exchange) ||
                !has_address(zone, exchange)) {
                continue;
            }
            if (state_of(exchange) == DaneState::bare) {
                bare.push_back(&target);
            } else if (protected_example == nullptr) {
                protected_example = &exchange;
            }
        }
        // RULES.md "Steering": the pool members steering adds are in the same MX set.
        std::vector<const SteeredExchange*> bare_members;
        for (const SteeredExchange* member : steered_members(zone, options, domain.name)) {
            const std::string& exchange = member->exchange;
            if (!zone.in_zone(exchange) || zone.below_cut(exchange) ||
                !has_address(zone, exchange)) {
                continue;
            }
            if (state_of(exchange) == DaneState::bare) {
                bare_members.push_back(member);
            } else if (protected_example == nullptr) {
                protected_example = &exchange;
            }
        }
        if (protected_example == nullptr) {
            continue;
        }
        auto message = [&](std::string_view who, const std::string& exchange) {
            return fmt::format("cannot protect mail for {} to {} with DANE: '{}{}' has no TLSA "
                               "while {} has, so an attacker can downgrade delivery through it",
                               quoted(domain.name), who, smtp_prefix, escape_bytes(exchange),
                               quoted(*protected_example));
        };
        for (const auto* target : bare) {
            out.push_back(make_finding("dane-partial-mx-coverage", zone, *target->record,
                                       message(quoted(target->exchange), target->exchange)));
        }
        for (const auto* member : bare_members) {
            out.push_back(make_steered_finding(
                "dane-partial-mx-coverage", domain.name, *member,
                message(describe_member(domain.name, *member), member->exchange)));
        }
    }
    return out;
}

} // namespace mxsteer::lint
