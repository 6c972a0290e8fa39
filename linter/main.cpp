// mxlint: lint zone files for what breaks mail. Exit 0 = no errors, 1 = errors, 2 = usage or I/O.
// SPDX-License-Identifier: MIT
#include "config.hpp"
#include "core/lint.hpp"
#include "core/name.hpp"
#include "core/rule_table.hpp"
#include "report.hpp"
#include "zone_loader.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace mxsteer::lint;

constexpr std::string_view version = "0.1.0";

constexpr std::string_view usage_text =
    R"(usage: mxlint [OPTIONS] FILE...
       mxlint --list-rules

Lint DNS zone files for what breaks mail: MX targets, null MX, SPF, DMARC, DKIM,
TLS-RPT, MTA-STS and DANE/TLSA.

options:
  --origin NAME           zone origin (default: leading $ORIGIN, else the file name)
  --format FORMAT         text (default), json or sarif
  --config FILE           TOML file with per-rule settings
  --mta-sts-policy FILE   MTA-STS policy to check against the MX set
                          (default: X.mta-sts.txt beside X.zone)
  --assume-signed         the server signs the zone live (no DNSKEY in the file)
  --strict                warnings also make the exit code 1
  --quiet                 text output: errors and warnings only, no summary
  --list-rules            print the rule catalog and exit
  --version               print the version and exit
  -h, --help              print this help and exit

exit status: 0 no errors, 1 errors found, 2 usage or I/O failure
)";

struct Options {
    std::optional<std::string> origin;
    ReportFormat format = ReportFormat::text;
    std::optional<std::string> config;
    std::optional<std::string> mta_sts_policy;
    bool assume_signed = false;
    bool strict = false;
    bool quiet = false;
    std::vector<std::string> files;
};

[[noreturn]] void usage_error(const std::string& message) {
    fmt::print(stderr, "mxlint: {}\n{}", message, "try 'mxlint --help'\n");
    std::exit(2);
}

Options parse_args(int argc, char** argv) {
    Options o;
    bool only_files = false;
    auto value = [&](int& i, std::string_view flag) -> std::string {
        if (i + 1 >= argc) {
            usage_error(fmt::format("{} needs a value", flag));
        }
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (only_files || arg.empty() || arg[0] != '-' || arg == "-") {
            o.files.push_back(arg);
        } else if (arg == "--") {
            only_files = true;
        } else if (arg == "-h" || arg == "--help") {
            fmt::print("{}", usage_text);
            std::exit(0);
        } else if (arg == "--version") {
            fmt::print("mxlint {}\n", version);
            std::exit(0);
        } else if (arg == "--list-rules") {
            for (const auto& rule : all_rules()) {
                fmt::print("{:<28} {:<8} {:<18} {}\n", rule.id, to_string(rule.severity),
                           rule.rfc.empty() ? "-" : rule.rfc, rule.summary);
            }
            std::exit(0);
        } else if (arg == "--origin") {
            o.origin = value(i, arg);
        } else if (arg == "--format") {
            const std::string f = value(i, arg);
            if (f == "text") {
                o.format = ReportFormat::text;
            } else if (f == "json") {
                o.format = ReportFormat::json;
            } else if (f == "sarif") {
                o.format = ReportFormat::sarif;
            } else {
                usage_error(fmt::format("--format must be text, json or sarif, got '{}'", f));
            }
        } else if (arg == "--config") {
            o.config = value(i, arg);
        } else if (arg == "--mta-sts-policy") {
            o.mta_sts_policy = value(i, arg);
        } else if (arg == "--assume-signed") {
            o.assume_signed = true;
        } else if (arg == "--strict") {
            o.strict = true;
        } else if (arg == "--quiet" || arg == "-q") {
            o.quiet = true;
        } else {
            usage_error(fmt::format("unknown option '{}'", arg));
        }
    }
    if (o.files.empty()) {
        usage_error("no zone file given");
    }
    return o;
}

// X.zone -> X.mta-sts.txt beside it, when that file exists.
std::optional<std::string> sibling_policy(const std::string& zone_file) {
    std::filesystem::path p{zone_file};
    p.replace_extension(".mta-sts.txt");
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) {
        return p.string();
    }
    return std::nullopt;
}

int run(const Options& o) {
    LintConfig config;
    if (o.config) {
        ConfigResult loaded;
        try {
            loaded = load_lint_config(*o.config);
        } catch (const std::system_error& e) {
            fmt::print(stderr, "mxlint: {}: {}\n", e.what(), e.code().message());
            return 2;
        }
        if (!loaded.errors.empty()) {
            for (const auto& d : loaded.errors) {
                fmt::print(stderr, "{}:{}:{}: error: {}\n", d.file, d.line, d.column, d.message);
            }
            return 2;
        }
        config = std::move(loaded.config);
    }

    int status = 0;
    ReportInput report;
    report.quiet = o.quiet;
    for (const auto& path : o.files) {
        std::string text;
        try {
            text = read_text_file(path);
        } catch (const std::system_error& e) {
            // std::system_error::what() appends the errno text after ": ".
            fmt::print(stderr, "mxlint: {}\n", e.what());
            status = 2;
            continue;
        }
        std::optional<std::string> origin;
        if (o.origin) {
            origin = canonical_name(*o.origin);
            if (!origin) {
                usage_error(fmt::format("--origin '{}' is not a domain name", *o.origin));
            }
        } else {
            origin = implied_origin(text, path);
        }
        if (!origin) {
            fmt::print(stderr,
                       "mxlint: cannot tell the origin of '{}': it has no leading $ORIGIN and its "
                       "name is not a domain; pass --origin NAME\n",
                       path);
            status = 2;
            continue;
        }

        LintOptions options;
        options.assume_signed = o.assume_signed;
        const auto policy_path = o.mta_sts_policy ? o.mta_sts_policy : sibling_policy(path);
        if (policy_path) {
            try {
                options.mta_sts_policy =
                    MtaStsPolicyText{*policy_path, read_text_file(*policy_path)};
            } catch (const std::system_error& e) {
                fmt::print(stderr, "mxlint: {}\n", e.what());
                status = 2;
                continue;
            }
        }

        LoadResult loaded = load_zone_file(path, text, *origin);
        // The zone holds all it needs; the file text is the largest single block in memory.
        text.clear();
        text.shrink_to_fit();
        std::vector<Diagnostic> found = run_rules(loaded.zone, options);
        found.insert(found.end(), std::make_move_iterator(loaded.diagnostics.begin()),
                     std::make_move_iterator(loaded.diagnostics.end()));
        found = apply_settings(std::move(found), config.settings_for(path), loaded.suppressions);
        sort_findings(found);
        report.findings.insert(report.findings.end(), std::make_move_iterator(found.begin()),
                               std::make_move_iterator(found.end()));
        ++report.files;
    }

    std::string out;
    switch (o.format) {
    case ReportFormat::text:
        out = render_text(report);
        break;
    case ReportFormat::json:
        out = render_json(report);
        break;
    case ReportFormat::sarif:
        out = render_sarif(report, std::string{version});
        break;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);

    bool errors = false;
    bool warnings = false;
    for (const auto& d : report.findings) {
        errors = errors || d.severity == Severity::error;
        warnings = warnings || d.severity == Severity::warning;
    }
    if (status == 2) {
        return 2;
    }
    return errors || (o.strict && warnings) ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv));
    } catch (const std::exception& e) {
        fmt::print(stderr, "mxlint: {}\n", e.what());
        return 2;
    }
}
