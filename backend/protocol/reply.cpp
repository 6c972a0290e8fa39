// pdns remote-backend replies, built by hand: bench/json/RESULTS.md measured it faster than
// every library writer, and a reply is only a handful of fixed keys around pre-rendered text.
// SPDX-License-Identifier: MIT
#include "protocol/reply.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace mxsteer::protocol {

std::string reply_bool(bool result, std::span<const std::string> log) {
    std::string out = result ? "{\"result\":true" : "{\"result\":false";
    if (!log.empty()) {
        out += ",\"log\":[";
        bool first = true;
        for (const std::string& message : log) {
            if (!first) {
                out += ',';
            }
            first = false;
            core::append_json_string(out, message);
        }
        out += ']';
    }
    out += "}\n";
    return out;
}

std::string reply_value(std::string_view json_value) {
    constexpr std::string_view head = "{\"result\":";
    constexpr std::string_view tail = "}\n";
    std::string out;
    out.reserve(head.size() + json_value.size() + tail.size());
    out += head;
    out += json_value;
    out += tail;
    return out;
}

} // namespace mxsteer::protocol
