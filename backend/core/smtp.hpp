// SMTP replies (RFC 5321 §4.2): an incremental parser for untrusted server bytes, and the EHLO
// extensions a probe cares about. Pure: bytes in, values out.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::core {

// One complete reply: every line's text after "NNN-" / "NNN " (terminator and code removed).
struct SmtpReply {
    int code = 0; // 200..599 (first digit 2..5, second 0..5)
    std::vector<std::string> lines;
};

struct SmtpLimits {
    std::size_t max_line_bytes = 4096; // per line, terminator excluded; longer is an error
    std::size_t max_lines = 100;       // per reply; more is an error
};

// Reads one reply at a time from a byte stream. Tolerates CRLF and bare LF. Errors (a line that
// is not "NNN", "NNN text" or "NNN-text", a code outside 2xx..5xx, a code that differs from the
// first line's, a line or a reply over the limits) are final until reset().
class SmtpReplyParser {
public:
    enum class Status : std::uint8_t { need_more, complete, error };
    struct Step {
        Status status = Status::need_more;
        std::size_t consumed = 0; // bytes of the input used; the rest belongs to the next reply
    };

    explicit SmtpReplyParser(SmtpLimits limits = {}) : limits_(limits) {}

    // Feeds bytes. Stops right after the reply's last line (complete), at an error, or when the
    // input is used up (need_more). After `complete`, reply() holds the reply until the next
    // feed(), which starts a new one.
    Step feed(std::string_view bytes);
    void reset();

    [[nodiscard]] const SmtpReply& reply() const { return reply_; }
    [[nodiscard]] const std::string& error() const { return error_; }
    // Bytes of the reply in progress held so far (for "closed mid-reply" diagnostics).
    [[nodiscard]] bool in_progress() const { return !line_.empty() || !reply_.lines.empty(); }

private:
    bool take_line(std::string_view line);
    SmtpLimits limits_;
    SmtpReply reply_;
    std::string line_;
    std::string error_;
    bool done_ = false;
};

// Parses a whole buffer holding exactly one reply (tests, tools): nullopt when it is malformed,
// incomplete or followed by more bytes.
[[nodiscard]] std::optional<SmtpReply> parse_smtp_reply(std::string_view bytes,
                                                        SmtpLimits limits = {});

// The EHLO reply's extensions (RFC 5321 §4.1.1.1): every line after the first is a keyword and
// optional parameters; keywords compare case-insensitively.
struct EhloCapabilities {
    std::string domain; // the first line's first word
    bool starttls = false;
    bool pipelining = false;
    bool eightbitmime = false;
    bool smtputf8 = false;
    bool chunking = false;
    bool enhanced_status_codes = false;
    std::optional<std::uint64_t> size; // SIZE with a number (0: no fixed limit)
    std::vector<std::string> keywords; // every keyword, upper case, in reply order
};
[[nodiscard]] EhloCapabilities parse_ehlo(const SmtpReply& reply);

// A reply rendered for logs and state dumps: "421 too busy", lines joined with " / ", at most
// `max_bytes` bytes.
[[nodiscard]] std::string describe(const SmtpReply& reply, std::size_t max_bytes = 200);

} // namespace mxsteer::core
