// Fuzz target: untrusted bytes from a probed SMTP server through the reply parser, in chunks
// whose size the first input byte chooses, and every complete reply through parse_ehlo().
// SPDX-License-Identifier: MIT
#include "core/smtp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using mxsteer::core::SmtpReplyParser;
    if (size == 0) {
        return 0;
    }
    const std::size_t chunk = std::size_t{data[0]} + 1;
    const std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
    const mxsteer::core::SmtpLimits limits{256, 16};
    SmtpReplyParser parser{limits};
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::string_view piece = bytes.substr(at, chunk);
        const auto step = parser.feed(piece);
        if (step.consumed > piece.size()) {
            std::abort();
        }
        at += step.consumed;
        if (step.status == SmtpReplyParser::Status::error) {
            if (parser.error().empty()) {
                std::abort();
            }
            break;
        }
        if (step.status == SmtpReplyParser::Status::complete) {
            const auto& reply = parser.reply();
            if (reply.code < 200 || reply.code > 559 || reply.lines.empty() ||
                reply.lines.size() > limits.max_lines) {
                std::abort();
            }
            for (const auto& line : reply.lines) {
                if (line.size() > limits.max_line_bytes) {
                    std::abort();
                }
            }
            const auto caps = mxsteer::core::parse_ehlo(reply);
            if (caps.keywords.size() >= reply.lines.size() && !reply.lines.empty()) {
                std::abort();
            }
            static_cast<void>(mxsteer::core::describe(reply));
        } else if (step.consumed != piece.size()) {
            std::abort(); // need_more uses the whole input
        }
    }
    return 0;
}
