// Two threads for the rule groups of a big zone; the groups themselves stay pure (core/).
// SPDX-License-Identifier: MIT
#include "rules_runner.hpp"

#include "huge_pages.hpp"

#include <cstddef>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iterator>
#include <optional>
#include <system_error>
#include <thread>

namespace mxsteer::lint {

namespace {

constexpr std::size_t threaded_from_records = 50000;

// The groups on the second thread, by their index in rule_groups(): SPF, DMARC and DKIM. On a
// 1M-record zone (a 43 MB generated zone, Release, both threads busy) the groups took: input
// 0.02 s, mx 0.11, spf 0.05, dmarc 0.05, dkim 0.04, tlsa 0.02, the others < 0.01; this split
// gives the threads 0.16 and 0.14 s.
constexpr bool on_second_thread(std::size_t group) {
    return group == 2 || group == 3 || group == 4;
}

// The second thread allocates from a heap of its own (glibc gives each thread an arena), every
// 4 KiB page of which would fault on first use: its groups took twice as long as on the calling
// thread, whose heap mxlint grows with huge pages (main.cpp). One block allocated, advised
// and freed first leaves the arena huge-page memory to reuse (kept while mxlint's trim
// threshold is raised; below its 32 MiB mmap threshold, so the block is not mapped apart).
// A hint: where it does not take, nothing changes.
void prepare_thread_heap() {
    constexpr std::size_t block_bytes = std::size_t{24} << 20;
    void* block = std::malloc(block_bytes);
    if (block != nullptr) {
        advise_huge_pages(block, block_bytes);
        std::free(block);
    }
}

} // namespace

std::vector<Diagnostic> run_rules_threaded(const Zone& zone, const LintOptions& options) {
    const auto groups = rule_groups();
    std::vector<std::vector<Diagnostic>> found(groups.size());
    auto run = [&](bool second) {
        for (std::size_t i = 0; i < groups.size(); ++i) {
            if (on_second_thread(i) == second) {
                found[i] = groups[i](zone, options);
            }
        }
    };
    std::optional<std::thread> helper;
    std::exception_ptr helper_error;
    if (zone.records().size() >= threaded_from_records && std::thread::hardware_concurrency() > 1) {
        try {
            helper.emplace([&] {
                try {
                    prepare_thread_heap();
                    run(true);
                } catch (...) {
                    helper_error = std::current_exception();
                }
            });
        } catch (const std::system_error&) {
            helper.reset(); // no thread to be had: every group on this one
        }
    }
    run(false);
    if (helper) {
        helper->join();
        if (helper_error) {
            std::rethrow_exception(helper_error);
        }
    } else {
        run(true);
    }
    return join_findings(std::move(found));
}

std::optional<std::string> sibling_policy(const std::string& zone_file) {
    std::filesystem::path p{zone_file};
    // example.com.zone and example.com.db -> example.com.mta-sts.txt; a file named for its
    // domain, example.com, keeps its whole name: example.com.mta-sts.txt.
    const auto extension = p.extension();
    if (extension == ".zone" || extension == ".db") {
        p.replace_extension(".mta-sts.txt");
    } else {
        p += ".mta-sts.txt";
    }
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) {
        return p.string();
    }
    return std::nullopt;
}

std::vector<Diagnostic> lint_loaded(LoadResult& loaded, const std::string& path,
                                    LintOptions options, const RuleSettings& settings) {
    if (!options.mta_sts_policy) {
        if (const auto policy = sibling_policy(path)) {
            options.mta_sts_policy = MtaStsPolicyText{*policy, read_text_file(*policy)};
        }
    }
    std::vector<Diagnostic> found = run_rules_threaded(loaded.zone, options);
    found.insert(found.end(), std::make_move_iterator(loaded.diagnostics.begin()),
                 std::make_move_iterator(loaded.diagnostics.end()));
    loaded.diagnostics.clear();
    found = apply_settings(std::move(found), settings, loaded.suppressions);
    sort_findings(found);
    return found;
}

} // namespace mxsteer::lint
