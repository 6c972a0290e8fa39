// Tests of the reply encoder: byte-exact replies and JSON string escaping.
// SPDX-License-Identifier: MIT
#include "protocol/reply.hpp"
#include "protocol/request.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using namespace mxsteer::protocol;
using namespace std::string_literals;

namespace {

std::string read_reply_fixture(const std::string& file) {
    std::ifstream in{std::string{MXSTEER_TEST_DATA} + "/pdns/requests/replies/" + file,
                     std::ios::binary};
    REQUIRE_MESSAGE(in, "cannot open fixture " << file);
    return {std::istreambuf_iterator<char>{in}, {}};
}

// Every reply is one line: it ends with the only newline it holds.
void check_one_line(const std::string& reply) {
    CHECK(reply.ends_with("\n"));
    CHECK(std::count(reply.begin(), reply.end(), '\n') == 1);
}

struct TestRecord {
    const char* qtype;
    const char* qname;
    const char* content;
    int ttl;
};

} // namespace

TEST_CASE("protocol: reply_bool") {
    CHECK(reply_bool(true) == "{\"result\":true}\n");
    CHECK(reply_bool(false) == "{\"result\":false}\n");
    const std::vector<std::string> log = {"cannot decode request: empty line", "say \"hi\"\\ now"};
    CHECK(reply_bool(false, log) == "{\"result\":false,\"log\":[\"cannot decode request: empty "
                                    "line\",\"say \\\"hi\\\"\\\\ now\"]}\n");
    CHECK(reply_bool(true, std::vector<std::string>{"one"}) ==
          "{\"result\":true,\"log\":[\"one\"]}\n");
    // A message with a newline in it must not split the reply.
    const std::string reply = reply_bool(false, std::vector<std::string>{"two\nlines\r\n"});
    CHECK(reply == "{\"result\":false,\"log\":[\"two\\nlines\\r\\n\"]}\n");
    check_one_line(reply);
    check_one_line(reply_bool(true));
}

TEST_CASE("protocol: reply_value wraps ready JSON") {
    CHECK(reply_value("[]") == "{\"result\":[]}\n");
    CHECK(reply_value("{}") == "{\"result\":{}}\n");
    CHECK(reply_value("[{\"id\":1,\"zone\":\"example.com.\"}]") ==
          read_reply_fixture("getAllDomains.json"));
    check_one_line(reply_value("[]"));
}

TEST_CASE("protocol: a lookup reply built from records equals the one pdns accepted") {
    // replies/lookup_apex_any.json: the apex of the captured zone, as pdns 4.7.3 accepted it.
    const std::vector<TestRecord> records = {
        {"SOA", "example.com.",
         "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300", 3600},
        {"NS", "example.com.", "ns1.example.com.", 3600},
        {"MX", "example.com.", "10 mx1.example.com.", 300},
        {"MX", "example.com.", "20 mx2.example.com.", 300},
    };
    std::string array = "[";
    for (const auto& rec : records) {
        if (array.size() > 1) {
            array += ',';
        }
        array += "{\"qtype\":" + json_string(rec.qtype) + ",\"qname\":" + json_string(rec.qname) +
                 ",\"content\":" + json_string(rec.content) +
                 ",\"ttl\":" + std::to_string(rec.ttl) + "}";
    }
    array += "]";
    const std::string reply = reply_value(array);
    CHECK(reply == read_reply_fixture("lookup_apex_any.json"));
    check_one_line(reply);
}

TEST_CASE("protocol: json_string escapes quotes, backslashes and control characters") {
    CHECK(json_string("") == R"("")");
    CHECK(json_string("example.com.") == R"("example.com.")");
    CHECK(json_string(R"(say "hi")") == R"("say \"hi\"")");
    CHECK(json_string(R"(a\b)") == R"("a\\b")");
    CHECK(json_string("\b\f\n\r\t") == R"("\b\f\n\r\t")");
    CHECK(json_string("\x01\x1f") == R"("\u0001\u001f")");
    CHECK(json_string("a\0b"s) == R"("a\u0000b")");
    // '/' and DEL need no escape in JSON.
    CHECK(json_string("a/b\x7f") == "\"a/b\x7f\"");
    // TXT rdata in presentation form keeps its own backslash escapes, escaped once more.
    CHECK(json_string(R"("v=spf1 -all" "\065")") == R"("\"v=spf1 -all\" \"\\065\"")");
}

TEST_CASE("protocol: json_string keeps valid UTF-8") {
    for (const std::string& text : {"b\xc3\xbc"
                                    "cher.example."s,
                                    "\xe2\x82\xac"s,        // U+20AC, 3 bytes
                                    "\xf0\x9f\x98\x80"s,    // U+1F600, 4 bytes
                                    "\xf4\x8f\xbf\xbf"s,    // U+10FFFF, the last code point
                                    "\xed\x9f\xbf"s,        // U+D7FF, just below the surrogates
                                    "\xee\x80\x80"s,        // U+E000, just above them
                                    "\xc2\x80"s,            // U+0080, the first 2-byte one
                                    "\xe0\xa0\x80"s,        // U+0800, the first 3-byte one
                                    "\xf0\x90\x80\x80"s}) { // U+10000, the first 4-byte one
        CAPTURE(text);
        CHECK(json_string(text) == "\"" + text + "\"");
    }
}

TEST_CASE("protocol: json_string replaces each byte of invalid UTF-8 with \\ufffd") {
    const std::string r = R"(\ufffd)";
    CHECK(json_string("\xff") == "\"" + r + "\"");
    CHECK(json_string("a\xfe"
                      "b") == "\"a" + r + "b\"");
    CHECK(json_string("\x80") == "\"" + r + "\"");                 // a lone continuation byte
    CHECK(json_string("\xc0\x80") == "\"" + r + r + "\"");         // overlong NUL
    CHECK(json_string("\xc1\xbf") == "\"" + r + r + "\"");         // overlong
    CHECK(json_string("\xe0\x9f\xbf") == "\"" + r + r + r + "\""); // overlong 3-byte
    CHECK(json_string("\xf0\x8f\xbf\xbf") == "\"" + r + r + r + r + "\""); // overlong 4-byte
    CHECK(json_string("\xed\xa0\x80") == "\"" + r + r + r + "\"");         // a UTF-16 surrogate
    CHECK(json_string("\xf4\x90\x80\x80") == "\"" + r + r + r + r + "\""); // above U+10FFFF
    CHECK(json_string("\xf5\x80\x80\x80") == "\"" + r + r + r + r + "\"");
    CHECK(json_string("\xe2\x82") == "\"" + r + r + "\""); // truncated at the end
    CHECK(json_string("\xe2\x82"
                      "A") == "\"" + r + r + "A\""); // interrupted
    CHECK(json_string("\xc3") == "\"" + r + "\"");
    // A valid sequence right after an invalid byte survives.
    CHECK(json_string("\xff\xc3\xa9") == "\"" + r + "\xc3\xa9\"");
}

TEST_CASE("protocol: json_string output is always JSON that decodes back") {
    // decode_request is a strict JSON parser: a string from json_string must always parse, and
    // text that is valid UTF-8 must come back unchanged.
    const auto round_trip = [](const std::string& text) {
        const Decoded decoded = decode_request("{\"method\":" + json_string(text) + "}");
        INFO("error: " << decoded.error);
        REQUIRE(decoded.request.has_value());
        return decoded.request->method_name;
    };
    CHECK(round_trip("\"\\\b\f\n\r\t\x01\x1f/\x7f"s + "\0"s) ==
          "\"\\\b\f\n\r\t\x01\x1f/\x7f"s + "\0"s);
    CHECK(round_trip("\xf0\x9f\x98\x80\xe2\x82\xac") == "\xf0\x9f\x98\x80\xe2\x82\xac");
    CHECK(round_trip("a\xff") == "a\xef\xbf\xbd"); // U+FFFD in UTF-8
    std::mt19937 engine{7};
    for (int i = 0; i < 2000; ++i) {
        std::string text(engine() % 64, '\0');
        for (char& c : text) {
            c = static_cast<char>(engine() & 0xFFU);
        }
        round_trip(text);
    }
}

TEST_CASE("protocol: append_json_string appends what json_string returns") {
    std::string out = "[";
    append_json_string(out, "a\"b");
    out += ',';
    append_json_string(out, "\xff\n");
    out += ']';
    CHECK(out == "[" + json_string("a\"b") + "," + json_string("\xff\n") + "]");
    CHECK(out == R"(["a\"b","\ufffd\n"])");
}
