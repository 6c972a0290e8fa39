// Tests of the request decoder: every captured pdns request, and hostile or broken lines.
// SPDX-License-Identifier: MIT
#include "protocol/request.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::protocol;

namespace {

const std::string requests_dir = std::string{MXSTEER_TEST_DATA} + "/pdns/requests";

std::string read_fixture(const std::string& file) {
    std::ifstream in{requests_dir + "/" + file, std::ios::binary};
    REQUIRE_MESSAGE(in, "cannot open fixture " << file);
    return {std::istreambuf_iterator<char>{in}, {}};
}

Request decoded_ok(std::string_view line) {
    const Decoded decoded = decode_request(line);
    INFO("line: " << line);
    INFO("error: " << decoded.error);
    REQUIRE(decoded.request.has_value());
    CHECK(decoded.error.empty());
    return *decoded.request;
}

// The error text for a line that must not decode.
std::string decode_error(std::string_view line) {
    const Decoded decoded = decode_request(line);
    INFO("line: " << line.substr(0, 200));
    CHECK_FALSE(decoded.request.has_value());
    CHECK(decoded.error.starts_with("cannot decode request: "));
    return decoded.error;
}

std::string lookup_with(std::string_view extra_params) {
    return R"({"method":"lookup","parameters":{"qname":"example.com.","qtype":"ANY")" +
           std::string{extra_params} + "}}\n";
}

struct LookupFixture {
    const char* file;
    const char* qname;
    const char* qtype;
    std::int64_t zone_id;
    const char* remote;
    const char* local;
    const char* real_remote;
};

// Expected values copied from the fixture files (tests/data/pdns/requests, pdns 4.7.3).
const std::vector<LookupFixture> lookup_fixtures = {
    {"lookup_additional_any.json", "mx1.example.com.", "ANY", -1, "127.0.0.1", "127.0.0.1",
     "127.0.0.1/32"},
    {"lookup_any_ecs.json", "example.com.", "ANY", 1, "127.0.0.1", "127.0.0.1", "192.0.2.0/24"},
    {"lookup_any_ecs6.json", "example.com.", "ANY", 1, "127.0.0.1", "127.0.0.1", "2001:db8::/56"},
    {"lookup_apex_any.json", "example.com.", "ANY", -1, "127.0.0.1", "127.0.0.1", "127.0.0.1/32"},
    {"lookup_apex_any_noclient.json", "example.com.", "ANY", 1, "0.0.0.0", "0.0.0.0", "0.0.0.0/0"},
    {"lookup_apex_any_zoneid.json", "example.com.", "ANY", 1, "127.0.0.1", "127.0.0.1",
     "127.0.0.1/32"},
    {"lookup_apex_soa_inconsistent.json", "example.com.", "SOA", 1, "0.0.0.0", "0.0.0.0",
     "0.0.0.0/0"},
    {"lookup_mixedcase_any.json", "WwW.ExAmple.COM.", "ANY", -1, "127.0.0.1", "127.0.0.1",
     "127.0.0.1/32"},
    {"lookup_mixedcase_noclient.json", "ExAmple.COM.", "ANY", 1, "0.0.0.0", "0.0.0.0", "0.0.0.0/0"},
    {"lookup_name_any.json", "www.example.com.", "ANY", -1, "127.0.0.1", "127.0.0.1",
     "127.0.0.1/32"},
    {"lookup_ns_inconsistent.json", "www.example.com.", "NS", -1, "127.0.0.1", "127.0.0.1",
     "127.0.0.1/32"},
    {"lookup_nx_any.json", "nope.example.com.", "ANY", -1, "127.0.0.1", "127.0.0.1",
     "127.0.0.1/32"},
    {"lookup_soa_noclient.json", "example.com.", "SOA", -1, "0.0.0.0", "0.0.0.0", "0.0.0.0/0"},
    {"lookup_soa_root_nozonecache.json", ".", "SOA", -1, "0.0.0.0", "0.0.0.0", "0.0.0.0/0"},
    {"lookup_soa_walk_nozonecache.json", "www.example.com.", "SOA", -1, "0.0.0.0", "0.0.0.0",
     "0.0.0.0/0"},
    {"lookup_wildcard_probe.json", "*.example.com.", "ANY", -1, "127.0.0.1", "127.0.0.1",
     "127.0.0.1/32"},
};

const std::vector<std::string> other_fixtures = {
    "getAllDomainMetadata.json", "getAllDomains.json", "getDomainInfo.json",  "initialize.json",
    "initialize_pipe.json",      "list.json",          "list_domain_id.json",
};

std::vector<std::string> all_fixture_files() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator{requests_dir}) {
        if (entry.path().extension() == ".json") {
            files.push_back(entry.path().filename().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

TEST_CASE("protocol: every captured fixture has expectations in this file") {
    std::set<std::string> covered(other_fixtures.begin(), other_fixtures.end());
    for (const auto& fixture : lookup_fixtures) {
        covered.insert(fixture.file);
    }
    const auto files = all_fixture_files();
    CHECK(files.size() == 23);
    for (const auto& file : files) {
        INFO("fixture without a test: " << file);
        CHECK(covered.contains(file));
    }
}

TEST_CASE("protocol: captured lookup requests decode with every field") {
    for (const auto& fixture : lookup_fixtures) {
        CAPTURE(fixture.file);
        const Request r = decoded_ok(read_fixture(fixture.file));
        CHECK(r.method == Method::lookup);
        CHECK(r.method_name == "lookup");
        CHECK(r.qname == fixture.qname);
        CHECK(r.qtype == fixture.qtype);
        CHECK(r.zone_id == fixture.zone_id);
        CHECK(r.remote == fixture.remote);
        CHECK(r.local == fixture.local);
        CHECK(r.real_remote == fixture.real_remote);
        // Fields of other methods stay at their defaults.
        CHECK(r.name.empty());
        CHECK(r.domain_id == -1);
        CHECK_FALSE(r.include_disabled);
    }
}

TEST_CASE("protocol: captured ECS lookup keeps the client subnet apart from the resolver") {
    // lookup_any_ecs.json: dig +subnet=192.0.2.1/24 with edns-subnet-processing=yes.
    const Request r = decoded_ok(read_fixture("lookup_any_ecs.json"));
    CHECK(r.real_remote == "192.0.2.0/24");
    CHECK(r.remote == "127.0.0.1");
    CHECK(r.zone_id == 1);
}

TEST_CASE("protocol: captured non-lookup requests decode") {
    SUBCASE("getAllDomains") {
        const Request r = decoded_ok(read_fixture("getAllDomains.json"));
        CHECK(r.method == Method::get_all_domains);
        CHECK(r.method_name == "getAllDomains");
        CHECK(r.include_disabled);
    }
    SUBCASE("getAllDomainMetadata") {
        const Request r = decoded_ok(read_fixture("getAllDomainMetadata.json"));
        CHECK(r.method == Method::get_all_domain_metadata);
        CHECK(r.name == "example.com.");
    }
    SUBCASE("getDomainInfo") {
        const Request r = decoded_ok(read_fixture("getDomainInfo.json"));
        CHECK(r.method == Method::get_domain_info);
        CHECK(r.name == "example.com.");
    }
    SUBCASE("initialize over unix and pipe: options are not needed, only the method") {
        for (const char* file : {"initialize.json", "initialize_pipe.json"}) {
            CAPTURE(file);
            const Request r = decoded_ok(read_fixture(file));
            CHECK(r.method == Method::initialize);
            CHECK(r.method_name == "initialize");
        }
    }
    SUBCASE("list without a domain_id from the SOA") {
        const Request r = decoded_ok(read_fixture("list.json"));
        CHECK(r.method == Method::list);
        CHECK(r.name == "example.com.");
        CHECK(r.domain_id == -1);
        CHECK_FALSE(r.include_disabled);
    }
    SUBCASE("list with the SOA's domain_id") {
        const Request r = decoded_ok(read_fixture("list_domain_id.json"));
        CHECK(r.method == Method::list);
        CHECK(r.name == "example.com.");
        CHECK(r.domain_id == 1);
        CHECK_FALSE(r.include_disabled);
    }
}

TEST_CASE("protocol: methods pdns never sent in the capture decode too") {
    SUBCASE("getDomainMetadata") {
        const Request r = decoded_ok(
            R"({"method": "getDomainMetadata", "parameters": {"kind": "PRESIGNED", "name": "example.com."}})");
        CHECK(r.method == Method::get_domain_metadata);
        CHECK(r.name == "example.com.");
        CHECK(r.kind == "PRESIGNED");
    }
    SUBCASE("getDomainKeys") {
        const Request r =
            decoded_ok(R"({"method": "getDomainKeys", "parameters": {"name": "example.com."}})");
        CHECK(r.method == Method::get_domain_keys);
        CHECK(r.name == "example.com.");
    }
    SUBCASE("an unknown method is a valid request of Method::other, answered false later") {
        const Request r = decoded_ok(R"({"method": "getUpdatedMasters", "parameters": {}})");
        CHECK(r.method == Method::other);
        CHECK(r.method_name == "getUpdatedMasters");
    }
    SUBCASE("method names are case-sensitive, as in pdns") {
        const Request r = decoded_ok(R"({"method": "Lookup", "parameters": {}})");
        CHECK(r.method == Method::other);
        CHECK(r.method_name == "Lookup");
    }
    SUBCASE("getAllDomains without include_disabled, and without parameters at all") {
        CHECK_FALSE(decoded_ok(R"({"method":"getAllDomains","parameters":{}})").include_disabled);
        CHECK(decoded_ok(R"({"method":"getAllDomains"})").method == Method::get_all_domains);
    }
}

TEST_CASE("protocol: the decoder does not depend on pdns's formatting") {
    SUBCASE("parameters before method, no spaces, CRLF, pretty-printed") {
        const Request r = decoded_ok("{\r\n  \"parameters\" : {\"qtype\":\"MX\",\n \"qname\" : "
                                     "\"example.com.\"},\n  \"method\":\"lookup\"\n}\r\n");
        CHECK(r.method == Method::lookup);
        CHECK(r.qname == "example.com.");
        CHECK(r.qtype == "MX");
    }
    SUBCASE("escaped strings are unescaped") {
        const Request r = decoded_ok(
            R"({"method":"lookup","parameters":{"qname":"\u0065xample.com.","qtype":"A\"NY"}})");
        CHECK(r.qname == "example.com.");
        CHECK(r.qtype == "A\"NY");
    }
    SUBCASE("optional lookup fields missing: zone-id -1, addresses empty") {
        const Request r = decoded_ok(lookup_with(""));
        CHECK(r.zone_id == -1);
        CHECK(r.remote.empty());
        CHECK(r.local.empty());
        CHECK(r.real_remote.empty());
    }
    SUBCASE("zone-id as a numeric string") {
        CHECK(decoded_ok(lookup_with(R"(,"zone-id":"7")")).zone_id == 7);
        CHECK(decoded_ok(lookup_with(R"(,"zone-id":"-1")")).zone_id == -1);
        CHECK(decoded_ok(R"({"method":"list","parameters":{"zonename":"a.","domain_id":"3"}})")
                  .domain_id == 3);
    }
    SUBCASE("zone-id at the ends of int64") {
        CHECK(decoded_ok(lookup_with(R"(,"zone-id":-9223372036854775808)")).zone_id == INT64_MIN);
        CHECK(decoded_ok(lookup_with(R"(,"zone-id":9223372036854775807)")).zone_id == INT64_MAX);
    }
    SUBCASE("unknown parameters of any type are ignored") {
        const Request r = decoded_ok(lookup_with(R"(,"trxid":[1,{"a":null}],"name":5)"));
        CHECK(r.qname == "example.com.");
        CHECK(r.name.empty());
    }
    SUBCASE("a parameter of another method is not type-checked") {
        // "kind" belongs to getDomainMetadata; lookup ignores it whatever its type.
        CHECK(decoded_ok(lookup_with(R"(,"kind":42)")).kind.empty());
    }
}

TEST_CASE("protocol: wrong types say what was expected and what was seen") {
    CHECK(decode_error(R"({"method":"lookup","parameters":{"qname":5,"qtype":"ANY"}})") ==
          "cannot decode request: parameters.qname must be a string, got number");
    CHECK(decode_error(R"({"method":"lookup","parameters":{"qname":"a.","qtype":["ANY"]}})") ==
          "cannot decode request: parameters.qtype must be a string, got array");
    CHECK(decode_error(lookup_with(R"(,"remote":null)")) ==
          "cannot decode request: parameters.remote must be a string, got null");
    CHECK(decode_error(lookup_with(R"(,"real-remote":{})")) ==
          "cannot decode request: parameters.real-remote must be a string, got object");
    CHECK(decode_error(lookup_with(R"(,"zone-id":1.5)")) ==
          "cannot decode request: parameters.zone-id must be an integer, got number 1.5");
    CHECK(decode_error(lookup_with(R"(,"zone-id":true)")) ==
          "cannot decode request: parameters.zone-id must be an integer, got boolean");
    CHECK(decode_error(lookup_with(R"(,"zone-id":"1x")")) ==
          "cannot decode request: parameters.zone-id must be an integer, got string '1x'");
    CHECK(decode_error(lookup_with(R"(,"zone-id":"")")) ==
          "cannot decode request: parameters.zone-id must be an integer, got string ''");
    CHECK(decode_error(lookup_with(R"(,"zone-id":18446744073709551615)")) ==
          "cannot decode request: parameters.zone-id must be an integer, got number "
          "18446744073709551615 (out of range)");
    CHECK(decode_error(R"({"method":"list","parameters":{"zonename":"a.","domain_id":"x"}})") ==
          "cannot decode request: parameters.domain_id must be an integer, got string 'x'");
    CHECK(decode_error(R"({"method":"getAllDomains","parameters":{"include_disabled":"yes"}})") ==
          "cannot decode request: parameters.include_disabled must be a boolean, got string");
    CHECK(decode_error(R"({"method":42,"parameters":{}})") ==
          "cannot decode request: method must be a string, got number");
    CHECK(decode_error(R"({"method":"lookup","parameters":["example.com."]})") ==
          "cannot decode request: parameters must be an object, got array");
    CHECK(decode_error(R"({"method":"lookup","parameters":null})") ==
          "cannot decode request: parameters must be an object, got null");
}

TEST_CASE("protocol: a long user value is cut short in the message") {
    const std::string error =
        decode_error(lookup_with(R"(,"zone-id":")" + std::string(500, '9') + "x\""));
    CHECK(error == "cannot decode request: parameters.zone-id must be an integer, got string '" +
                       std::string(40, '9') + "...'");
}

TEST_CASE("protocol: missing fields are named") {
    CHECK(decode_error(R"({"parameters":{}})") ==
          "cannot decode request: method must be a string, but it is missing");
    CHECK(decode_error(R"({"method":"lookup","parameters":{"qtype":"ANY"}})") ==
          "cannot decode request: parameters.qname must be a string, but it is missing");
    CHECK(decode_error(R"({"method":"lookup","parameters":{"qname":"a."}})") ==
          "cannot decode request: parameters.qtype must be a string, but it is missing");
    CHECK(decode_error(R"({"method":"lookup"})") ==
          "cannot decode request: parameters.qname must be a string, but it is missing");
    CHECK(decode_error(R"({"method":"list","parameters":{"domain_id":1}})") ==
          "cannot decode request: parameters.zonename must be a string, but it is missing");
    CHECK(decode_error(R"({"method":"getDomainInfo","parameters":{}})") ==
          "cannot decode request: parameters.name must be a string, but it is missing");
    CHECK(decode_error(R"({"method":"getDomainKeys","parameters":{"zonename":"a."}})") ==
          "cannot decode request: parameters.name must be a string, but it is missing");
    CHECK(decode_error(R"({"method":"getDomainMetadata","parameters":{"name":"a."}})") ==
          "cannot decode request: parameters.kind must be a string, but it is missing");
}

TEST_CASE("protocol: malformed JSON is refused") {
    const std::vector<std::string> lines = {
        "nonsense",
        "{method: lookup}",
        R"({"method":"lookup",,"parameters":{}})",
        R"({"method":"lookup" "parameters":{}})",
        R"({"method":"lookup","parameters":{}}})",                    // a stray '}'
        R"({"method":"lookup","parameters":{}} {"method":"lookup"})", // two values on one line
        R"({"method":"lookup","parameters":{}} x)",
        R"({"method":"lookup","parameters":{"qname":"a.","qtype":"ANY","x":[1 2]}})",
        R"({"method":"lookup","parameters":{"qname":"a.","qtype":"ANY","x":tru}})",
        R"({"method":"lookup","parameters":{"qname":"a.","qtype":"ANY","x":01}})",
        R"({"method":"lookup","parameters":{"qname":"a\q","qtype":"ANY"}})",
        R"({"method":"lookup","parameters":{"qname":"\ud800","qtype":"ANY"}})",
        R"({"method":"lookup","parameters":{"qname":"a.","qtype":"ANY","zone-id":1e999999999}})",
        "{\"method\":\"lookup\",\"parameters\":{\"qname\":\"a\nb\",\"qtype\":\"ANY\"}}",
    };
    for (const auto& line : lines) {
        const std::string error = decode_error(line);
        CAPTURE(error);
        CHECK(error.find("invalid JSON") != std::string::npos);
    }
}

TEST_CASE("protocol: every truncation of every captured request is refused") {
    for (const auto& file : all_fixture_files()) {
        CAPTURE(file);
        const std::string line = read_fixture(file);
        REQUIRE(line.ends_with("}\n"));
        // Every proper prefix of the JSON text (the full text without '\n' is the only valid one).
        for (std::size_t size = 0; size + 1 < line.size(); ++size) {
            CAPTURE(size);
            CHECK_FALSE(decode_request(std::string_view{line}.substr(0, size)).request);
        }
    }
}

TEST_CASE("protocol: empty and blank lines") {
    for (const char* line : {"", "\n", "   \n", "\r\n", "\t"}) {
        CAPTURE(line);
        CHECK(decode_error(line) == "cannot decode request: empty line");
    }
}

TEST_CASE("protocol: a top level that is not an object") {
    CHECK(decode_error(R"(["lookup",{"qname":"example.com."}])") ==
          "cannot decode request: expected a JSON object, got array");
    CHECK(decode_error(R"("lookup")") ==
          "cannot decode request: expected a JSON object, got string");
    CHECK(decode_error("42\n") == "cannot decode request: expected a JSON object, got number");
    CHECK(decode_error("null") == "cannot decode request: expected a JSON object, got null");
}

TEST_CASE("protocol: request size is capped before parsing") {
    SUBCASE("a 10 MB request is refused by its size") {
        const std::string line = R"({"method":"lookup","parameters":{"qname":")" +
                                 std::string(10U << 20U, 'a') + R"(","qtype":"ANY"}})" + "\n";
        CHECK(decode_error(line) == "cannot decode request: the request is " +
                                        std::to_string(line.size() - 1) +
                                        " bytes, more than the limit of 65536");
    }
    SUBCASE("exactly max_request_bytes is accepted, the newline not counted; one more is not") {
        std::string line = lookup_with("");
        line.pop_back(); // the newline
        line.insert(1, max_request_bytes - line.size(), ' ');
        REQUIRE(line.size() == max_request_bytes);
        CHECK(decoded_ok(line + "\n").qname == "example.com.");
        line.insert(1, " ");
        CHECK(decode_error(line) ==
              "cannot decode request: the request is 65537 bytes, more than the limit of 65536");
    }
    SUBCASE("a large value inside the limit") {
        const std::string qname(60000, 'a');
        CHECK(decoded_ok(R"({"method":"lookup","parameters":{"qname":")" + qname +
                         R"(","qtype":"ANY"}})")
                  .qname == qname);
    }
}

TEST_CASE("protocol: JSON nesting is capped") {
    const std::string too_deep = "cannot decode request: JSON nesting is deeper than " +
                                 std::to_string(max_json_depth) + " levels";
    SUBCASE("10000 nested arrays") {
        CHECK(decode_error(std::string(10000, '[') + std::string(10000, ']')) == too_deep);
        // Unclosed, the brackets do not balance: refused as broken before depth matters.
        decode_error(std::string(10000, '['));
    }
    SUBCASE("10000 nested objects") {
        std::string line;
        for (int i = 0; i < 10000; ++i) {
            line += R"({"a":)";
        }
        decode_error(line);
        CHECK(decode_error(line + "1" + std::string(10000, '}')) == too_deep);
    }
    SUBCASE("depth max_json_depth is accepted, one more level is not") {
        // The request object and its parameters are 2 levels; the rest are nested arrays.
        const auto nested = [](int levels) {
            return lookup_with(R"(,"x":)" + std::string(static_cast<std::size_t>(levels), '[') +
                               std::string(static_cast<std::size_t>(levels), ']'));
        };
        CHECK(decoded_ok(nested(max_json_depth - 2)).qname == "example.com.");
        CHECK(decode_error(nested(max_json_depth - 1)) == too_deep);
    }
}

TEST_CASE("protocol: NUL bytes and invalid UTF-8") {
    using namespace std::string_literals;
    CHECK(decode_error(
              "{\"method\":\"lookup\",\"parameters\":{\"qname\":\"a\0b.\",\"qtype\":\"ANY\"}}"s) ==
          "cannot decode request: invalid JSON: a string holds an unescaped control character");
    CHECK(decode_error("\0"s).find("invalid JSON") != std::string::npos);
    CHECK(decode_error("{\"method\":\"lookup\"}\0"s).find("invalid JSON") != std::string::npos);
    for (const std::string& bad :
         {"\xff"s, "\xc0\x80"s, "\xed\xa0\x80"s, "\xf4\x90\x80\x80"s, "\xe2\x82"s, "\x80"s}) {
        CHECK(decode_error(R"({"method":"lookup","parameters":{"qname":")" + bad +
                           R"(.","qtype":"ANY"}})") ==
              "cannot decode request: invalid JSON: the text is not valid UTF-8");
    }
    // Valid UTF-8 is kept as sent.
    CHECK(decoded_ok("{\"method\":\"lookup\",\"parameters\":{\"qname\":\"b\xc3\xbc"
                     "cher.example.\",\"qtype\":\"ANY\"}}")
              .qname == "b\xc3\xbc"
                        "cher.example.");
}

TEST_CASE("protocol: random bytes and mutated requests never crash the decoder") {
    // Each input gives exactly one of: a request, or an error text.
    std::mt19937 engine{20240101};
    const auto check = [](std::string_view line) {
        const Decoded decoded = decode_request(line);
        CHECK(decoded.request.has_value() != !decoded.error.empty());
    };
    const std::string alphabet = "{}[]\":,\\ntrufalse0123456789-.eE \x00\xff\xc3\xa9"
                                 "methodparameters";
    for (int i = 0; i < 2000; ++i) {
        std::string line(engine() % 200, '\0');
        for (char& c : line) {
            c = alphabet[engine() % alphabet.size()];
        }
        check(line);
    }
    const auto files = all_fixture_files();
    for (int i = 0; i < 2000; ++i) {
        std::string line = read_fixture(files[engine() % files.size()]);
        for (auto edits = 1 + engine() % 3; edits > 0; --edits) {
            line[engine() % line.size()] = static_cast<char>(engine() & 0xFFU);
        }
        check(line);
    }
}
