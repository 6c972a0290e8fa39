// Tests of the request handler: every captured pdns request gets the same reply whether it
// came as a line (unix, pipe) or in any of the http connector's three forms.
// SPDX-License-Identifier: MIT
#include "protocol/handler.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer;
using namespace mxsteer::protocol;

namespace {

const std::string requests_dir = std::string{MXSTEER_TEST_DATA} + "/pdns/requests";

core::AnswerStore sample_store() {
    core::ServedZone zone;
    zone.name = "example.com.";
    zone.serial = 1;
    zone.records = {
        {"example.com.", "SOA", "ns1.example.com. h.example.com. 1 7200 3600 1209600 300", 3600},
        {"example.com.", "MX", "10 mx1.example.com.", 300},
        {"example.com.", "MX", "20 mx2.example.com.", 300},
        {"example.com.", "NS", "ns1.example.com.", 300},
        {"mx1.example.com.", "A", "192.0.2.25", 300},
        {"mx2.example.com.", "AAAA", "2001:db8::25", 300},
        {"www.example.com.", "A", "192.0.2.80", 300},
        {"*.example.com.", "TXT", "\"wild\"", 300},
    };
    return core::AnswerStore{{zone}};
}

// pdns's YaHTTP::Utility::encodeURL(text, false): every byte but [A-Za-z0-9] as %xx.
std::string pdns_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out += c;
        } else {
            constexpr std::string_view hex = "0123456789abcdef";
            const auto u = static_cast<unsigned char>(c);
            out += '%';
            out += hex[u >> 4U];
            out += hex[u & 15U];
        }
    }
    return out;
}

std::vector<HttpHeader> pdns_headers() {
    return {{"Accept", "application/json"},
            {"Connection", "Keep-Alive"},
            {"Host", "127.0.0.1"},
            {"User-Agent", "YaHTTP v1.0"}};
}

// The request as pdns's restful_requestbuilder writes it, from the decoded line.
HttpRequest rest_form(const Request& r) {
    HttpRequest http{"GET", "/dns/" + r.method_name, pdns_headers(), {}};
    const auto add = [&](std::string_view component) {
        http.target += "/" + pdns_escape(component);
    };
    switch (r.method) {
    case Method::lookup:
        add(r.qname);
        add(r.qtype);
        http.headers.push_back({"X-Remotebackend-Local", r.local});
        http.headers.push_back({"X-Remotebackend-Real-Remote", r.real_remote});
        http.headers.push_back({"X-Remotebackend-Remote", r.remote});
        http.headers.push_back({"X-Remotebackend-Zone-Id", std::to_string(r.zone_id)});
        break;
    case Method::list:
        add(std::to_string(r.domain_id));
        add(r.name);
        break;
    case Method::get_all_domains:
        http.target += r.include_disabled ? "?includeDisabled=true" : "?includeDisabled=false";
        break;
    case Method::get_domain_metadata:
        add(r.name);
        add(r.kind);
        break;
    case Method::get_domain_info:
    case Method::get_all_domain_metadata:
    case Method::get_domain_keys:
        add(r.name);
        break;
    case Method::initialize:
    case Method::other:
        break;
    }
    return http;
}

// post=yes: POST /dns/<method> with parameters=<escaped JSON parameters>.
HttpRequest form_form(std::string_view method, std::string_view line) {
    const auto start = line.find("\"parameters\": ") + 14;
    const std::string_view parameters = line.substr(start, line.rfind('}') - start);
    auto headers = pdns_headers();
    headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
    return HttpRequest{"POST", "/dns/" + std::string{method} + ".json", std::move(headers),
                       "parameters=" + pdns_escape(parameters)};
}

// post=yes,post_json=yes: POST /dns with the line as the body.
HttpRequest json_form(std::string_view line) {
    auto headers = pdns_headers();
    headers.push_back({"Content-Type", "text/javascript; charset=utf-8"});
    return HttpRequest{"POST", "/dns", std::move(headers), std::string{line}};
}

} // namespace

TEST_CASE("handler: every captured request gets one reply, over a line and over http") {
    const auto store = sample_store();
    std::size_t fixtures = 0;
    for (const auto& entry : std::filesystem::directory_iterator{requests_dir}) {
        if (entry.path().extension() != ".json") {
            continue;
        }
        std::ifstream in{entry.path(), std::ios::binary};
        std::string line{std::istreambuf_iterator<char>{in}, {}};
        while (!line.empty() && line.back() == '\n') {
            line.pop_back();
        }
        CAPTURE(entry.path().filename().string());
        const std::string expected = handle_request(line, store);
        const Decoded decoded = decode_request(line);
        REQUIRE(decoded.request);
        CHECK(handle(*decoded.request, store) == expected);

        for (const HttpRequest& http :
             {rest_form(*decoded.request), form_form(decoded.request->method_name, line),
              json_form(line)}) {
            CAPTURE(http.method);
            CAPTURE(http.target);
            CAPTURE(http.body);
            const HttpReply reply = handle_http_request(http, store);
            CHECK(reply.status == 200);
            CHECK(reply.body == expected);
            CHECK(reply.headers.empty());
        }
        ++fixtures;
    }
    CHECK(fixtures >= 20);
}

TEST_CASE("handler: answers from the store, result false for what it does not serve") {
    const auto store = sample_store();
    Request lookup;
    lookup.method = Method::lookup;
    lookup.qname = "MX1.Example.COM.";
    lookup.qtype = "ANY";
    CHECK(handle(lookup, store) ==
          "{\"result\":[{\"qtype\":\"A\",\"qname\":\"mx1.example.com.\",\"content\":\"192.0.2.25\","
          "\"ttl\":300,\"domain_id\":1}]}\n");
    lookup.qname = "nope.example.com.";
    CHECK(handle(lookup, store) == "{\"result\":[]}\n");

    Request info;
    info.method = Method::get_domain_info;
    info.name = "example.org.";
    CHECK(handle(info, store) ==
          "{\"result\":false,\"log\":[\"cannot find zone 'example.org.'\"]}\n");

    Request other;
    other.method_name = "setNotified";
    CHECK(handle(other, store) ==
          "{\"result\":false,\"log\":[\"cannot handle method 'setNotified': not implemented\"]}\n");
}

TEST_CASE("handler: an http request that does not decode gets its status and a JSON body") {
    const auto store = sample_store();
    const HttpReply missing =
        handle_http_request(HttpRequest{"GET", "/dns/nothing", {}, {}}, store);
    CHECK(missing.status == 404);
    CHECK(missing.body == "{\"result\":false,\"log\":[\"cannot decode request: no remote-backend "
                          "method in the path '/dns/nothing'\"]}\n");
    CHECK(missing.headers.empty());

    const HttpReply verb =
        handle_http_request(HttpRequest{"OPTIONS", "/dns/lookup/a/b", {}, {}}, store);
    CHECK(verb.status == 405);
    REQUIRE(verb.headers.size() == 1);
    CHECK(verb.headers[0].name == "Allow");
    CHECK(verb.headers[0].value == "GET, POST");
    CHECK(verb.body.starts_with("{\"result\":false,\"log\":[\"cannot decode request: "));

    // A name with a quote and a control byte: the log text stays valid JSON.
    const HttpReply odd =
        handle_http_request(HttpRequest{"GET", "/dns/getDomainInfo/a%22%01", {}, {}}, store);
    CHECK(odd.status == 200);
    CHECK(odd.body == "{\"result\":false,\"log\":[\"cannot find zone 'a\\\"\\u0001'\"]}\n");
}
