// Text, JSON and SARIF renderers. Output is deterministic: no times, paths as given.
// SPDX-License-Identifier: MIT
#include "report.hpp"

#include "core/rule_table.hpp"

#include <fmt/format.h>

#include <map>

namespace mxsteer::lint {

namespace {

struct Counts {
    std::size_t errors = 0;
    std::size_t warnings = 0;
    std::size_t infos = 0;
    std::map<std::string, std::size_t> by_rule;
    // Per rule and the severity it was reported with (config and policy modes change it).
    std::map<std::pair<std::string, Severity>, std::size_t> by_rule_severity;
};

Counts count(const std::vector<Diagnostic>& findings) {
    Counts c;
    for (const auto& d : findings) {
        switch (d.severity) {
        case Severity::error:
            ++c.errors;
            break;
        case Severity::warning:
            ++c.warnings;
            break;
        case Severity::info:
            ++c.infos;
            break;
        }
        ++c.by_rule[d.rule];
        ++c.by_rule_severity[{d.rule, d.severity}];
    }
    return c;
}

std::string plural(std::size_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string_view rfc_of(std::string_view rule) {
    const RuleInfo* info = find_rule(rule);
    return info != nullptr ? info->rfc : std::string_view{};
}

std::string_view sarif_level(Severity severity) {
    switch (severity) {
    case Severity::error:
        return "error";
    case Severity::warning:
        return "warning";
    case Severity::info:
        return "note";
    }
    return "error";
}

// Length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629 §4), or 0.
std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        len = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        len = 3;
        lo = lead == 0xe0 ? 0xa0 : 0x80;
        hi = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        len = 4;
        lo = lead == 0xf0 ? 0x90 : 0x80;
        hi = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (text.size() < len || byte(1) < lo || byte(1) > hi) {
        return 0;
    }
    for (std::size_t i = 2; i < len; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf) {
            return 0;
        }
    }
    return len;
}

} // namespace

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '"') {
            out += "\\\"";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\u{:04x}", u);
        } else if (u < 0x80) {
            out += c;
        } else {
            // Valid UTF-8 passes through; any other byte becomes U+FFFD so the JSON stays valid.
            const std::size_t len = utf8_sequence_length(text.substr(i));
            if (len == 0) {
                out += "\\ufffd";
            } else {
                out.append(text.substr(i, len));
                i += len - 1;
            }
        }
    }
    return out;
}

std::string render_text(const ReportInput& input) {
    std::string out;
    for (const auto& d : input.findings) {
        if (input.quiet && d.severity == Severity::info) {
            continue;
        }
        if (d.line == 0) {
            out +=
                fmt::format("{}: {}: {} [{}]\n", d.file, to_string(d.severity), d.message, d.rule);
        } else {
            out +=
                fmt::format("{}:{}:{}: {}: {} [{}]\n", d.file, d.line, d.column == 0 ? 1 : d.column,
                            to_string(d.severity), d.message, d.rule);
        }
    }
    if (input.quiet) {
        return out;
    }
    const Counts c = count(input.findings);
    out += fmt::format("{} file{} checked: {}, {}, {}\n", input.files, input.files == 1 ? "" : "s",
                       plural(c.errors, "error"), plural(c.warnings, "warning"),
                       fmt::format("{} info", c.infos));
    for (const auto& [key, n] : c.by_rule_severity) {
        out += fmt::format("  {:<28} {:<8} {}\n", key.first, to_string(key.second), n);
    }
    return out;
}

std::string render_json(const ReportInput& input) {
    std::string out = "{\"findings\":[";
    bool first = true;
    for (const auto& d : input.findings) {
        out += first ? "\n  " : ",\n  ";
        first = false;
        out += fmt::format("{{\"rule\":\"{}\",\"severity\":\"{}\",\"file\":\"{}\",\"line\":{},"
                           "\"column\":{},\"owner\":\"{}\",\"message\":\"{}\",\"rfc\":\"{}\"}}",
                           json_escape(d.rule), to_string(d.severity), json_escape(d.file), d.line,
                           d.column, json_escape(d.owner), json_escape(d.message),
                           json_escape(rfc_of(d.rule)));
    }
    const Counts c = count(input.findings);
    out += first ? "],\n" : "\n],\n";
    out += fmt::format("\"summary\":{{\"files\":{},\"errors\":{},\"warnings\":{},\"info\":{},"
                       "\"rules\":{{",
                       input.files, c.errors, c.warnings, c.infos);
    first = true;
    for (const auto& [rule, n] : c.by_rule) {
        out += fmt::format("{}\"{}\":{}", first ? "" : ",", json_escape(rule), n);
        first = false;
    }
    out += "}}}\n";
    return out;
}

std::string render_sarif(const ReportInput& input, const std::string& version) {
    const auto rules = all_rules();
    std::string out = "{\n\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\n"
                      "\"version\":\"2.1.0\",\n\"runs\":[{\n\"tool\":{\"driver\":{"
                      "\"name\":\"mxlint\",";
    out += fmt::format("\"version\":\"{}\",\"semanticVersion\":\"{}\",", json_escape(version),
                       json_escape(version));
    out += "\n\"rules\":[";
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const RuleInfo& r = rules[i];
        const std::string url = rfc_url(r);
        const std::string help =
            r.rfc.empty() ? std::string{r.summary} : fmt::format("{} ({})", r.summary, r.rfc);
        out += fmt::format(
            "{}\n  {{\"id\":\"{}\",\"name\":\"{}\",\"shortDescription\":{{\"text\":\"{}\"}},"
            "\"fullDescription\":{{\"text\":\"{}\"}},\"help\":{{\"text\":\"{}\"}},",
            i == 0 ? "" : ",", r.id, r.id, json_escape(r.summary), json_escape(help),
            json_escape(help));
        if (!url.empty()) {
            out += fmt::format("\"helpUri\":\"{}\",", url);
        }
        out +=
            fmt::format("\"defaultConfiguration\":{{\"level\":\"{}\"}}}}", sarif_level(r.severity));
    }
    out += "\n]}},\n\"results\":[";
    bool first = true;
    for (const auto& d : input.findings) {
        std::size_t index = 0;
        while (index < rules.size() && rules[index].id != d.rule) {
            ++index;
        }
        out += first ? "\n  " : ",\n  ";
        first = false;
        out += fmt::format("{{\"ruleId\":\"{}\",", json_escape(d.rule));
        if (index < rules.size()) {
            out += fmt::format("\"ruleIndex\":{},", index);
        }
        out += fmt::format("\"level\":\"{}\",\"message\":{{\"text\":\"{}\"}},"
                           "\"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{"
                           "\"uri\":\"{}\"",
                           sarif_level(d.severity), json_escape(d.message), json_escape(d.file));
        if (!d.file.starts_with('/')) {
            out += ",\"uriBaseId\":\"%SRCROOT%\"";
        }
        out += "}";
        if (d.line > 0) {
            out += fmt::format(",\"region\":{{\"startLine\":{},\"startColumn\":{}}}", d.line,
                               d.column == 0 ? 1 : d.column);
        }
        out += "}";
        if (!d.owner.empty()) {
            out += fmt::format(",\"logicalLocations\":[{{\"name\":\"{}\",\"kind\":\"member\"}}]",
                               json_escape(d.owner));
        }
        out += "}]}";
    }
    out += first ? "]\n}]\n}\n" : "\n]\n}]\n}\n";
    return out;
}

} // namespace mxsteer::lint
