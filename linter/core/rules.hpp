// The rule groups. Each is a pure function of the zone and the options; findings are data.
// SPDX-License-Identifier: MIT
#pragma once

#include "diagnostic.hpp"
#include "zone.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

// An MTA-STS policy file (RFC 8461 §3.2) as read by the caller.
struct MtaStsPolicyText {
    std::string file; // path for messages
    std::string text;
};

// An exchange that MX steering (mxsteerd's [[steer.pools]]) may hand out for an owner, and
// where the steering config names it. Findings about it are reported there, not in the zone.
struct SteeredExchange {
    std::string exchange; // canonical: lowercase, absolute
    std::string file;     // the config file
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

struct LintOptions {
    // The zone is signed live by the server (pdns with DNSSEC), so a missing DNSKEY in the
    // file does not mean "unsigned" (RFC 7672 §2.2).
    bool assume_signed = false;
    std::optional<MtaStsPolicyText> mta_sts_policy;
    // Steered owner (canonical) -> the exchanges its pools may give a client, in config order.
    // RULES.md "Steering": every exchange any client can be given is part of the owner's MX
    // set, so the MX, MTA-STS and DANE rules judge these with the zone's MX records. Owners
    // outside the zone being linted are ignored; a member that the owner's MX records already
    // name is judged at that record only.
    std::map<std::string, std::vector<SteeredExchange>, std::less<>> steered;
};

// A finding at a record, with the rule's default severity.
[[nodiscard]] Diagnostic make_finding(std::string_view rule, const Zone& zone, const Record& record,
                                      std::string message);
// A finding about the zone as a whole, anchored at its first file.
[[nodiscard]] Diagnostic make_zone_finding(std::string_view rule, const Zone& zone,
                                           std::string message);
// A finding about a steered exchange of `owner`, at the config position that names it.
[[nodiscard]] Diagnostic make_steered_finding(std::string_view rule, std::string_view owner,
                                              const SteeredExchange& member, std::string message);

// Input: zone-missing-soa, cname-and-other-data.
[[nodiscard]] std::vector<Diagnostic> check_input(const Zone& zone, const LintOptions& options);
// MX: mx-target-*, name-missing-trailing-dot, null-mx-*, mx-single.
[[nodiscard]] std::vector<Diagnostic> check_mx(const Zone& zone, const LintOptions& options);
// SPF: spf-*.
[[nodiscard]] std::vector<Diagnostic> check_spf(const Zone& zone, const LintOptions& options);
// DMARC: dmarc-*.
[[nodiscard]] std::vector<Diagnostic> check_dmarc(const Zone& zone, const LintOptions& options);
// DKIM: dkim-*.
[[nodiscard]] std::vector<Diagnostic> check_dkim(const Zone& zone, const LintOptions& options);
// TLS-RPT: tlsrpt-invalid.
[[nodiscard]] std::vector<Diagnostic> check_tlsrpt(const Zone& zone, const LintOptions& options);
// MTA-STS: mta-sts-* (TXT records and, when given, the policy file).
[[nodiscard]] std::vector<Diagnostic> check_mta_sts(const Zone& zone, const LintOptions& options);
// DANE: tlsa-*, dane-partial-mx-coverage.
[[nodiscard]] std::vector<Diagnostic> check_tlsa(const Zone& zone, const LintOptions& options);

// A name that receives mail: it publishes an MX other than the null MX (RFC 7505). `first_mx`
// is its first MX record, where findings about the domain as a whole are anchored.
struct MailDomain {
    std::string_view name;
    const Record* first_mx = nullptr;
};
// Every in-zone mail domain that this zone is authoritative for, in name order.
[[nodiscard]] std::vector<MailDomain> mail_domains(const Zone& zone);

// An exchange senders may be given, with the first MX record that names it.
struct MxTarget {
    std::string exchange; // canonical form
    const Record* record = nullptr;
};
// The exchanges of the MX records at `owner` (every owner when nullopt), except the null MX
// root; deduplicated, in zone order.
[[nodiscard]] std::vector<MxTarget> mx_targets(const Zone& zone,
                                               std::optional<std::string_view> owner = {});

// The steered exchanges of `owner` (canonical) that its MX records do not already name: the
// members that widen its MX set, deduplicated (first position wins), in config order. Empty
// when `owner` is not steered, is not in the zone or is below a cut.
[[nodiscard]] std::vector<const SteeredExchange*>
steered_members(const Zone& zone, const LintOptions& options, std::string_view owner);
// A short phrase naming a steered exchange in messages:
// "steering pool member 'mx3.example.com.' of 'example.com.'".
[[nodiscard]] std::string describe_member(std::string_view owner, const SteeredExchange& member);

} // namespace mxsteer::lint
