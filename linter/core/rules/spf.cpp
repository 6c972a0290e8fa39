// Rule group spf (stub until implemented).
// SPDX-License-Identifier: MIT
#include "../rules.hpp"

namespace mxsteer::lint {

std::vector<Diagnostic> check_spf(const Zone& /*zone*/, const LintOptions& /*options*/) {
    return {};
}

} // namespace mxsteer::lint
