// The rule groups of a big zone on two threads.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/lint.hpp"
#include "zone_loader.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mxsteer::lint {

// What run_rules() returns, byte for byte. From 50,000 records the groups are split over the
// calling thread and one more (when the machine has a second CPU and a thread can be had):
// they only read the zone, and each keeps its own findings, joined in group order.
[[nodiscard]] std::vector<Diagnostic> run_rules_threaded(const Zone& zone,
                                                         const LintOptions& options);

// X.mta-sts.txt beside zone file X.zone or X.db (or beside a file X of another name, such as
// one named for its domain), when that file exists.
[[nodiscard]] std::optional<std::string> sibling_policy(const std::string& zone_file);

// Every finding of a loaded zone file, as mxlint reports it and mxsteerd judges a zone by:
// the rules (with the MTA-STS policy beside the file when `options` names none), then the
// loader's own findings, after `settings` and the file's suppressions, sorted. Moves the
// loader's findings out of `loaded`. Throws std::system_error when the policy file cannot be
// read.
[[nodiscard]] std::vector<Diagnostic> lint_loaded(LoadResult& loaded, const std::string& path,
                                                  LintOptions options,
                                                  const RuleSettings& settings);

} // namespace mxsteer::lint
