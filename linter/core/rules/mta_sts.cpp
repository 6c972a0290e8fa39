// Rule group mta_sts: _mta-sts TXT records and the MTA-STS policy file (RFC 8461).
// SPDX-License-Identifier: MIT
#include "../mta_sts_policy.hpp"
#include "../name.hpp"
#include "../rule_table.hpp"
#include "../rules.hpp"
#include "../text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace mxsteer::lint {

namespace {

constexpr std::string_view sts_label = "_mta-sts";
constexpr std::string_view sts_version = "v=STSv1";

// RFC 8461 §3.1: TXT records at _mta-sts that do not begin with "v=STSv1" are not STS records
// and are discarded (the rest of the "v=STSv1;" prefix is checked in sts_record_problem).
// The version is %s"v=STSv1", case-sensitive per RFC 7405, so "v=stsv1" and "V=STSv1" are not
// STS records to a sender either: the operator meant MTA-STS and silently gets none. Such near
// misses are reported: a field that, ignoring case and blanks, starts with "v=sts", first
// (a misspelt version such as "v=STSv2") or later ("id=1; v=STSv1", version not first). Other
// TXT records (site verification tokens, ...) are left alone. Returns the message for a near
// miss, nullopt otherwise; call it only for records that do not begin with "v=STSv1".
std::optional<std::string> near_miss_problem(std::string_view text) {
    bool first = true;
    for (;;) {
        const auto semicolon = text.find(';');
        const auto field = text.substr(0, semicolon);
        std::string squeezed;
        for (const char c : field) {
            if (!is_wsp(c)) {
                squeezed += c;
            }
        }
        if (ascii_lower(squeezed).starts_with("v=sts")) {
            if (first) {
                return fmt::format("cannot use version {}: expected exactly 'v=STSv1' "
                                   "(case-sensitive, no blanks), so senders ignore this record",
                                   quoted(field));
            }
            return fmt::format("cannot put {} after other fields: senders discard records "
                               "that do not begin with 'v=STSv1;'",
                               quoted(trim_wsp(field)));
        }
        if (semicolon == std::string_view::npos) {
            return std::nullopt;
        }
        text.remove_prefix(semicolon + 1);
        first = false;
    }
}

// RFC 8461 §3.1 sts-extension: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").
bool is_field_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || !is_alnum(name.front())) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

// RFC 8461 §3.1 sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E).
bool is_field_value(std::string_view value) {
    return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x21 && u <= 0x7e && c != ';' && c != '=';
    });
}

// Why a record that begins with "v=STSv1" is not a valid STS record (RFC 8461 §3.1 ABNF:
// sts-version 1*(sts-field-delim sts-field) [sts-field-delim], with a required id), or
// nullopt when it is valid.
std::optional<std::string> sts_record_problem(std::string_view text) {
    const auto first = text.substr(0, text.find(';'));
    if (trim_wsp(first) != sts_version) {
        return fmt::format("cannot use version {}: expected 'v=STSv1' followed by ';'",
                           quoted(trim_wsp(first)));
    }
    if (first.size() == text.size()) {
        return std::string{"cannot find 'id=': expected 'v=STSv1; id=<1 to 32 letters and "
                           "digits>'"};
    }
    if (first != sts_version) {
        // The ABNF allows *WSP before ';', but senders discard records that do not begin with
        // the exact bytes "v=STSv1;" (RFC 8461 §3.1), so this record may never be seen.
        return std::string{"cannot put blanks between 'v=STSv1' and ';': senders discard "
                           "records that do not begin with 'v=STSv1;'"};
    }
    std::vector<std::string_view> fields;
    std::string_view rest = text.substr(first.size() + 1);
    for (;;) {
        const auto semicolon = rest.find(';');
        fields.push_back(trim_wsp(rest.substr(0, semicolon)));
        if (semicolon == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(semicolon + 1);
    }
    // A single trailing ';' is allowed ([sts-field-delim]); its empty "field" is no field.
    if (fields.back().empty()) {
        fields.pop_back();
    }
    bool saw_id = false;
    for (const auto field : fields) {
        if (field.empty()) {
            return std::string{"cannot parse an empty field: expected 'name=value' between "
                               "';'"};
        }
        const auto equals = field.find('=');
        const auto name = field.substr(0, equals);
        if (equals == std::string_view::npos || !is_field_name(name)) {
            return fmt::format("cannot parse field {}: expected 'name=value'", quoted(field));
        }
        const auto value = field.substr(equals + 1);
        if (name == "id") {
            // RFC 8461 §3.1: sts-id = %s"id=" 1*32(ALPHA / DIGIT).
            if (saw_id) {
                return std::string{"cannot repeat 'id=': senders cannot tell which one "
                                   "identifies the policy"};
            }
            saw_id = true;
            if (value.empty() || value.size() > 32 ||
                !std::all_of(value.begin(), value.end(), is_alnum)) {
                return fmt::format("cannot use id {}: expected 1 to 32 letters and digits",
                                   quoted(value));
            }
            continue;
        }
        if (ascii_lower(name) == "id") {
            return fmt::format("cannot use {}: field names are case-sensitive, expected 'id='",
                               quoted(field));
        }
        if (!is_field_value(value)) {
            return fmt::format("cannot parse field {}: a value is printable ASCII without ';', "
                               "'=' or blanks",
                               quoted(field));
        }
    }
    if (!saw_id) {
        return std::string{"cannot find 'id=': expected 'v=STSv1; id=<1 to 32 letters and "
                           "digits>'"};
    }
    return std::nullopt;
}

// The _mta-sts TXT records of one name, in zone order.
struct StsName {
    std::string owner;
    std::vector<const Record*> sts;         // begin with "v=STSv1"
    std::vector<const Record*> near_misses; // see near_miss_problem
};

// True when `host` answers with an address or an alias (directly or through a wildcard).
bool serves_address(const Zone& zone, std::string_view host) {
    auto has_address = [&zone](std::string_view name) {
        return zone.has_type(name, rrtype::a) || zone.has_type(name, rrtype::aaaa) ||
               zone.has_type(name, rrtype::cname);
    };
    if (has_address(host)) {
        return true;
    }
    const auto wildcard = zone.covering_wildcard(host);
    return wildcard && has_address(*wildcard);
}

Diagnostic policy_finding(const MtaStsPolicyText& policy, std::uint32_t line, std::string message) {
    constexpr std::string_view rule = "mta-sts-policy-invalid";
    const RuleInfo* info = find_rule(rule);
    Diagnostic d;
    d.rule = std::string{rule};
    d.severity = info != nullptr ? info->severity : Severity::error;
    d.file = policy.file;
    d.line = line;
    d.message = std::move(message);
    return d;
}

} // namespace

std::vector<Diagnostic> check_mta_sts(const Zone& zone, const LintOptions& options) {
    std::vector<Diagnostic> out;

    // Collect the STS-like TXT records per _mta-sts name, keeping zone order.
    std::vector<StsName> names;
    std::unordered_map<std::string_view, std::size_t> name_index;
    for (const auto& record : zone.records()) {
        if (record.type != rrtype::txt) {
            continue;
        }
        const auto owner = zone.owner(record);
        // Data below a zone cut is not served by this zone (RFC 1034 §4.2.1).
        if (first_label(owner) != sts_label || !zone.in_zone(owner) || zone.below_cut(record)) {
            continue;
        }
        // TXT strings are concatenated without separators (RFC 8461 §3.1 follows RFC 7208
        // §3.3 there).
        const auto text = joined_text(zone.rdata(record));
        const bool is_sts = text.starts_with(sts_version);
        auto near_miss = is_sts ? std::nullopt : near_miss_problem(text);
        if (!is_sts && !near_miss) {
            continue;
        }
        auto [it, added] = name_index.try_emplace(owner, names.size());
        if (added) {
            names.push_back(StsName{std::string{owner}, {}, {}});
        }
        auto& entry = names[it->second];
        if (near_miss) {
            entry.near_misses.push_back(&record);
            out.push_back(make_finding("mta-sts-txt-invalid", zone, record, std::move(*near_miss)));
            continue;
        }
        entry.sts.push_back(&record);
        // RFC 8461 §3.1: a syntactically invalid record means "no MTA-STS policy".
        if (auto problem = sts_record_problem(text)) {
            out.push_back(make_finding("mta-sts-txt-invalid", zone, record, std::move(*problem)));
        }
    }

    for (const auto& entry : names) {
        // RFC 8461 §3.1: if the number of STS records is not one, senders assume no policy.
        if (entry.sts.size() > 1) {
            out.push_back(make_finding(
                "mta-sts-multiple-records", zone, *entry.sts[1],
                fmt::format("cannot publish {} MTA-STS records at {}: senders then ignore "
                            "MTA-STS for the domain",
                            entry.sts.size(), quoted(entry.owner))));
        }
        // RFC 8461 §3.3: the policy is fetched from https://mta-sts.<domain>/.
        if (entry.sts.empty()) {
            continue;
        }
        const auto domain = parent_name(entry.owner).value_or(".");
        const std::string host =
            domain == "." ? std::string{"mta-sts."} : "mta-sts." + std::string{domain};
        if (!zone.in_zone(host) || zone.below_cut(host)) {
            continue; // served by another zone: not verifiable offline
        }
        if (!serves_address(zone, host)) {
            out.push_back(make_finding(
                "mta-sts-host-missing", zone, *entry.sts.front(),
                fmt::format("cannot serve the MTA-STS policy of {}: {} has no A, AAAA or CNAME "
                            "record",
                            quoted(domain), quoted(host))));
        }
    }

    const std::string apex_sts = std::string{sts_label} + "." + zone.origin();
    const bool apex_announced = name_index.contains(apex_sts);

    if (options.mta_sts_policy) {
        const auto& policy_text = *options.mta_sts_policy;
        auto parsed = parse_mta_sts_policy(policy_text.text);
        // RFC 8461 §3.2: the policy body syntax.
        for (auto& error : parsed.errors) {
            out.push_back(policy_finding(policy_text, error.line, std::move(error.message)));
        }
        // RFC 8461 §4.1: in enforce mode a sender refuses an MX host no pattern matches; in
        // testing mode it only reports; none asks for nothing.
        if (parsed.policy && parsed.policy->mode != MtaStsMode::none) {
            const auto& policy = *parsed.policy;
            // Why senders refuse (enforce) or report (testing) the exchange named `who`, or
            // nullopt when a pattern matches it.
            auto not_covered = [&](const std::string& exchange,
                                   std::string_view who) -> std::optional<std::string> {
                if (std::any_of(
                        policy.mx_patterns.begin(), policy.mx_patterns.end(),
                        [&](const std::string& p) { return mx_pattern_matches(p, exchange); })) {
                    return std::nullopt;
                }
                return policy.mode == MtaStsMode::enforce
                           ? fmt::format("cannot deliver to {} under MTA-STS mode 'enforce': no "
                                         "mx pattern in '{}' matches it",
                                         who, escape_bytes(policy_text.file))
                           : fmt::format("cannot validate {} under MTA-STS mode 'testing': no mx "
                                         "pattern in '{}' matches it, so senders report failures "
                                         "and enforce mode would refuse it",
                                         who, escape_bytes(policy_text.file));
            };
            auto add = [&](Diagnostic finding) {
                if (policy.mode == MtaStsMode::testing) {
                    finding.severity = Severity::warning;
                }
                out.push_back(std::move(finding));
            };
            // The policy is the apex domain's: MX records of subdomains answer to the
            // policies of those subdomains (RFC 8461 §3.3).
            for (const auto& target : mx_targets(zone, zone.origin())) {
                if (auto message = not_covered(target.exchange, quoted(target.exchange))) {
                    add(make_finding("mta-sts-mx-not-covered", zone, *target.record,
                                     std::move(*message)));
                }
            }
            // RULES.md "Steering": an exchange steering may give a client is in the MX set.
            for (const SteeredExchange* member : steered_members(zone, options, zone.origin())) {
                if (auto message =
                        not_covered(member->exchange, describe_member(zone.origin(), *member))) {
                    add(make_steered_finding("mta-sts-mx-not-covered", zone.origin(), *member,
                                             std::move(*message)));
                }
            }
        }
    }

    // Advice (info): a policy file with nothing announcing it, or a mail domain without
    // MTA-STS (RFC 8461 §3.1: senders only fetch a policy that the TXT record announces).
    if (!apex_announced) {
        const Record* apex_mx = nullptr;
        for (const auto* mx : zone.records_at(zone.origin(), rrtype::mx)) {
            if (auto decoded = decode_mx(zone.rdata(*mx)); decoded && decoded->exchange != ".") {
                apex_mx = mx;
                break;
            }
        }
        std::optional<std::string> message;
        if (options.mta_sts_policy) {
            message = fmt::format("cannot find an MTA-STS record at {} for the policy in '{}': "
                                  "senders never fetch it",
                                  quoted(apex_sts), escape_bytes(options.mta_sts_policy->file));
        } else if (apex_mx != nullptr) {
            message = fmt::format("cannot find an MTA-STS record at {}: senders use TLS to {} "
                                  "only opportunistically",
                                  quoted(apex_sts), quoted(zone.origin()));
        }
        if (message) {
            out.push_back(apex_mx != nullptr
                              ? make_finding("mta-sts-missing", zone, *apex_mx, std::move(*message))
                              : make_zone_finding("mta-sts-missing", zone, std::move(*message)));
        }
    }
    return out;
}

} // namespace mxsteer::lint
