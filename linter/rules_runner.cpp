// Two threads for the rule groups of a big zone; the groups themselves stay pure (core/).
// SPDX-License-Identifier: MIT
#include "rules_runner.hpp"

#include <cstddef>
#include <exception>
#include <optional>
#include <system_error>
#include <thread>

namespace mxsteer::lint {

namespace {

constexpr std::size_t threaded_from_records = 50000;

// The groups on the second thread, by their index in rule_groups(): SPF and DMARC. On a
// 1M-record zone (a 43 MB generated zone, Release, both threads busy) the groups took: input
// 0.02 s, mx 0.12-0.14, spf 0.19-0.20, dmarc 0.12-0.13, dkim 0.07, tlsa 0.02, the others
// < 0.01; this split ends all of them in 0.31 s, against 0.31-0.33 s with SPF and DKIM and
// 0.38-0.40 s with SPF, DMARC and DKIM on the second thread.
constexpr bool on_second_thread(std::size_t group) {
    return group == 2 || group == 3;
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

} // namespace mxsteer::lint
