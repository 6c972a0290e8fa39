// DMARC rules: record syntax, location and count, absent policies (RFC 7489).
// SPDX-License-Identifier: MIT
#include "../name.hpp"
#include "../rdata.hpp"
#include "../rules.hpp"
#include "../text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

namespace {

// dmarc-version = "v" *WSP "=" *WSP "DMARC1" (RFC 7489 §6.4). A record is taken as DMARC
// when it starts so, "DMARC1" compared without case; the exact spelling is checked later.
// `text` may be only the start of a record: `undecided` when it ends before the answer is known.
enum class DmarcStart { yes, no, undecided };
DmarcStart dmarc_start(std::string_view text) {
    auto skip_wsp = [&text] {
        while (!text.empty() && is_wsp(text.front())) {
            text.remove_prefix(1);
        }
    };
    if (text.empty()) {
        return DmarcStart::undecided;
    }
    if (text.front() != 'v' && text.front() != 'V') {
        return DmarcStart::no;
    }
    text.remove_prefix(1);
    skip_wsp();
    if (text.empty()) {
        return DmarcStart::undecided;
    }
    if (text.front() != '=') {
        return DmarcStart::no;
    }
    text.remove_prefix(1);
    skip_wsp();
    if (text.size() < 6) {
        return DmarcStart::undecided;
    }
    return iequals(text.substr(0, 6), "dmarc1") ? DmarcStart::yes : DmarcStart::no;
}

bool starts_as_dmarc(std::string_view text) {
    return dmarc_start(text) == DmarcStart::yes;
}

struct Tag {
    std::string name; // lowercase
    std::string_view value;
};

// URI (RFC 3986 §3.1 scheme ":" ...), as dmarc-uri needs. mailto: needs an address.
std::optional<std::string> check_uri(std::string_view uri) {
    const auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 || !is_alpha(uri.front())) {
        return fmt::format("'{}' has no URI scheme; write 'mailto:{}'", escape_bytes(uri),
                           escape_bytes(uri));
    }
    for (const char c : uri.substr(0, colon)) {
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
            return fmt::format("'{}' has no URI scheme; write 'mailto:{}'", escape_bytes(uri),
                               escape_bytes(uri));
        }
    }
    for (const char c : uri) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) {
            return fmt::format("URI '{}' contains a space or a character outside ASCII",
                               escape_bytes(uri));
        }
    }
    const auto rest = uri.substr(colon + 1);
    if (ascii_lower(uri.substr(0, colon)) == "mailto") {
        const auto at = rest.find('@');
        if (at == std::string_view::npos || at == 0 || at + 1 == rest.size()) {
            return fmt::format("URI '{}' is not a 'mailto:' address of the form "
                               "'mailto:local@domain'",
                               escape_bytes(uri));
        }
    } else if (rest.empty()) {
        return fmt::format("URI '{}' is empty after its scheme", escape_bytes(uri));
    }
    return std::nullopt;
}

// dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (RFC 7489 §6.4).
std::optional<std::string> check_report_uri(std::string_view text) {
    auto uri = text;
    if (const auto bang = text.rfind('!'); bang != std::string_view::npos) {
        auto size = text.substr(bang + 1);
        uri = text.substr(0, bang);
        if (!size.empty() &&
            std::string_view{"kmgtKMGT"}.find(size.back()) != std::string_view::npos) {
            size.remove_suffix(1);
        }
        if (size.empty() || !std::all_of(size.begin(), size.end(), is_digit)) {
            return fmt::format("size limit '{}' of '{}' must be digits with an optional unit "
                               "k, m, g or t",
                               escape_bytes(text.substr(bang)), escape_bytes(text));
        }
    }
    return check_uri(uri);
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
    const auto lower = ascii_lower(value);
    return std::find(allowed.begin(), allowed.end(), lower) != allowed.end();
}

bool is_uint32(std::string_view digits, std::size_t max_digits = 10) {
    if (digits.empty() || digits.size() > max_digits ||
        !std::all_of(digits.begin(), digits.end(), is_digit)) {
        return false;
    }
    unsigned long long value = 0;
    for (const char c : digits) {
        value = value * 10 + static_cast<unsigned long long>(c - '0');
    }
    return value <= 0xffffffffULL;
}

// The problems of one DMARC record, each a full message (RFC 7489 §6.3, §6.4).
std::vector<std::string> check_record(std::string_view text, std::string_view owner) {
    std::vector<std::string> problems;
    auto problem = [&](std::string what) {
        problems.push_back(
            fmt::format("cannot use DMARC record at '{}': {}", owner, std::move(what)));
    };

    std::vector<Tag> tags;
    auto parts = split(text, ';');
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto part = trim_wsp(parts[i]);
        if (part.empty()) {
            // A trailing ";" is allowed (dmarc-sep at the end); empty tags elsewhere are
            // harmless and receivers skip them.
            continue;
        }
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            problem(fmt::format("'{}' is not a tag=value pair", quote(part)));
            continue;
        }
        const auto name = trim_wsp(part.substr(0, eq));
        if (name.empty() || !is_alpha(name.front()) ||
            !std::all_of(name.begin(), name.end(),
                         [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; })) {
            problem(fmt::format("'{}' is not a valid tag name", quote(name)));
            continue;
        }
        tags.push_back(Tag{ascii_lower(name), trim_wsp(part.substr(eq + 1))});
    }

    // v=DMARC1 first (§6.4 dmarc-record), spelled exactly so (%x44 %x4d %x41 %x52 %x43 %x31).
    if (tags.empty() || tags.front().name != "v") {
        problem("'v=DMARC1' must be the first tag");
        return problems;
    }
    if (tags.front().value != "DMARC1") {
        problem(fmt::format("version '{}' must be exactly 'DMARC1' followed by ';'",
                            quote(tags.front().value)));
    }
    // p must follow v directly (§6.4: only the others may appear in any order). A missing p
    // makes receivers discard the record (§6.6.3).
    const auto p =
        std::find_if(tags.begin(), tags.end(), [](const Tag& t) { return t.name == "p"; });
    if (p == tags.end()) {
        problem("the required tag 'p' (none, quarantine or reject) is missing");
    } else if (p != tags.begin() + 1) {
        problem("tag 'p' must directly follow 'v=DMARC1'");
    }

    std::vector<std::string_view> seen; // a handful of tags: a set would allocate per tag
    for (std::size_t i = 1; i < tags.size(); ++i) {
        const auto& [name, value] = tags[i];
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            problem(fmt::format("tag '{}' appears more than once", name));
            continue;
        }
        seen.emplace_back(name);
        if (name == "v") {
            problem("tag 'v' appears more than once");
        } else if (name == "p" || name == "sp") {
            if (!one_of(value, {"none", "quarantine", "reject"})) {
                problem(
                    fmt::format("{}='{}' must be none, quarantine or reject", name, quote(value)));
            }
        } else if (name == "adkim" || name == "aspf") {
            if (!one_of(value, {"r", "s"})) {
                problem(
                    fmt::format("{}='{}' must be r (relaxed) or s (strict)", name, quote(value)));
            }
        } else if (name == "pct") {
            // dmarc-percent = 1*3DIGIT, 0 to 100 (§6.3).
            if (value.empty() || value.size() > 3 ||
                !std::all_of(value.begin(), value.end(), is_digit) ||
                std::stoi(std::string{value}) > 100) {
                problem(fmt::format("pct='{}' must be an integer from 0 to 100", quote(value)));
            }
        } else if (name == "ri") {
            if (!is_uint32(value)) {
                problem(fmt::format("ri='{}' must be a number of seconds (32-bit unsigned)",
                                    quote(value)));
            }
        } else if (name == "fo") {
            for (const auto option : split(value, ':')) {
                if (!one_of(trim_wsp(option), {"0", "1", "d", "s"})) {
                    problem(
                        fmt::format("fo='{}' must be 0, 1, d or s, joined by ':'", quote(value)));
                    break;
                }
            }
        } else if (name == "rf") {
            for (const auto format : split(value, ':')) {
                if (!one_of(trim_wsp(format), {"afrf"})) {
                    problem(fmt::format("rf='{}' names an unknown report format; the only one "
                                        "defined is 'afrf'",
                                        quote(value)));
                    break;
                }
            }
        } else if (name == "rua" || name == "ruf") {
            // dmarc-auri / dmarc-furi: comma-separated dmarc-uri (§6.4).
            for (const auto uri : split(value, ',')) {
                if (auto error = check_report_uri(trim_wsp(uri))) {
                    problem(fmt::format("{}: {}", name, *error));
                }
            }
        }
        // §6.3: unknown tags must be ignored.
    }
    return problems;
}

// A tag "v=DMARC1" that is not at the very start (a later tag, or after leading spaces): the
// record was meant as DMARC, but receivers discard it.
bool has_misplaced_version(std::string_view text) {
    auto parts = split(text, ';');
    return std::any_of(parts.begin(), parts.end(),
                       [](std::string_view part) { return starts_as_dmarc(trim_wsp(part)); });
}

// Whether a text that begins with `prefix` can start as DMARC: exactly starts_as_dmarc() when
// the prefix is the whole text.
bool may_start_as_dmarc(const JoinedPrefix& prefix) {
    const DmarcStart start = dmarc_start(prefix.text);
    return start == DmarcStart::yes || (start == DmarcStart::undecided && !prefix.complete);
}

// <domain>._report._dmarc.<receiver> holds "v=DMARC1" to authorise external report
// destinations (RFC 7489 §7.1); it is not a policy record.
bool is_report_authorisation(std::string_view owner) {
    const auto labels = split_labels(owner);
    for (std::size_t i = 0; i + 1 < labels.size(); ++i) {
        if (labels[i] == "_report" && labels[i + 1] == "_dmarc") {
            return true;
        }
    }
    return false;
}

} // namespace

std::vector<Diagnostic> check_dmarc(const Zone& zone, const LintOptions& /*options*/) {
    std::vector<Diagnostic> out;

    // By name index: whether the name's first label is _dmarc. One pass over the names in
    // index order, rather than reading each TXT record's owner where it lies.
    std::vector<bool> dmarc_owner(zone.name_count(), false);
    for (std::uint32_t id = 0; id < zone.name_count(); ++id) {
        const auto name = zone.name(id);
        dmarc_owner[id] = name.starts_with("_dmarc") && first_label(name) == "_dmarc";
    }

    // DMARC records at _dmarc owners, in zone order. Data below a zone cut is not served by
    // this zone (RFC 1034 §4.2.1).
    std::vector<const Record*> policies;
    for (const auto& record : zone.records()) {
        if (record.type != rrtype::txt) {
            continue;
        }
        const bool at_dmarc = dmarc_owner[record.name];
        if (!at_dmarc) {
            // Elsewhere only a record that starts as DMARC can be misplaced.
            std::array<char, 32> buffer{};
            if (!may_start_as_dmarc(joined_prefix(zone.rdata(record), buffer))) {
                continue;
            }
        }
        if (zone.below_cut(record)) {
            continue;
        }
        const auto owner = zone.owner(record);
        std::string text = joined_text(zone.rdata(record));
        if (!starts_as_dmarc(text)) {
            if (at_dmarc && has_misplaced_version(text)) {
                // RFC 7489 §6.6.3: records not starting with v=DMARC1 are discarded.
                out.push_back(make_finding(
                    "dmarc-invalid", zone, record,
                    fmt::format("cannot use DMARC record at '{}': the record must begin with "
                                "'v=DMARC1', so receivers discard '{}'",
                                owner, quote(text))));
            }
            continue;
        }
        if (!at_dmarc && !is_report_authorisation(owner)) {
            // RFC 7489 §6.1: receivers query only _dmarc.<domain>.
            const auto expected =
                owner == "." ? std::string{"_dmarc."} : "_dmarc." + std::string{owner};
            out.push_back(make_finding(
                "dmarc-wrong-location", zone, record,
                fmt::format("DMARC record at '{}' is never queried: receivers look it up at "
                            "'{}'",
                            owner, expected)));
            continue;
        }
        if (at_dmarc) {
            policies.push_back(&record);
        }
    }

    // Per owner, in zone order: grouped by name index.
    std::stable_sort(policies.begin(), policies.end(),
                     [](const Record* a, const Record* b) { return a->name < b->name; });
    std::vector<bool> has_policy_record(zone.name_count(), false);
    for (std::size_t first = 0; first < policies.size();) {
        const std::uint32_t id = policies[first]->name;
        std::size_t end = first;
        while (end < policies.size() && policies[end]->name == id) {
            ++end;
        }
        has_policy_record[id] = true;
        const auto owner = zone.name(id);
        for (std::size_t i = first; i < end; ++i) {
            const Record& record = *policies[i];
            if (i > first) {
                // RFC 7489 §6.6.3: more than one DMARC record means no policy at all.
                out.push_back(make_finding(
                    "dmarc-multiple-records", zone, record,
                    fmt::format("cannot publish {} DMARC records at '{}': receivers ignore "
                                "all of them unless exactly one exists",
                                end - first, owner)));
            }
            // RFC 7489 §6.3, §6.4: the record must follow the tag syntax.
            for (auto& message : check_record(joined_text(zone.rdata(record)), owner)) {
                out.push_back(make_finding("dmarc-invalid", zone, record, std::move(message)));
            }
        }
        first = end;
    }

    // RFC 7489 §6.1, §6.6.3: a name that receives mail (non-null MX, RFC 7505) should have a
    // policy at _dmarc.<name>, or at the organisational domain, taken here as the zone apex.
    auto has_policy = [&](const std::string& dmarc_name) {
        // An alias or a delegation hands the policy to data this zone does not hold.
        const auto id = zone.name_id(dmarc_name);
        return (id && has_policy_record[*id]) || zone.has_type(dmarc_name, rrtype::cname) ||
               zone.below_cut(dmarc_name);
    };
    const bool apex_policy = has_policy("_dmarc." + zone.origin());
    for (const auto& [owner, record] : mail_domains(zone)) {
        if (apex_policy) {
            break;
        }
        const std::string dmarc_name =
            owner == "." ? std::string{"_dmarc."} : "_dmarc." + std::string{owner};
        if (has_policy(dmarc_name)) {
            continue;
        }
        const std::string where = owner == zone.origin() ? fmt::format("'{}'", dmarc_name)
                                                         : fmt::format("'{}' nor at '_dmarc.{}'",
                                                                       dmarc_name, zone.origin());
        out.push_back(make_finding(
            "dmarc-missing", zone, *record,
            fmt::format("mail domain '{}' publishes no DMARC record at {}; add one such as "
                        "'v=DMARC1; p=none; rua=mailto:...' to learn who sends as this domain",
                        owner, where)));
    }
    return out;
}

} // namespace mxsteer::lint
