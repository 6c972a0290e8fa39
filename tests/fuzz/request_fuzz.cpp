// Fuzz target: untrusted bytes from a pdns connection through the request decoder.
// SPDX-License-Identifier: MIT
#include "protocol/request.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line{reinterpret_cast<const char*>(data), size};
    const auto decoded = mxsteer::protocol::decode_request(line);
    // Exactly one of the two is set: a request, or the reason there is none.
    if (decoded.request.has_value() == !decoded.error.empty()) {
        std::abort();
    }
    return 0;
}
