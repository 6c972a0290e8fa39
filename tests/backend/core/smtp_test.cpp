// The SMTP reply parser and EHLO extensions: RFC 5321 §4.2 replies, fed whole and byte by byte,
// and the malformed, truncated, huge and hostile input a probed server may send.
// SPDX-License-Identifier: MIT
#include "core/smtp.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mxsteer::core;
using Status = SmtpReplyParser::Status;

namespace {

// Feeds `bytes` in chunks of `chunk` bytes; returns the final status and the reply.
std::pair<Status, SmtpReply> feed_chunked(std::string_view bytes, std::size_t chunk,
                                          SmtpLimits limits = {}) {
    SmtpReplyParser parser{limits};
    Status status = Status::need_more;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const auto step = parser.feed(bytes.substr(at, chunk));
        at += step.consumed;
        status = step.status;
        if (status != Status::need_more) {
            break;
        }
    }
    return {status, parser.reply()};
}

} // namespace

TEST_CASE("smtp: well-formed replies, whole and in every chunk size") {
    struct Row {
        std::string bytes;
        int code;
        std::vector<std::string> lines;
    };
    const std::vector<Row> rows = {
        {"220 mx.example.com ESMTP\r\n", 220, {"mx.example.com ESMTP"}},
        {"220 bare LF\n", 220, {"bare LF"}},
        // "NNN" alone is a last line with no text.
        {"250\r\n", 250, {""}},
        {"220-first\r\n220-second\r\n220 last\r\n", 220, {"first", "second", "last"}},
        {"220-mixed\n220 endings\r\n", 220, {"mixed", "endings"}},
        {"250-mx.example.com\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n",
         250,
         {"mx.example.com", "SIZE 10240000", "STARTTLS"}},
        {"421 4.3.2 too busy\r\n", 421, {"4.3.2 too busy"}},
        {"554 no service\r\n", 554, {"no service"}},
        // A CR inside the text is text.
        {"220 a\rb\r\n", 220, {"a\rb"}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.bytes);
        for (const std::size_t chunk :
             {std::size_t{1}, std::size_t{2}, std::size_t{7}, row.bytes.size()}) {
            CAPTURE(chunk);
            const auto [status, reply] = feed_chunked(row.bytes, chunk);
            CHECK(status == Status::complete);
            CHECK(reply.code == row.code);
            CHECK(reply.lines == row.lines);
        }
        CHECK(parse_smtp_reply(row.bytes).has_value());
    }
}

TEST_CASE("smtp: malformed lines are errors with the line quoted") {
    const std::vector<std::string> rows = {
        "hello\r\n",            // no code
        "22 short\r\n",         // two digits
        "2200 four digits\r\n", // a fourth digit where the separator goes
        "220_text\r\n",         // wrong separator
        "120 not a reply\r\n",  // first digit 1
        "620 not a reply\r\n",  // first digit 6
        "260 second digit 6\r\n",
        "\r\n", // empty line
        "22a x\r\n",
        "-220 x\r\n",
        std::string("\0\0\0 x\r\n", 7),
    };
    for (const auto& bytes : rows) {
        CAPTURE(bytes);
        SmtpReplyParser parser;
        const auto step = parser.feed(bytes);
        CHECK(step.status == Status::error);
        CHECK(parser.error().find("malformed reply line") != std::string::npos);
        // Errors are final until reset().
        CHECK(parser.feed("220 ok\r\n").status == Status::error);
        parser.reset();
        CHECK(parser.feed("220 ok\r\n").status == Status::complete);
    }
}

TEST_CASE("smtp: a code that changes within a reply is an error") {
    SmtpReplyParser parser;
    CHECK(parser.feed("220-one\r\n250 two\r\n").status == Status::error);
    CHECK(parser.error() == "reply code changed within a reply: 220 then 250");
}

TEST_CASE("smtp: truncated replies need more and are not complete") {
    for (const std::string bytes :
         {"", "2", "220", "220 no end", "220-first\r\n", "220-a\r\n220 b", "220-a\r\n220 b\r"}) {
        CAPTURE(bytes);
        SmtpReplyParser parser;
        CHECK(parser.feed(bytes).status == Status::need_more);
        CHECK_FALSE(parse_smtp_reply(bytes).has_value());
    }
    SmtpReplyParser parser;
    parser.feed("220-a\r\n");
    CHECK(parser.in_progress());
}

TEST_CASE("smtp: line length and line count are capped") {
    const SmtpLimits limits{16, 3};
    SUBCASE("a line at the limit, with CRLF or LF, is fine") {
        const std::string text(12, 'x'); // "220 " + 12 = 16 bytes
        CHECK(feed_chunked("220 " + text + "\r\n", 1, limits).first == Status::complete);
        CHECK(feed_chunked("220 " + text + "\n", 5, limits).first == Status::complete);
    }
    SUBCASE("one byte over is an error, whether the end has come or not") {
        const std::string text(13, 'x');
        for (const std::size_t chunk : {std::size_t{1}, std::size_t{4}, std::size_t{100}}) {
            CHECK(feed_chunked("220 " + text + "\r\n", chunk, limits).first == Status::error);
            CHECK(feed_chunked("220 " + text + "xxxxxxxx", chunk, limits).first == Status::error);
        }
    }
    SUBCASE("a huge line without a newline stops at the cap, not at the end") {
        const std::string huge(1 << 20, 'a');
        SmtpReplyParser parser{limits};
        const auto step = parser.feed(huge);
        CHECK(step.status == Status::error);
        CHECK(parser.error() == "reply line longer than 16 bytes");
    }
    SUBCASE("three lines are fine, a fourth is an error") {
        CHECK(feed_chunked("250-a\r\n250-b\r\n250 c\r\n", 3, limits).first == Status::complete);
        SmtpReplyParser parser{limits};
        CHECK(parser.feed("250-a\r\n250-b\r\n250-c\r\n250 d\r\n").status == Status::error);
        CHECK(parser.error() == "reply longer than 3 lines");
    }
    SUBCASE("the defaults: 4 KiB lines and 100 lines") {
        std::string endless;
        for (int i = 0; i < 200; ++i) {
            endless += "220-x\r\n";
        }
        SmtpReplyParser parser;
        CHECK(parser.feed(endless).status == Status::error);
        CHECK(feed_chunked("220 " + std::string(4092, 'x') + "\r\n", 1000).first ==
              Status::complete);
        CHECK(feed_chunked("220 " + std::string(4093, 'x') + "\r\n", 1000).first == Status::error);
    }
}

TEST_CASE("smtp: bytes after a complete reply are left for the next one") {
    SmtpReplyParser parser;
    const std::string bytes = "220 hello\r\n250-a\r\n250 b\r\n";
    auto step = parser.feed(bytes);
    REQUIRE(step.status == Status::complete);
    CHECK(step.consumed == 11);
    CHECK(parser.reply().code == 220);
    step = parser.feed(std::string_view{bytes}.substr(11));
    REQUIRE(step.status == Status::complete);
    CHECK(parser.reply().code == 250);
    CHECK(parser.reply().lines == std::vector<std::string>{"a", "b"});
    // A pipelined extra reply is not one reply.
    CHECK_FALSE(parse_smtp_reply(bytes).has_value());
}

TEST_CASE("smtp: EHLO extensions, case-insensitive") {
    const auto reply = parse_smtp_reply("250-mx.example.com Hello probe\r\n"
                                        "250-pipelining\r\n"
                                        "250-Size 10240000\r\n"
                                        "250-VRFY\r\n"
                                        "250-ETRN\r\n"
                                        "250-sTaRtTlS\r\n"
                                        "250-ENHANCEDSTATUSCODES\r\n"
                                        "250-8BITMIME\r\n"
                                        "250-DSN\r\n"
                                        "250-SMTPUTF8\r\n"
                                        "250 CHUNKING\r\n");
    REQUIRE(reply);
    const EhloCapabilities caps = parse_ehlo(*reply);
    CHECK(caps.domain == "mx.example.com");
    CHECK(caps.starttls);
    CHECK(caps.pipelining);
    CHECK(caps.eightbitmime);
    CHECK(caps.smtputf8);
    CHECK(caps.chunking);
    CHECK(caps.enhanced_status_codes);
    CHECK(caps.size == 10240000);
    CHECK(caps.keywords.size() == 10);
    CHECK(caps.keywords.front() == "PIPELINING");

    SUBCASE("the greeting line is not an extension") {
        const auto only = parse_smtp_reply("250 STARTTLS\r\n");
        REQUIRE(only);
        CHECK_FALSE(parse_ehlo(*only).starttls);
    }
    SUBCASE("STARTTLS as a parameter or prefix is not STARTTLS") {
        const auto tricky = parse_smtp_reply("250-mx\r\n250-X-STARTTLS\r\n250 AUTH STARTTLS\r\n");
        REQUIRE(tricky);
        CHECK_FALSE(parse_ehlo(*tricky).starttls);
    }
    SUBCASE("SIZE without a number, or with junk, has no size") {
        for (const char* text :
             {"250-mx\r\n250 SIZE\r\n", "250-mx\r\n250 SIZE 12x\r\n",
              "250-mx\r\n250 SIZE 99999999999999999999999\r\n", "250-mx\r\n250 SIZE -1\r\n"}) {
            const auto r = parse_smtp_reply(text);
            REQUIRE(r);
            CHECK_FALSE(parse_ehlo(*r).size.has_value());
        }
    }
}

TEST_CASE("smtp: describe() keeps server text printable and short") {
    const auto reply = parse_smtp_reply("421-too\x01 busy\r\n421 try later\r\n");
    REQUIRE(reply);
    CHECK(describe(*reply) == "421 too\\x01 busy / try later");
    SmtpReply long_reply{250, {std::string(1000, 'x')}};
    CHECK(describe(long_reply, 20).size() == 23);
}
