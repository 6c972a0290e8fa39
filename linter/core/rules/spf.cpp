// SPF rules: record syntax, the DNS lookup limit, type 99, risky mechanisms (RFC 7208).
// SPDX-License-Identifier: MIT
#include "../name.hpp"
#include "../rdata.hpp"
#include "../rules.hpp"
#include "../text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mxsteer::lint {

namespace {

constexpr std::size_t lookup_limit = 10;

// RFC 7208 §4.5: a record is SPF when it is exactly "v=spf1" or begins with "v=spf1 ".
bool starts_with_version(std::string_view text) {
    return text.size() >= 6 && ascii_lower(text.substr(0, 6)) == "v=spf1";
}
bool is_spf(std::string_view text) {
    return starts_with_version(text) && (text.size() == 6 || text[6] == ' ');
}

enum class TermKind { all, include, a, mx, ptr, ip4, ip6, exists, redirect, exp, modifier };

struct Term {
    std::string_view text; // as written
    TermKind kind = TermKind::modifier;
    char qualifier = '\0';   // '+', '-', '~', '?', or '\0' when absent ("+" by default)
    std::string_view domain; // domain-spec of include/redirect, else empty
};

struct TermResult {
    std::optional<Term> term;
    std::string error; // why the term does not parse, when term is empty
};

struct MacroScan {
    std::optional<std::string> error;
    bool has_macro = false;
    std::size_t literal_tail = 0; // where the literal characters after the last macro begin
};

// macro-string (RFC 7208 §7.1): macro-expand / macro-literal. The letters c, r and t are only
// allowed in explanation text (§7.3), never in a domain-spec.
MacroScan scan_macro_string(std::string_view text, bool explanation_letters) {
    MacroScan out;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '%') {
            if (i + 1 >= text.size()) {
                out.error = "'%' must start a macro ('%{...}', '%%', '%_' or '%-')";
                return out;
            }
            const char next = text[i + 1];
            if (next == '%' || next == '_' || next == '-') {
                i += 2;
            } else if (next == '{') {
                const auto close = text.find('}', i + 2);
                if (close == std::string_view::npos) {
                    out.error = "macro '%{' has no closing '}'";
                    return out;
                }
                const std::string_view body = text.substr(i + 2, close - i - 2);
                const std::string_view letters =
                    explanation_letters ? std::string_view{"slodiphcrtv"} : "slodiphv";
                if (body.empty() ||
                    letters.find(ascii_lower(body.substr(0, 1))[0]) == std::string_view::npos) {
                    out.error = fmt::format("macro '%{{{}}}' does not start with a macro letter "
                                            "of {}",
                                            escape_bytes(body),
                                            explanation_letters ? "s, l, o, d, i, p, h, c, r, t, v"
                                                                : "s, l, o, d, i, p, h, v");
                    return out;
                }
                // transformers = *DIGIT [ "r" ], then *delimiter (§7.1); a digit count must
                // be nonzero (§7.3).
                std::size_t j = 1;
                bool nonzero = false;
                const std::size_t digits_start = j;
                while (j < body.size() && is_digit(body[j])) {
                    nonzero = nonzero || body[j] != '0';
                    ++j;
                }
                if (j > digits_start && !nonzero) {
                    out.error = fmt::format("macro '%{{{}}}' keeps zero labels; the count must "
                                            "be nonzero",
                                            escape_bytes(body));
                    return out;
                }
                if (j < body.size() && (body[j] == 'r' || body[j] == 'R')) {
                    ++j;
                }
                while (j < body.size() &&
                       std::string_view{".-+,/_="}.find(body[j]) != std::string_view::npos) {
                    ++j;
                }
                if (j != body.size()) {
                    out.error = fmt::format("macro '%{{{}}}' has '{}' where a digit, 'r' or a "
                                            "delimiter (. - + , / _ =) was expected",
                                            escape_bytes(body), escape_bytes(body.substr(j, 1)));
                    return out;
                }
                i = close + 1;
            } else {
                out.error = fmt::format("'%{}' is not a macro; write '%%' for a literal '%'",
                                        escape_bytes(text.substr(i + 1, 1)));
                return out;
            }
            out.has_macro = true;
            out.literal_tail = i;
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) {
            out.error =
                fmt::format("character '{}' is not allowed", escape_bytes(text.substr(i, 1)));
            return out;
        }
        ++i;
    }
    return out;
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view label) {
    if (label.empty() || label.front() == '-' || label.back() == '-') {
        return false;
    }
    bool alpha = false;
    bool hyphen = false;
    for (const char c : label) {
        if (c == '-') {
            hyphen = true;
        } else if (is_alpha(c)) {
            alpha = true;
        } else if (!is_digit(c)) {
            return false;
        }
    }
    return alpha || hyphen;
}

// domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand
// (RFC 7208 §7.1). A domain without macros must also be a valid DNS name (RFC 1035 §2.3.4).
std::optional<std::string> check_domain_spec(std::string_view spec) {
    if (spec.empty()) {
        return std::string{"the domain is missing"};
    }
    const auto scan = scan_macro_string(spec, false);
    if (scan.error) {
        return scan.error;
    }
    if (scan.has_macro && scan.literal_tail == spec.size()) {
        return std::nullopt;
    }
    std::string_view tail = spec.substr(scan.literal_tail);
    if (tail.ends_with('.')) {
        tail.remove_suffix(1);
    }
    const auto dot = tail.rfind('.');
    if (dot == std::string_view::npos || !is_toplabel(tail.substr(dot + 1))) {
        return fmt::format("'{}' does not end in a top-level label such as '.com'",
                           escape_bytes(spec));
    }
    if (!scan.has_macro) {
        std::string_view name = spec;
        if (name.ends_with('.')) {
            name.remove_suffix(1);
        }
        if (name.size() > 253) {
            return fmt::format("domain '{}' is longer than 253 characters", quote(spec));
        }
        while (!name.empty()) {
            const auto sep = name.find('.');
            const auto label = name.substr(0, sep);
            if (label.empty() || label.size() > 63) {
                return fmt::format("domain '{}' has an empty label or one longer than 63 "
                                   "characters",
                                   escape_bytes(spec));
            }
            if (sep == std::string_view::npos) {
                break;
            }
            name.remove_prefix(sep + 1);
        }
    }
    return std::nullopt;
}

// A CIDR length without leading zeros, 0..max (ip4-cidr-length, ip6-cidr-length, §5.6).
bool is_cidr_length(std::string_view digits, unsigned max) {
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits.front() == '0')) {
        return false;
    }
    unsigned value = 0;
    for (const char c : digits) {
        if (!is_digit(c)) {
            return false;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value <= max;
}

// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] (RFC 7208 §5.6).
std::optional<std::string> check_dual_cidr(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    const std::string expected = "expected '/0'-'/32', '//0'-'//128' or both";
    if (text.front() != '/') {
        return fmt::format("'{}' follows the domain; {}", escape_bytes(text), expected);
    }
    std::string_view ip4;
    std::string_view ip6;
    bool has_ip6 = false;
    if (text.starts_with("//")) {
        ip6 = text.substr(2);
        has_ip6 = true;
    } else {
        const auto split = text.find("//");
        ip4 = text.substr(1, split == std::string_view::npos ? split : split - 1);
        if (split != std::string_view::npos) {
            ip6 = text.substr(split + 2);
            has_ip6 = true;
        }
        if (!is_cidr_length(ip4, 32)) {
            return fmt::format("prefix length '{}' is not valid; {}", escape_bytes(text), expected);
        }
    }
    if (has_ip6 && !is_cidr_length(ip6, 128)) {
        return fmt::format("prefix length '{}' is not valid; {}", escape_bytes(text), expected);
    }
    return std::nullopt;
}

// ip4-network = qnum "." qnum "." qnum "." qnum, qnum 0-255 without leading zeros (§5.6).
bool is_ip4_network(std::string_view text) {
    int parts = 0;
    while (true) {
        const auto sep = text.find('.');
        const auto part = text.substr(0, sep);
        if (part.empty() || part.size() > 3 || (part.size() > 1 && part.front() == '0')) {
            return false;
        }
        unsigned value = 0;
        for (const char c : part) {
            if (!is_digit(c)) {
                return false;
            }
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value > 255) {
            return false;
        }
        ++parts;
        if (sep == std::string_view::npos) {
            break;
        }
        text.remove_prefix(sep + 1);
    }
    return parts == 4;
}

// ip6-network = <as per RFC 4291 §2.2> (§5.6); inet_pton implements that text form.
bool is_ip6_network(std::string_view text) {
    if (text.empty() || text.size() > 45) {
        return false;
    }
    const std::string copy{text};
    std::array<unsigned char, 16> addr{};
    return ::inet_pton(AF_INET6, copy.c_str(), addr.data()) == 1;
}

// The position of the first '/' that is not inside a "%{...}" macro.
std::size_t cidr_start(std::string_view text) {
    bool in_macro = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (in_macro) {
            in_macro = text[i] != '}';
        } else if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '{') {
            in_macro = true;
            ++i;
        } else if (text[i] == '/') {
            return i;
        }
    }
    return std::string_view::npos;
}

struct MechanismName {
    std::string_view name;
    TermKind kind;
};
constexpr std::array<MechanismName, 8> mechanisms{{
    {"all", TermKind::all},
    {"include", TermKind::include},
    {"a", TermKind::a},
    {"mx", TermKind::mx},
    {"ptr", TermKind::ptr},
    {"ip4", TermKind::ip4},
    {"ip6", TermKind::ip6},
    {"exists", TermKind::exists},
}};

std::optional<TermKind> mechanism_kind(std::string_view lower_name) {
    for (const auto& m : mechanisms) {
        if (m.name == lower_name) {
            return m.kind;
        }
    }
    return std::nullopt;
}

TermResult fail(std::string reason) {
    return TermResult{std::nullopt, std::move(reason)};
}

// A mechanism's argument after its name: a = "a" [ ":" domain-spec ] [ dual-cidr-length ] etc.
// (RFC 7208 §5, §12).
TermResult parse_mechanism(Term term, std::string_view name, std::string_view rest) {
    switch (term.kind) {
    case TermKind::all:
        if (!rest.empty()) {
            return fail("'all' takes no argument");
        }
        return TermResult{term, {}};
    case TermKind::include:
    case TermKind::exists: {
        if (!rest.starts_with(':')) {
            return fail(fmt::format("'{}' needs ':' and a domain", ascii_lower(name)));
        }
        term.domain = rest.substr(1);
        if (auto error = check_domain_spec(term.domain)) {
            return fail(std::move(*error));
        }
        return TermResult{term, {}};
    }
    case TermKind::ptr:
        if (rest.empty()) {
            return TermResult{term, {}};
        }
        if (!rest.starts_with(':')) {
            return fail("'ptr' takes only an optional ':' and a domain");
        }
        if (auto error = check_domain_spec(rest.substr(1))) {
            return fail(std::move(*error));
        }
        return TermResult{term, {}};
    case TermKind::a:
    case TermKind::mx: {
        std::string_view cidr = rest;
        if (rest.starts_with(':')) {
            const auto slash = cidr_start(rest);
            const auto domain = rest.substr(1, slash == std::string_view::npos ? slash : slash - 1);
            if (auto error = check_domain_spec(domain)) {
                return fail(std::move(*error));
            }
            cidr = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
        }
        if (auto error = check_dual_cidr(cidr)) {
            return fail(std::move(*error));
        }
        return TermResult{term, {}};
    }
    case TermKind::ip4:
    case TermKind::ip6: {
        const bool v4 = term.kind == TermKind::ip4;
        const std::string_view expected =
            v4 ? "'ip4' needs a dotted-quad IPv4 address with an optional /0-32 prefix"
               : "'ip6' needs an IPv6 address with an optional /0-128 prefix";
        if (!rest.starts_with(':')) {
            return fail(std::string{expected});
        }
        const auto network = rest.substr(1);
        const auto slash = network.find('/');
        const auto address = network.substr(0, slash);
        if (!(v4 ? is_ip4_network(address) : is_ip6_network(address))) {
            return fail(fmt::format("'{}' is not an {} address; {}", escape_bytes(address),
                                    v4 ? "IPv4" : "IPv6", expected));
        }
        if (slash != std::string_view::npos &&
            !is_cidr_length(network.substr(slash + 1), v4 ? 32 : 128)) {
            return fail(fmt::format("prefix '{}' is not valid; {}",
                                    escape_bytes(network.substr(slash)), expected));
        }
        return TermResult{term, {}};
    }
    default:
        return fail("unknown mechanism");
    }
}

// One term (RFC 7208 §4.6.1, §12): directive = [ qualifier ] mechanism, or modifier =
// name "=" macro-string. Names are case-insensitive.
TermResult parse_term(std::string_view text) {
    Term term;
    term.text = text;
    std::size_t i = 0;
    if (std::string_view{"+-~?"}.find(text.front()) != std::string_view::npos) {
        term.qualifier = text.front();
        i = 1;
    }
    std::size_t end = i;
    while (end < text.size() &&
           (is_alnum(text[end]) || text[end] == '-' || text[end] == '_' || text[end] == '.')) {
        ++end;
    }
    const std::string_view name = text.substr(i, end - i);
    const std::string_view rest = text.substr(end);
    if (name.empty() || !is_alpha(name.front())) {
        return fail("a term starts with a mechanism name or a modifier name");
    }
    const std::string lower = ascii_lower(name);
    const auto mechanism = mechanism_kind(lower);
    if (rest.starts_with('=')) {
        // modifier = redirect / explanation / unknown-modifier (§6, §12).
        if (term.qualifier != '\0') {
            return fail(fmt::format("modifier '{}' cannot take a qualifier", escape_bytes(name)));
        }
        const auto value = rest.substr(1);
        if (mechanism) {
            // The ABNF would read this as an unknown modifier, which receivers ignore; it is
            // always a typo for the mechanism, so the intended term is silently lost.
            return fail(fmt::format("'{}' is a mechanism and takes ':' not '='; receivers "
                                    "ignore it as an unknown modifier",
                                    lower));
        }
        if (lower == "redirect" || lower == "exp") {
            term.kind = lower == "redirect" ? TermKind::redirect : TermKind::exp;
            term.domain = value;
            if (auto error = check_domain_spec(value)) {
                return fail(std::move(*error));
            }
            return TermResult{term, {}};
        }
        term.kind = TermKind::modifier;
        if (auto scan = scan_macro_string(value, true); scan.error) {
            return fail(std::move(*scan.error));
        }
        return TermResult{term, {}};
    }
    if (!mechanism) {
        return fail(fmt::format("'{}' is not a mechanism (all, include, a, mx, ptr, ip4, ip6, "
                                "exists) and has no '=' of a modifier",
                                escape_bytes(name)));
    }
    term.kind = *mechanism;
    return parse_mechanism(term, name, rest);
}

struct ParsedSpf {
    std::vector<Term> terms;         // terms that parse, in order
    std::vector<std::string> errors; // one message per term that does not parse
};

// record = version terms *SP, terms = *( 1*SP ( directive / modifier ) ) (RFC 7208 §12).
ParsedSpf parse_spf(std::string_view text) {
    ParsedSpf out;
    std::string_view rest = text.substr(6);
    bool redirect = false;
    bool exp = false;
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(start);
        const auto end = rest.find(' ');
        const auto token = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        auto result = parse_term(token);
        if (!result.term) {
            out.errors.push_back(
                fmt::format("cannot parse SPF term '{}': {}", quote(token), result.error));
            continue;
        }
        // RFC 7208 §6: redirect and exp must not appear more than once each (permerror).
        bool& seen = result.term->kind == TermKind::redirect ? redirect : exp;
        if (result.term->kind == TermKind::redirect || result.term->kind == TermKind::exp) {
            if (seen) {
                out.errors.push_back(fmt::format(
                    "cannot parse SPF term '{}': '{}=' may appear only once in a record",
                    quote(token), result.term->kind == TermKind::redirect ? "redirect" : "exp"));
                continue;
            }
            seen = true;
        }
        out.terms.push_back(*result.term);
    }
    return out;
}

bool has_all(const ParsedSpf& spf) {
    return std::any_of(spf.terms.begin(), spf.terms.end(),
                       [](const Term& t) { return t.kind == TermKind::all; });
}

std::size_t saturating_add(std::size_t a, std::size_t b) {
    return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                           : a + b;
}

struct LookupCount {
    std::size_t lookups = 0;
    std::size_t uncounted = 0;     // include/redirect targets whose terms cannot be counted
    std::vector<std::string> loop; // names of an include/redirect loop, first repeated at end
};

// Counts the DNS-querying terms of a policy, following in-zone include and redirect targets
// (RFC 7208 §4.6.4). Results free of loops do not depend on the path and are memoised. The
// first loop found ends the count: it alone decides the finding, and going on would walk every
// path through a graph of loops, exponentially many (40 records including the next three each
// would take longer than anyone waits).
class LookupCounter {
public:
    // `policies` holds, per name index, 1 + the index in zone.records() of that name's policy
    // record, or 0. A policy is parsed when an include or redirect first reaches it.
    LookupCounter(const Zone& zone, const std::vector<std::uint32_t>& policies)
        : zone_(zone), policies_(policies) {}

    LookupCount count(std::string_view owner, const ParsedSpf& spf) {
        stack_.assign(1, std::string{owner});
        auto result = count_policy(spf);
        stack_.clear();
        return result;
    }

private:
    LookupCount count_policy(const ParsedSpf& spf) {
        LookupCount total;
        // Evaluation stops at "all" (§4.6.2), and "redirect" is ignored when the record has an
        // "all" anywhere (§6.1).
        for (const auto& term : spf.terms) {
            if (term.kind == TermKind::all) {
                break;
            }
            switch (term.kind) {
            case TermKind::include:
                total.lookups = saturating_add(total.lookups, 1);
                follow(term.domain, total);
                if (!total.loop.empty()) {
                    return total;
                }
                break;
            case TermKind::a:
            case TermKind::mx:
            case TermKind::ptr:
            case TermKind::exists:
                total.lookups = saturating_add(total.lookups, 1);
                break;
            default:
                break;
            }
        }
        if (!has_all(spf)) {
            for (const auto& term : spf.terms) {
                if (term.kind == TermKind::redirect) {
                    total.lookups = saturating_add(total.lookups, 1);
                    follow(term.domain, total);
                    if (!total.loop.empty()) {
                        return total;
                    }
                }
            }
        }
        return total;
    }

    void follow(std::string_view domain, LookupCount& total) {
        std::optional<std::string> target;
        if (domain.find('%') == std::string_view::npos) {
            target = canonical_name(domain, ".");
        }
        if (!target || !zone_.in_zone(*target) || zone_.below_cut(*target)) {
            ++total.uncounted;
            return;
        }
        const auto id = zone_.name_id(*target);
        const std::uint32_t policy = id ? policies_[*id] : 0;
        if (policy == 0) {
            // No SPF record there: the include fails (permerror), nothing more is queried.
            return;
        }
        if (std::find(stack_.begin(), stack_.end(), *target) != stack_.end()) {
            if (total.loop.empty()) {
                total.loop.assign(std::find(stack_.begin(), stack_.end(), *target), stack_.end());
                total.loop.push_back(*target);
            }
            return;
        }
        LookupCount sub;
        if (auto memo = memo_.find(*target); memo != memo_.end()) {
            sub = memo->second;
        } else {
            const std::string text = joined_text(zone_.rdata(zone_.records()[policy - 1]));
            stack_.push_back(*target);
            sub = count_policy(parse_spf(text));
            stack_.pop_back();
            if (sub.loop.empty()) {
                memo_.emplace(*target, sub);
            }
        }
        total.lookups = saturating_add(total.lookups, sub.lookups);
        total.uncounted = saturating_add(total.uncounted, sub.uncounted);
        if (total.loop.empty()) {
            total.loop = std::move(sub.loop);
        }
    }

    const Zone& zone_;
    const std::vector<std::uint32_t>& policies_;
    std::vector<std::string> stack_;
    std::unordered_map<std::string, LookupCount> memo_;
};

std::string term_list(const std::vector<std::string_view>& terms) {
    std::string out;
    for (const auto& t : terms) {
        if (!out.empty()) {
            out += ", ";
        }
        out += "'" + quote(t) + "'";
    }
    return out;
}

} // namespace

std::vector<Diagnostic> check_spf(const Zone& zone, const LintOptions& /*options*/) {
    std::vector<Diagnostic> out;

    // Collect the v=spf1 TXT records in zone order. Data below a zone cut is not served by
    // this zone (RFC 1034 §4.2.1), so it is skipped. A big zone has an SPF record per mail
    // domain: records are judged from their first seven octets and parsed one at a time
    // below, so that no text or parse of theirs is kept.
    std::vector<std::uint32_t> spf_records; // indices in zone.records()
    // Per name index: the number of SPF records, 1 + the index of the first (the name's
    // policy; more than one is reported below) or 0, and whether one has a broken version tag.
    std::vector<std::uint32_t> per_owner(zone.name_count(), 0);
    std::vector<std::uint32_t> policies(zone.name_count(), 0);
    std::vector<bool> near_miss(zone.name_count(), false);
    const auto records = zone.records();
    for (std::uint32_t i = 0; i < records.size(); ++i) {
        const Record& record = records[i];
        if (record.type != rrtype::txt && record.type != rrtype::spf) {
            continue;
        }
        // "v=spf1" and the octet after it decide is_spf() and starts_with_version().
        std::array<char, 7> buffer{};
        const JoinedPrefix prefix = joined_prefix(zone.rdata(record), buffer);
        if (record.type == rrtype::txt && !starts_with_version(prefix.text)) {
            continue; // not SPF, nor a near miss
        }
        if (zone.below_cut(record)) {
            continue;
        }
        const auto owner = zone.owner(record);
        if (record.type == rrtype::spf) {
            // RFC 7208 §3.1, §14.1: type 99 is obsolete; receivers query TXT only.
            out.push_back(make_finding(
                "spf-rrtype-deprecated", zone, record,
                fmt::format("cannot rely on RR type SPF (99) at '{}': receivers query only TXT; "
                            "publish the policy as a TXT record and remove the SPF record",
                            owner)));
            continue;
        }
        if (!is_spf(prefix.text)) {
            // RFC 7208 §4.5: "v=spf1" must be followed by a space or end the record, else the
            // record is not SPF at all. Strings joined without a space do this.
            near_miss[record.name] = true;
            out.push_back(make_finding(
                "spf-syntax-error", zone, record,
                fmt::format("cannot read TXT record '{}' at '{}' as SPF: 'v=spf1' must be "
                            "followed by a space, so receivers ignore this record",
                            quote(joined_text(zone.rdata(record))), owner)));
            continue;
        }
        ++per_owner[record.name];
        if (policies[record.name] == 0) {
            policies[record.name] = i + 1;
        }
        spf_records.push_back(i);
    }
    LookupCounter counter{zone, policies};

    for (const auto index : spf_records) {
        const Record& record = records[index];
        const auto owner = zone.owner(record);
        const std::string text = joined_text(zone.rdata(record));
        const ParsedSpf parsed = parse_spf(text);

        // RFC 7208 §3.2, §4.5: more than one v=spf1 record at a name is a permerror.
        const std::size_t count = per_owner[record.name];
        if (policies[record.name] != index + 1) { // not the first at its owner
            out.push_back(make_finding(
                "spf-multiple-records", zone, record,
                fmt::format("cannot publish {} SPF records at '{}': receivers return permerror "
                            "unless exactly one v=spf1 record exists; merge them into one",
                            count, owner)));
        }

        // RFC 7208 §4.6.1, §5.6, §12: every term must parse.
        for (const auto& error : parsed.errors) {
            out.push_back(make_finding("spf-syntax-error", zone, record, error));
        }

        std::optional<std::string_view> all_term;
        std::vector<std::string_view> after_all;
        for (const auto& term : parsed.terms) {
            if (all_term) {
                after_all.push_back(term.text);
            }
            if (term.kind == TermKind::ptr) {
                // RFC 7208 §5.5: "ptr" SHOULD NOT be used; it is slow and unreliable.
                out.push_back(make_finding(
                    "spf-ptr-mechanism", zone, record,
                    fmt::format("SPF term '{}' at '{}' should not be published: 'ptr' is slow "
                                "and unreliable and some receivers skip it; list the addresses "
                                "with 'ip4:'/'ip6:' or use 'a'/'mx'",
                                quote(term.text), owner)));
            }
            if (term.kind == TermKind::all) {
                if (term.qualifier == '\0' || term.qualifier == '+') {
                    // RFC 7208 §5.1: "+all" matches every sender; the policy then authorises
                    // the whole Internet.
                    out.push_back(make_finding(
                        "spf-pass-all", zone, record,
                        fmt::format("SPF term '{}' at '{}' authorises every host on the "
                                    "Internet to send mail as this domain; end with '-all' or "
                                    "'~all'",
                                    quote(term.text), owner)));
                }
                if (!all_term) {
                    all_term = term.text;
                }
            }
        }
        if (!after_all.empty()) {
            // RFC 7208 §5.1: mechanisms after "all" are never tested; §6.1: "redirect" is
            // ignored when the record has "all".
            out.push_back(make_finding(
                "spf-terms-after-all", zone, record,
                fmt::format("SPF terms after '{}' at '{}' are never evaluated: {}; move them "
                            "before '{}' or remove them",
                            quote(*all_term), owner, term_list(after_all), quote(*all_term))));
        }

        // RFC 7208 §4.6.4: at most 10 terms that query DNS per check_host() evaluation.
        const auto lookups = counter.count(owner, parsed);
        if (!lookups.loop.empty()) {
            std::string path;
            for (const auto& name : lookups.loop) {
                path += (path.empty() ? "'" : " -> '") + name + "'";
            }
            out.push_back(make_finding(
                "spf-too-many-lookups", zone, record,
                fmt::format("cannot evaluate the SPF policy of '{}': include/redirect loop {} "
                            "repeats until the limit of {} DNS lookups is exceeded",
                            owner, path, lookup_limit)));
        } else if (lookups.lookups > lookup_limit) {
            std::string uncounted;
            if (lookups.uncounted > 0) {
                uncounted = fmt::format("; {} include/redirect target{} outside the zone add "
                                        "more that cannot be counted offline",
                                        lookups.uncounted, lookups.uncounted == 1 ? "" : "s");
            }
            out.push_back(make_finding(
                "spf-too-many-lookups", zone, record,
                fmt::format("cannot evaluate the SPF policy of '{}' within {} DNS lookups: it "
                            "needs {} (include, a, mx, ptr, exists and redirect terms, in-zone "
                            "includes followed){}; receivers return permerror",
                            owner, lookup_limit, lookups.lookups, uncounted)));
        }
    }

    // RFC 7208 §3: a name that receives mail (non-null MX, RFC 7505) should publish SPF. The
    // finding sits on the name's first MX record.
    for (const auto& [owner, record] : mail_domains(zone)) {
        if (per_owner[record->name] != 0 || near_miss[record->name]) {
            continue;
        }
        out.push_back(make_finding(
            "spf-missing", zone, *record,
            fmt::format("mail domain '{}' publishes no SPF record; add a TXT record such as "
                        "'v=spf1 mx -all' so receivers can reject forged senders",
                        owner)));
    }
    return out;
}

} // namespace mxsteer::lint
