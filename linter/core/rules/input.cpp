// Rule group input.
// SPDX-License-Identifier: MIT
#include "../rules.hpp"

namespace mxsteer::lint {

std::vector<Diagnostic> check_input(const Zone& /*zone*/, const LintOptions& /*options*/) {
    return {};
}

} // namespace mxsteer::lint
