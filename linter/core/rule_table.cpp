// The rule catalog of RULES.md as one table.
// SPDX-License-Identifier: MIT
#include "rule_table.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace mxsteer::lint {

namespace {

using enum Severity;

constexpr std::array<RuleInfo, 44> rules{{
    // Input
    {"parse-error", error, "RFC 1035 §5.1", "the file cannot be read as a master file"},
    {"zone-missing-soa", error, "RFC 1035 §5.2", "no SOA record at the zone apex"},
    {"cname-and-other-data", error, "RFC 1034 §3.6.2",
     "a CNAME owner also owns other data (DNSSEC types aside)"},
    // MX
    {"mx-target-is-ip", error, "RFC 5321 §5.1",
     "an MX exchange is an IPv4/IPv6 address literal, not a host name"},
    {"mx-target-no-address", error, "RFC 5321 §5.1",
     "an in-zone MX exchange has no A or AAAA record"},
    {"mx-target-cname", error, "RFC 2181 §10.3", "an MX exchange is an alias (CNAME)"},
    {"name-missing-trailing-dot", warning, "RFC 1035 §5.1",
     "an MX exchange looks like a name that lost its final dot"},
    {"null-mx-mixed", error, "RFC 7505 §3",
     "a null MX (\"0 .\") is published beside other MX records"},
    {"null-mx-nonzero-pref", warning, "RFC 7505 §3",
     "a null MX exchange \".\" has a preference other than 0"},
    {"mx-target-out-of-zone", info, "",
     "an MX exchange is outside the zone and cannot be verified offline"},
    // SPF
    {"spf-multiple-records", error, "RFC 7208 §3.2", "more than one SPF record at a name"},
    {"spf-syntax-error", error, "RFC 7208 §4.6.1", "an SPF term does not parse"},
    {"spf-too-many-lookups", error, "RFC 7208 §4.6.4",
     "an SPF policy needs more than 10 DNS-querying terms"},
    {"spf-rrtype-deprecated", warning, "RFC 7208 §3.1",
     "SPF is published as RR type 99, which receivers ignore"},
    {"spf-ptr-mechanism", warning, "RFC 7208 §5.5", "the SPF ptr mechanism should not be used"},
    {"spf-terms-after-all", warning, "RFC 7208 §5.1",
     "SPF terms after \"all\" are never evaluated"},
    {"spf-pass-all", warning, "RFC 7208 §5.1", "SPF \"+all\" authorises the whole Internet"},
    // DMARC, DKIM, TLS-RPT
    {"dmarc-invalid", error, "RFC 7489 §6.3", "a DMARC record does not follow the syntax"},
    {"dmarc-multiple-records", error, "RFC 7489 §6.6.3", "more than one DMARC record at _dmarc"},
    {"dmarc-wrong-location", warning, "RFC 7489 §6.1",
     "a DMARC record is published outside _dmarc.<domain>"},
    {"dkim-invalid", error, "RFC 6376 §3.6.1", "a DKIM key record does not follow the syntax"},
    {"dkim-key-too-short", error, "RFC 8301 §3.2", "a DKIM RSA key is shorter than 1024 bits"},
    {"dkim-key-weak", warning, "RFC 8301 §3.2", "a DKIM RSA key is shorter than 2048 bits"},
    {"tlsrpt-invalid", error, "RFC 8460 §3", "a TLS-RPT record does not follow the syntax"},
    // MTA-STS
    {"mta-sts-txt-invalid", error, "RFC 8461 §3.1", "an MTA-STS TXT record is malformed"},
    {"mta-sts-multiple-records", error, "RFC 8461 §3.1",
     "more than one MTA-STS TXT record at _mta-sts"},
    {"mta-sts-host-missing", error, "RFC 8461 §3.3",
     "MTA-STS is announced but mta-sts.<domain> has no address to serve the policy"},
    {"mta-sts-policy-invalid", error, "RFC 8461 §3.2", "the MTA-STS policy file is malformed"},
    {"mta-sts-mx-not-covered", error, "RFC 8461 §4.1",
     "an MX exchange is not matched by any mx pattern of the MTA-STS policy"},
    // DANE / TLSA
    {"tlsa-bad-digest-length", error, "RFC 6698 §2.1.3",
     "a TLSA digest has the wrong length for its matching type"},
    {"tlsa-unknown-params", warning, "RFC 6698 §7",
     "a TLSA record uses an unassigned usage, selector or matching type"},
    {"tlsa-pkix-usage-smtp", warning, "RFC 7672 §3.1.3",
     "TLSA usage 0 or 1 is not used by SMTP DANE clients"},
    {"tlsa-without-dnssec", warning, "RFC 7672 §2.2",
     "TLSA records in a zone with no sign of DNSSEC"},
    {"tlsa-orphan", warning, "RFC 7672 §2.3.3",
     "TLSA records for a host that is not an MX exchange"},
    {"dane-partial-mx-coverage", warning, "RFC 7672 §2.3.3",
     "some MX exchanges have TLSA records and others do not"},
    // Absent optional records: advice, not defects.
    {"mx-single", info, "RFC 5321 §5.1", "a mail domain publishes a single MX exchange"},
    {"spf-missing", info, "RFC 7208 §3", "a mail domain publishes no SPF record"},
    {"dmarc-missing", info, "RFC 7489 §6.1", "a mail domain publishes no DMARC record"},
    {"mta-sts-missing", info, "RFC 8461 §3.1", "a mail domain publishes no MTA-STS record"},
    // Steering (zone + mxsteer.toml): checked by mxsteerd, and by mxlint --config mxsteer.toml.
    // Appended, so that the SARIF ruleIndex of every earlier rule stays the same.
    {"steer-unknown-name", error, "",
     "a steered name or pool exchange that the zones do not contain or cannot resolve offline"},
    {"steer-empty-pool", error, "", "a steering pool, or a region's pool list, is empty"},
    {"steer-null-mx", error, "", "steering is configured for a name that publishes a null MX"},
    {"steer-unknown-region", error, "",
     "a network, country or topology entry names a region that is not defined"},
    {"steer-overlapping-networks", warning, "",
     "two network entries of different regions overlap without one being more specific"},
}};

} // namespace

std::span<const RuleInfo> all_rules() {
    return rules;
}

const RuleInfo* find_rule(std::string_view id) {
    for (const auto& rule : rules) {
        if (rule.id == id) {
            return &rule;
        }
    }
    return nullptr;
}

std::string rfc_url(const RuleInfo& rule) {
    // "RFC 5321 §5.1" -> https://www.rfc-editor.org/rfc/rfc5321#section-5.1
    std::string_view text = rule.rfc;
    if (!text.starts_with("RFC ")) {
        return {};
    }
    text.remove_prefix(4);
    unsigned number = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{}) {
        return {};
    }
    std::string url = fmt::format("https://www.rfc-editor.org/rfc/rfc{}", number);
    const auto section = text.find("§");
    if (section != std::string_view::npos) {
        url += "#section-";
        url += text.substr(section + std::string_view{"§"}.size());
    }
    return url;
}

} // namespace mxsteer::lint
