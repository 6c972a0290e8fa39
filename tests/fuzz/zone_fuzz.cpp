// Fuzz target: untrusted master-file bytes through the loader and every rule.
// SPDX-License-Identifier: MIT
#include "core/lint.hpp"
#include "zone_loader.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mxsteer::lint;
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    // $INCLUDE paths resolve below a directory that does not exist, so no real file is read.
    auto loaded = load_zone_text(text, "fuzz.zone", "example.com.", "/nonexistent-fuzz-dir");
    LintOptions options;
    options.mta_sts_policy = MtaStsPolicyText{"fuzz.mta-sts.txt", std::string{text}};
    auto found = run_rules(loaded.zone, options);
    found = apply_settings(std::move(found), {}, loaded.suppressions);
    return 0;
}
