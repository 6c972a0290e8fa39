// Fuzz target: untrusted TOML bytes through the mxlint config parser.
// SPDX-License-Identifier: MIT
#include "config.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    auto result = mxsteer::lint::parse_lint_config(text, "fuzz.toml");
    (void)result.config.settings_for("zones/example.com.zone");
    return 0;
}
