// SMTP reply parsing: every byte comes from a server we do not control, so each limit is checked
// before the byte is kept.
// SPDX-License-Identifier: MIT
#include "smtp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

namespace mxsteer::core {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// Server text made safe for messages and logs: printable ASCII kept, other bytes as \xHH.
std::string printable(std::string_view text, std::size_t max_bytes) {
    std::string out;
    for (const char c : text) {
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            out += c;
        } else {
            out += fmt::format("\\x{:02x}", byte);
        }
    }
    return out;
}

} // namespace

SmtpReplyParser::Step SmtpReplyParser::feed(std::string_view bytes) {
    if (!error_.empty()) {
        return {Status::error, 0};
    }
    if (done_) {
        reply_ = {};
        done_ = false;
    }
    std::size_t used = 0;
    while (used < bytes.size()) {
        const std::string_view rest = bytes.substr(used);
        const std::size_t newline = rest.find('\n');
        if (newline == std::string_view::npos) {
            // A partial line; one more byte than the limit may be the CR of its CRLF.
            if (line_.size() + rest.size() > limits_.max_line_bytes + 1) {
                error_ = fmt::format("reply line longer than {} bytes", limits_.max_line_bytes);
                return {Status::error, used};
            }
            line_.append(rest);
            return {Status::need_more, bytes.size()};
        }
        if (line_.size() + newline > limits_.max_line_bytes + 1) {
            error_ = fmt::format("reply line longer than {} bytes", limits_.max_line_bytes);
            return {Status::error, used};
        }
        line_.append(rest.substr(0, newline));
        used += newline + 1;
        if (!line_.empty() && line_.back() == '\r') {
            line_.pop_back();
        }
        if (line_.size() > limits_.max_line_bytes) {
            error_ = fmt::format("reply line longer than {} bytes", limits_.max_line_bytes);
            return {Status::error, used};
        }
        const bool ok = take_line(line_);
        line_.clear();
        if (!ok) {
            return {Status::error, used};
        }
        if (done_) {
            return {Status::complete, used};
        }
    }
    return {Status::need_more, used};
}

bool SmtpReplyParser::take_line(std::string_view line) {
    if (reply_.lines.size() >= limits_.max_lines) {
        error_ = fmt::format("reply longer than {} lines", limits_.max_lines);
        return false;
    }
    // RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
    //                             Reply-code [ SP textstring ] CRLF
    // with the first digit 2..5 and the second 0..5.
    const bool code_ok = line.size() >= 3 && is_digit(line[0]) && is_digit(line[1]) &&
                         is_digit(line[2]) && line[0] >= '2' && line[0] <= '5' && line[1] <= '5';
    const bool separator_ok = line.size() == 3 || line[3] == ' ' || line[3] == '-';
    if (!code_ok || !separator_ok) {
        error_ = fmt::format("malformed reply line: expected 'NNN text' or 'NNN-text', got '{}'",
                             printable(line, 60));
        return false;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (reply_.lines.empty()) {
        reply_.code = code;
    } else if (code != reply_.code) {
        error_ = fmt::format("reply code changed within a reply: {} then {}", reply_.code, code);
        return false;
    }
    reply_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view{});
    done_ = line.size() == 3 || line[3] == ' ';
    return true;
}

void SmtpReplyParser::reset() {
    reply_ = {};
    line_.clear();
    error_.clear();
    done_ = false;
}

std::optional<SmtpReply> parse_smtp_reply(std::string_view bytes, SmtpLimits limits) {
    SmtpReplyParser parser{limits};
    const auto step = parser.feed(bytes);
    if (step.status != SmtpReplyParser::Status::complete || step.consumed != bytes.size()) {
        return std::nullopt;
    }
    return parser.reply();
}

EhloCapabilities parse_ehlo(const SmtpReply& reply) {
    EhloCapabilities caps;
    if (reply.lines.empty()) {
        return caps;
    }
    const std::string_view first = reply.lines.front();
    caps.domain = std::string{first.substr(0, first.find(' '))};
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string_view line = reply.lines[i];
        const std::size_t space = line.find(' ');
        const std::string_view word = line.substr(0, space);
        if (word.empty()) {
            continue;
        }
        std::string keyword;
        keyword.reserve(word.size());
        std::transform(word.begin(), word.end(), std::back_inserter(keyword), upper);
        if (keyword == "STARTTLS") {
            caps.starttls = true;
        } else if (keyword == "PIPELINING") {
            caps.pipelining = true;
        } else if (keyword == "8BITMIME") {
            caps.eightbitmime = true;
        } else if (keyword == "SMTPUTF8") {
            caps.smtputf8 = true;
        } else if (keyword == "CHUNKING") {
            caps.chunking = true;
        } else if (keyword == "ENHANCEDSTATUSCODES") {
            caps.enhanced_status_codes = true;
        } else if (keyword == "SIZE") {
            // RFC 1870: "SIZE" [SP number]; a missing or bad number leaves size unset.
            std::string_view param =
                space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
            param = param.substr(0, param.find(' '));
            std::uint64_t value = 0;
            const auto [end, ec] =
                std::from_chars(param.data(), param.data() + param.size(), value);
            if (ec == std::errc{} && end == param.data() + param.size() && !param.empty()) {
                caps.size = value;
            }
        }
        caps.keywords.push_back(std::move(keyword));
    }
    return caps;
}

std::string describe(const SmtpReply& reply, std::size_t max_bytes) {
    std::string joined = std::to_string(reply.code);
    for (std::size_t i = 0; i < reply.lines.size(); ++i) {
        joined += i == 0 ? " " : " / ";
        joined += reply.lines[i];
        if (joined.size() > max_bytes) {
            break;
        }
    }
    return printable(joined, max_bytes);
}

} // namespace mxsteer::core
