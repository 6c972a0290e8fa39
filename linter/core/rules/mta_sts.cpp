// Rule group mta_sts (stub until implemented).
// SPDX-License-Identifier: MIT
#include "../rules.hpp"

namespace mxsteer::lint {

std::vector<Diagnostic> check_mta_sts(const Zone& /*zone*/, const LintOptions& /*options*/) {
    return {};
}

} // namespace mxsteer::lint
