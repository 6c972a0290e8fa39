// Rule group mx.
// SPDX-License-Identifier: MIT
#include "../rules.hpp"

namespace mxsteer::lint {

std::vector<Diagnostic> check_mx(const Zone& /*zone*/, const LintOptions& /*options*/) {
    return {};
}

} // namespace mxsteer::lint

namespace mxsteer::lint {
std::vector<std::string> mx_exchanges(const Zone& /*zone*/) { return {}; }
} // namespace mxsteer::lint
