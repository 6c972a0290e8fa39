// TLS-RPT rule: the reporting policy record at _smtp._tls.<domain> (RFC 8460 §3).
// SPDX-License-Identifier: MIT
#include "../name.hpp"
#include "../rdata.hpp"
#include "../rules.hpp"
#include "../text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mxsteer::lint {

namespace {

constexpr std::string_view version = "v=TLSRPTv1";

// tlsrpt-uri = URI with the scheme "mailto" or "https" (RFC 8460 §3, RFC 3986 §3).
std::optional<std::string> check_uri(std::string_view uri) {
    for (const char c : uri) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) {
            return fmt::format("rua URI '{}' contains a space or a character outside ASCII",
                               escape_bytes(uri));
        }
    }
    const auto colon = uri.find(':');
    const auto scheme = ascii_lower(uri.substr(0, colon == std::string_view::npos ? 0 : colon));
    const auto rest = colon == std::string_view::npos ? std::string_view{} : uri.substr(colon + 1);
    if (scheme == "mailto") {
        const auto at = rest.find('@');
        if (at == std::string_view::npos || at == 0 || at + 1 == rest.size()) {
            return fmt::format("rua URI '{}' is not of the form 'mailto:local@domain'",
                               escape_bytes(uri));
        }
        return std::nullopt;
    }
    if (scheme == "https") {
        if (!rest.starts_with("//") || rest.size() == 2 || rest[2] == '/') {
            return fmt::format("rua URI '{}' is not of the form 'https://host/path'",
                               escape_bytes(uri));
        }
        return std::nullopt;
    }
    return fmt::format("rua URI '{}' must use the scheme 'mailto:' or 'https:'", escape_bytes(uri));
}

// tlsrpt-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool is_extension_name(std::string_view name) {
    return !name.empty() && name.size() <= 32 &&
           (is_alpha(name.front()) || is_digit(name.front())) &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
           });
}

// tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
bool is_extension_value(std::string_view value) {
    return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x21 && u <= 0x7e && c != ';' && c != '=';
    });
}

// tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
// field-delim = *WSP ";" *WSP (RFC 8460 §3). Returns one reason per problem.
std::vector<std::string> check_record(std::string_view text) {
    std::vector<std::string> problems;
    const auto fields = split(text.substr(version.size()), ';');
    if (fields.size() < 2 || !trim_wsp(fields.front()).empty()) {
        problems.push_back(fmt::format("'{}' must be followed by ';' and the fields, got '{}'",
                                       version, quote(text)));
        return problems;
    }
    bool rua = false;
    for (std::size_t i = 1; i < fields.size(); ++i) {
        const auto field = trim_wsp(fields[i]);
        if (field.empty()) {
            if (i + 1 == fields.size() && i > 1) {
                continue; // one trailing field-delim is allowed
            }
            problems.emplace_back("a field between two ';' is empty");
            continue;
        }
        const auto eq = field.find('=');
        const auto name = field.substr(0, eq);
        if (field.starts_with("rua=")) {
            rua = true;
            // tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
            for (const auto uri : split(field.substr(4), ',')) {
                if (auto error = check_uri(trim_wsp(uri))) {
                    problems.push_back(std::move(*error));
                }
            }
            continue;
        }
        if (ascii_lower(trim_wsp(name)) == "rua") {
            problems.push_back(fmt::format("field '{}' must be written 'rua=' exactly "
                                           "(lowercase, no spaces)",
                                           quote(field)));
            rua = true;
            continue;
        }
        if (eq == std::string_view::npos || !is_extension_name(name) ||
            !is_extension_value(field.substr(eq + 1))) {
            problems.push_back(
                fmt::format("'{}' is neither 'rua=' nor an extension name=value", quote(field)));
        }
    }
    if (!rua) {
        problems.emplace_back("the required field 'rua=' (mailto: or https: URIs) is missing");
    }
    return problems;
}

} // namespace

std::vector<Diagnostic> check_tlsrpt(const Zone& zone, const LintOptions& /*options*/) {
    std::vector<Diagnostic> out;

    // TXT records at _smtp._tls.<domain>, in zone order. Data below a zone cut is not served
    // by this zone (RFC 1034 §4.2.1).
    std::map<std::string, std::vector<std::pair<const Record*, std::string>>, std::less<>> owners;
    for (const auto& record : zone.records()) {
        if (record.type != rrtype::txt) {
            continue;
        }
        const auto owner = zone.owner(record);
        if (!owner.starts_with("_smtp._tls.")) {
            continue; // the label test below, without splitting every TXT owner
        }
        const auto labels = split_labels(owner);
        if (labels.size() < 2 || labels[0] != "_smtp" || labels[1] != "_tls" ||
            zone.below_cut(record)) {
            continue;
        }
        owners[std::string{owner}].emplace_back(&record, joined_text(zone.rdata(record)));
    }

    for (const auto& [owner, records] : owners) {
        const auto policies = static_cast<std::size_t>(
            std::count_if(records.begin(), records.end(),
                          [](const auto& r) { return r.second.starts_with(version); }));
        std::size_t seen = 0;
        for (const auto& [record, text] : records) {
            if (!text.starts_with(version)) {
                // RFC 8460 §3: records not beginning with "v=TLSRPTv1" are discarded; when
                // none does, the domain has no TLS-RPT policy at all.
                if (policies == 0) {
                    out.push_back(make_finding(
                        "tlsrpt-invalid", zone, *record,
                        fmt::format("cannot use TLS-RPT record at '{}': it must begin with "
                                    "'{};' (case-sensitive), got '{}'",
                                    owner, version, quote(text))));
                }
                continue;
            }
            if (++seen > 1) {
                // RFC 8460 §3: unless exactly one record remains, senders assume no TLS-RPT.
                out.push_back(make_finding(
                    "tlsrpt-invalid", zone, *record,
                    fmt::format("cannot publish {} TLS-RPT records at '{}': senders ignore all "
                                "of them unless exactly one exists",
                                policies, owner)));
            }
            for (const auto& problem : check_record(text)) {
                out.push_back(make_finding(
                    "tlsrpt-invalid", zone, *record,
                    fmt::format("cannot use TLS-RPT record at '{}': {}", owner, problem)));
            }
        }
    }
    return out;
}

} // namespace mxsteer::lint
