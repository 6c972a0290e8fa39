// mxlint: lint zone files for what breaks mail. Exit 0 = no errors, 1 = errors, 2 = usage or I/O.
// SPDX-License-Identifier: MIT
#include "config.hpp"
#include "core/lint.hpp"
#include "core/name.hpp"
#include "core/rule_table.hpp"
#include "huge_pages.hpp"
#include "io/config_toml.hpp"
#include "report.hpp"
#include "rules_runner.hpp"
#include "steering.hpp"
#include "zone_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <malloc.h>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace {

using namespace mxsteer::lint;

constexpr std::string_view version = "0.1.0";

constexpr std::string_view usage_text =
    R"(usage: mxlint [OPTIONS] FILE...
       mxlint --config mxsteer.toml [OPTIONS] [FILE...]
       mxlint --list-rules

Lint DNS zone files for what breaks mail: MX targets, null MX, SPF, DMARC, DKIM,
TLS-RPT, MTA-STS and DANE/TLSA.

options:
  --origin NAME           zone origin (default: leading $ORIGIN, else the file name)
  --format FORMAT         text (default), json or sarif
  --config FILE           TOML file with per-rule settings; or mxsteerd's mxsteer.toml
                          (a file with a top-level zones, listen, log_level, regions,
                          networks, geoip or steer key): then its Steering rules apply,
                          pool members count as MX exchanges, and without FILE
                          arguments its [[zones]] are linted
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
    if (o.files.empty() && !o.config) {
        usage_error("no zone file given");
    }
    return o;
}

// A zone file to lint: a FILE argument, or an mxsteer.toml [[zones]] entry.
struct ZoneInput {
    std::string path;
    std::optional<std::string> origin; // canonical; else --origin, $ORIGIN or the file name
};

void print_config_error(const Diagnostic& d) {
    fmt::print(stderr, "{}\n", mxsteer::io::format_config_error(d));
}

// Loading and linting a big zone makes hundreds of MB of small allocations, and every 4 KiB
// page of them faults on first use (costly on a virtual machine: a third of the run on a
// 1M-record zone). For inputs of 8 MiB and more, the main heap is grown once by eight times
// the input with transparent huge pages advised for it, and blocks up to 32 MiB come from
// it; the zone's own large arrays advise themselves (huge_pages.hpp). Only a hint: where it
// fails, allocation goes on as before.
void prepare_heap(const std::vector<std::string>& files) {
    std::uintmax_t bytes = 0;
    for (const auto& file : files) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(file, ec);
        bytes += ec ? 0 : size;
    }
    if (bytes < (std::uintmax_t{8} << 20)) {
        return;
    }
    const auto pad = static_cast<int>(std::min(bytes * 8, std::uintmax_t{1} << 30));
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, pad);
    mallopt(M_TOP_PAD, pad);
    // A block bigger than the heap's free top makes it grow by the block and the pad.
    void* probe = std::malloc(std::size_t{1} << 20);
    auto* first = static_cast<char*>(probe);
    const auto* top = static_cast<char*>(::sbrk(0));
    if (probe != nullptr && first < top && top - first <= pad + (std::ptrdiff_t{4} << 20)) {
        advise_huge_pages(first, static_cast<std::size_t>(top - first));
    }
    std::free(probe);
}

int run(const Options& o) {
    LintConfig config;
    std::optional<SteeringInput> steering;
    if (o.config) {
        std::string text;
        try {
            text = read_text_file(*o.config);
        } catch (const std::system_error& e) {
            fmt::print(stderr, "mxlint: {}: {}\n", e.what(), e.code().message());
            return 2;
        }
        if (config_kind(text) == ConfigKind::mxsteer) {
            SteeringLoad loaded = load_steering(text, *o.config);
            if (!loaded.errors.empty()) {
                for (const auto& d : loaded.errors) {
                    print_config_error(d);
                }
                return 2;
            }
            steering = std::move(loaded.input);
        } else {
            ConfigResult loaded = parse_lint_config(text, *o.config);
            if (!loaded.errors.empty()) {
                for (const auto& d : loaded.errors) {
                    fmt::print(stderr, "{}:{}:{}: error: {}\n", d.file, d.line, d.column,
                               d.message);
                }
                return 2;
            }
            config = std::move(loaded.config);
        }
    }

    std::vector<ZoneInput> inputs;
    for (const auto& path : o.files) {
        inputs.push_back(ZoneInput{path, std::nullopt});
    }
    if (inputs.empty() && steering) {
        for (const auto& zone : steering->zones) {
            inputs.push_back(ZoneInput{zone.file, zone.origin});
        }
    }
    if (inputs.empty()) {
        usage_error(steering ? fmt::format("no zone file given, and '{}' lists no zones", *o.config)
                             : std::string{"no zone file given"});
    }

    LintOptions base;
    base.assume_signed = o.assume_signed;
    if (steering) {
        base.steered = steered_exchanges(*steering);
    }

    int status = 0;
    ReportInput report;
    report.quiet = o.quiet;
    // With a steering config every zone is kept until all are loaded: the steering binds to
    // all of them at once. Without one, each zone is linted and dropped in turn.
    std::vector<LoadResult> kept;
    std::vector<std::string> kept_paths;
    auto lint_zone = [&](LoadResult& loaded, const std::string& path) {
        LintOptions options = base;
        std::vector<Diagnostic> found;
        try {
            if (o.mta_sts_policy) {
                options.mta_sts_policy =
                    MtaStsPolicyText{*o.mta_sts_policy, read_text_file(*o.mta_sts_policy)};
            }
            found = lint_loaded(loaded, path, std::move(options), config.settings_for(path));
        } catch (const std::system_error& e) {
            fmt::print(stderr, "mxlint: {}\n", e.what());
            status = 2;
            return;
        }
        report.findings.insert(report.findings.end(), std::make_move_iterator(found.begin()),
                               std::make_move_iterator(found.end()));
        ++report.files;
    };

    {
        std::vector<std::string> paths;
        for (const auto& input : inputs) {
            paths.push_back(input.path);
        }
        prepare_heap(paths);
    }
    for (const auto& input : inputs) {
        const std::string& path = input.path;
        std::string text;
        try {
            text = read_text_file(path);
        } catch (const std::system_error& e) {
            // std::system_error::what() appends the errno text after ": ".
            fmt::print(stderr, "mxlint: {}\n", e.what());
            status = 2;
            continue;
        }
        std::optional<std::string> origin = input.origin; // a config's: already canonical
        if (!origin && o.origin) {
            origin = canonical_name(*o.origin);
            if (!origin) {
                usage_error(fmt::format("--origin '{}' is not a domain name", *o.origin));
            }
        } else if (!origin) {
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

        LoadResult loaded = load_zone_file(path, text, *origin);
        // The zone holds all it needs; the file text is the largest single block in memory.
        text.clear();
        text.shrink_to_fit();
        if (steering) {
            kept.push_back(std::move(loaded));
            kept_paths.push_back(path);
        } else {
            lint_zone(loaded, path);
        }
    }

    if (steering) {
        std::vector<const Zone*> zones;
        for (const auto& loaded : kept) {
            zones.push_back(&loaded.zone);
        }
        SteeringCheck checked = check_steering(*steering, zones);
        for (const auto& d : checked.config_notes) {
            print_config_error(d);
        }
        for (const auto& d : checked.config_errors) {
            print_config_error(d);
        }
        if (!checked.config_errors.empty()) {
            return 2;
        }
        for (std::size_t i = 0; i < kept.size(); ++i) {
            lint_zone(kept[i], kept_paths[i]);
        }
        report.findings.insert(report.findings.end(),
                               std::make_move_iterator(checked.findings.begin()),
                               std::make_move_iterator(checked.findings.end()));
        // One list in file, line, column order: the config's findings sit beside the zones'.
        report.findings = drop_duplicate_findings(std::move(report.findings));
        sort_findings(report.findings);
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
