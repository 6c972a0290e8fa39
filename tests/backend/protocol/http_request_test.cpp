// Tests of the HTTP request decoder: the requests pdns 4.7.3's http connector sent in each of
// its forms, then malformed, truncated, huge and hostile ones.
// SPDX-License-Identifier: MIT
#include "protocol/http_request.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::protocol;

namespace {

// The headers pdns sends with every request (captured: YaHTTP sorts them by name).
std::vector<HttpHeader> pdns_headers(std::vector<HttpHeader> extra = {}) {
    std::vector<HttpHeader> headers = {
        {"Accept", "application/json"},
        {"Connection", "Keep-Alive"},
        {"Host", "127.0.0.1"},
        {"User-Agent", "YaHTTP v1.0"},
    };
    headers.insert(headers.end(), extra.begin(), extra.end());
    return headers;
}

// The lookup context headers of a lookup from a client (not the zone-finding one).
std::vector<HttpHeader> client_headers(std::string_view zone_id = "1") {
    return pdns_headers({
        {"X-Remotebackend-Local", "127.0.0.1"},
        {"X-Remotebackend-Real-Remote", "127.0.0.1/32"},
        {"X-Remotebackend-Remote", "127.0.0.1"},
        {"X-Remotebackend-Zone-Id", std::string{zone_id}},
    });
}

HttpRequest get(std::string target, std::vector<HttpHeader> headers = pdns_headers()) {
    return HttpRequest{"GET", std::move(target), std::move(headers), {}};
}

HttpRequest form_post(std::string target, std::string body) {
    return HttpRequest{
        "POST", std::move(target),
        pdns_headers({{"Content-Length", std::to_string(body.size())},
                      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}),
        std::move(body)};
}

HttpRequest json_post(std::string body, std::string_view type = "text/javascript; charset=utf-8") {
    return HttpRequest{"POST", "/dns",
                       pdns_headers({{"Content-Length", std::to_string(body.size())},
                                     {"Content-Type", std::string{type}}}),
                       std::move(body)};
}

Request decoded_ok(const HttpRequest& http) {
    const HttpDecoded decoded = decode_http_request(http);
    INFO(http.method << " " << http.target << " body: " << http.body.substr(0, 200));
    INFO("status " << decoded.status << ": " << decoded.error);
    REQUIRE(decoded.request.has_value());
    CHECK(decoded.status == 200);
    CHECK(decoded.error.empty());
    return *decoded.request;
}

// The decoder's answer to a request that must fail with `status`.
HttpDecoded decode_fails(const HttpRequest& http, int status) {
    const HttpDecoded decoded = decode_http_request(http);
    INFO(http.method << " " << http.target.substr(0, 200) << " body: " << http.body.substr(0, 200));
    INFO("error: " << decoded.error);
    CHECK_FALSE(decoded.request.has_value());
    CHECK(decoded.status == status);
    CHECK(decoded.error.starts_with("cannot decode request: "));
    return decoded;
}

void check_lookup(const Request& r, std::string_view qname, std::string_view qtype,
                  std::int64_t zone_id, std::string_view remote, std::string_view real_remote) {
    CHECK(r.method == Method::lookup);
    CHECK(r.method_name == "lookup");
    CHECK(r.qname == qname);
    CHECK(r.qtype == qtype);
    CHECK(r.zone_id == zone_id);
    CHECK(r.remote == remote);
    CHECK(r.local == remote);
    CHECK(r.real_remote == real_remote);
}

} // namespace

TEST_CASE("http request: the REST requests pdns sent, as captured") {
    // pdns.conf: remote-connection-string=http:url=http://127.0.0.1:PORT/dns
    SUBCASE("lookup of a client, context in X-RemoteBackend-* headers") {
        check_lookup(decoded_ok(get("/dns/lookup/example%2ecom%2e/ANY", client_headers())),
                     "example.com.", "ANY", 1, "127.0.0.1", "127.0.0.1/32");
    }
    SUBCASE("the zone-finding lookup without client context") {
        const auto headers = pdns_headers({
            {"X-Remotebackend-Local", "0.0.0.0"},
            {"X-Remotebackend-Real-Remote", "0.0.0.0/0"},
            {"X-Remotebackend-Remote", "0.0.0.0"},
            {"X-Remotebackend-Zone-Id", "-1"},
        });
        check_lookup(decoded_ok(get("/dns/lookup/example%2ecom%2e/SOA", headers)), "example.com.",
                     "SOA", -1, "0.0.0.0", "0.0.0.0/0");
    }
    SUBCASE("the wildcard probe: '*' and '.' escaped") {
        check_lookup(decoded_ok(get("/dns/lookup/%2a%2eexample%2ecom%2e/ANY", client_headers())),
                     "*.example.com.", "ANY", 1, "127.0.0.1", "127.0.0.1/32");
    }
    SUBCASE("getAllDomains with its query") {
        const Request r = decoded_ok(get("/dns/getAllDomains?includeDisabled=true"));
        CHECK(r.method == Method::get_all_domains);
        CHECK(r.include_disabled);
        CHECK_FALSE(decoded_ok(get("/dns/getAllDomains?includeDisabled=false")).include_disabled);
        CHECK_FALSE(decoded_ok(get("/dns/getAllDomains")).include_disabled);
    }
    SUBCASE("getDomainInfo and getAllDomainMetadata") {
        const Request info = decoded_ok(get("/dns/getDomainInfo/example%2ecom%2e"));
        CHECK(info.method == Method::get_domain_info);
        CHECK(info.name == "example.com.");
        const Request meta = decoded_ok(get("/dns/getAllDomainMetadata/example%2ecom%2e"));
        CHECK(meta.method == Method::get_all_domain_metadata);
        CHECK(meta.name == "example.com.");
    }
    SUBCASE("list: domain_id, then zonename; include_disabled is not sent") {
        const Request r = decoded_ok(get("/dns/list/1/example%2ecom%2e"));
        CHECK(r.method == Method::list);
        CHECK(r.domain_id == 1);
        CHECK(r.name == "example.com.");
        CHECK_FALSE(r.include_disabled);
        CHECK(decoded_ok(get("/dns/list/%2d1/example%2ecom%2e")).domain_id == -1);
        // A null domain_id is left out of the path.
        CHECK(decoded_ok(get("/dns/list/example%2ecom%2e")).domain_id == -1);
    }
    SUBCASE("the methods only remote-dnssec sends") {
        const Request keys = decoded_ok(get("/dns/getDomainKeys/example%2ecom%2e"));
        CHECK(keys.method == Method::get_domain_keys);
        CHECK(keys.name == "example.com.");
        const Request meta = decoded_ok(get("/dns/getDomainMetadata/example%2ecom%2e/NSEC3PARAM"));
        CHECK(meta.method == Method::get_domain_metadata);
        CHECK(meta.name == "example.com.");
        CHECK(meta.kind == "NSEC3PARAM");
    }
}

TEST_CASE("http request: post=yes sends a form with the JSON parameters") {
    // pdns.conf: ...,post=yes,url-suffix=.json (captured bodies)
    check_lookup(
        decoded_ok(form_post(
            "/dns/lookup.json",
            "parameters=%7b%22local%22%3a%20%22127%2e0%2e0%2e1%22%2c%20%22qname%22%3a%20%22example%"
            "2ecom%2e%22%2c%20%22qtype%22%3a%20%22ANY%22%2c%20%22real%2dremote%22%3a%20%22127%2e0%"
            "2e0%2e1%2f32%22%2c%20%22remote%22%3a%20%22127%2e0%2e0%2e1%22%2c%20%22zone%2did%22%3a%"
            "201%7d")),
        "example.com.", "ANY", 1, "127.0.0.1", "127.0.0.1/32");

    const Request all = decoded_ok(form_post(
        "/dns/getAllDomains.json", "parameters=%7b%22include%5fdisabled%22%3a%20true%7d"));
    CHECK(all.method == Method::get_all_domains);
    CHECK(all.include_disabled);

    const Request list = decoded_ok(
        form_post("/dns/list.json", "parameters=%7b%22domain%5fid%22%3a%201%2c%20%22include%5f"
                                    "disabled%22%3a%20false%2c%20%22zonename%22%3a%20%22example%"
                                    "2ecom%2e%22%7d"));
    CHECK(list.method == Method::list);
    CHECK(list.domain_id == 1);
    CHECK(list.name == "example.com.");

    // Without url-suffix; with '+' for spaces and other fields around it, as a browser would.
    const Request info = decoded_ok(
        form_post("/dns/getDomainInfo", "a=1&parameters={\"name\":+\"example.com.\"}&b=%20"));
    CHECK(info.method == Method::get_domain_info);
    CHECK(info.name == "example.com.");
}

TEST_CASE("http request: post_json=yes sends the request line as the body") {
    // pdns.conf: ...,post=1,post_json=1 (captured bodies)
    check_lookup(decoded_ok(json_post(
                     R"({"method": "lookup", "parameters": {"local": "0.0.0.0", "qname": )"
                     R"("example.com.", "qtype": "SOA", "real-remote": "0.0.0.0/0", "remote": )"
                     R"("0.0.0.0", "zone-id": -1}})")),
                 "example.com.", "SOA", -1, "0.0.0.0", "0.0.0.0/0");
    const Request list = decoded_ok(
        json_post(R"({"method": "list", "parameters": {"domain_id": 1, "include_disabled": false, )"
                  R"("zonename": "example.com."}})"));
    CHECK(list.method == Method::list);
    CHECK(list.name == "example.com.");

    // application/json too, and no content type at all when the body is an object; the path
    // does not matter.
    CHECK(decoded_ok(json_post(R"({"method":"getAllDomains","parameters":{}})", "Application/JSON"))
              .method == Method::get_all_domains);
    HttpRequest bare{"POST", "/", {{"Host", "x"}}, R"( {"method":"initialize"})"};
    CHECK(decoded_ok(bare).method == Method::initialize);
}

TEST_CASE("http request: the url's own path and url-suffix") {
    // The method is the first segment with a method's name, wherever the url puts it.
    for (const std::string prefix : {"", "/dns", "/api/v1/pdns", "/dns.d/x"}) {
        CAPTURE(prefix);
        check_lookup(decoded_ok(get(prefix + "/lookup/example%2ecom%2e/MX", client_headers())),
                     "example.com.", "MX", 1, "127.0.0.1", "127.0.0.1/32");
    }
    // Doubled and trailing slashes are empty segments, skipped.
    CHECK(decoded_ok(get("//dns//getDomainInfo/example%2ecom%2e/")).name == "example.com.");
    // A literal '.' in the last segment starts the url-suffix: pdns escapes every '.'.
    check_lookup(decoded_ok(get("/dns/lookup/example%2ecom%2e/ANY.json", client_headers())),
                 "example.com.", "ANY", 1, "127.0.0.1", "127.0.0.1/32");
    CHECK(decoded_ok(get("/dns/getAllDomains.php?includeDisabled=true")).include_disabled);
    CHECK(decoded_ok(get("/dns/getDomainInfo/example%2ecom%2e.json")).name == "example.com.");
}

TEST_CASE("http request: header names in any case, percent escapes in either case") {
    const auto headers = pdns_headers({
        {"x-remotebackend-zone-id", " 7 "},
        {"X-REMOTEBACKEND-REMOTE", "192.0.2.1"},
        {"x-RemoteBackend-Local", "192.0.2.1"},
        {"X-Remotebackend-Real-remote", "192.0.2.0/24"},
        {"X-Remotebackend-Trxid", "5"}, // sent for transactions; not a lookup's
    });
    check_lookup(decoded_ok(get("/dns/lookup/Mixed%2ECase%2eExample%2E/any", headers)),
                 "Mixed.Case.Example.", "any", 7, "192.0.2.1", "192.0.2.0/24");
    // No context headers: the same defaults as a line without them.
    check_lookup(decoded_ok(get("/dns/lookup/%2e/SOA")), ".", "SOA", -1, "", "");

    CHECK(percent_decode("a%2eb%2Ec%41", false) == "a.b.cA");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("a+b%2b", true) == "a b+");
    CHECK(percent_decode("%00%ff", false) == std::string{"\0\xff", 2});
    CHECK(percent_decode("", false) == "");
    for (const std::string_view bad : {"%", "%2", "a%g0", "%0g", "%%", "100%"}) {
        CAPTURE(bad);
        CHECK_FALSE(percent_decode(bad, false));
    }

    const std::vector<HttpHeader> list = {{"Content-Type", "a"}, {"content-type", "b"}};
    CHECK(find_header(list, "CONTENT-TYPE") == "a");
    CHECK_FALSE(find_header(list, "Content-Length"));
    CHECK_FALSE(find_header(list, "Content-Typ"));
}

TEST_CASE("http request: methods mxsteerd does not implement decode as 'other'") {
    // pdns sends them with the verb of their REST form: the handler answers result false.
    const std::vector<HttpRequest> writes = {
        HttpRequest{"PATCH", "/dns/setNotified/1", pdns_headers(), "serial=2"},
        HttpRequest{"DELETE", "/dns/removeDomainKey/example%2ecom%2e/3", pdns_headers(), {}},
        HttpRequest{
            "PUT", "/dns/createSlaveDomain/192%2e0%2e2%2e1/example%2ecom%2e", pdns_headers(), {}},
        HttpRequest{"POST",
                    "/dns/activateDomainKey/example%2ecom%2e/3",
                    pdns_headers({{"Content-Type", "application/x-www-form-urlencoded"}}),
                    {}},
        get("/dns/getUpdatedMasters"),
        form_post("/dns/setFresh", "parameters=%7b%22id%22%3a%201%7d"),
    };
    for (const auto& http : writes) {
        const Request r = decoded_ok(http);
        CHECK(r.method == Method::other);
        CHECK_FALSE(r.method_name.empty());
    }
}

TEST_CASE("http request: malformed requests get 400, 404, 405 or 415 with the reason") {
    struct Row {
        HttpRequest http;
        int status;
        std::string_view says;
    };
    const Row rows[] = {
        {get("dns/lookup/a/b"), 400, "target must be a path"},
        {get("*"), 400, "target must be a path"},
        {get(""), 400, "target must be a path"},
        {get("/"), 404, "no remote-backend method in the path '/'"},
        {get("/dns/Lookup/a%2e/ANY"), 404, "no remote-backend method"}, // names are exact
        {get("/dns/%6cookup/a%2e/ANY"), 404, "no remote-backend method"},
        {get("/dns/lookup/a%2e"), 404, "lookup expects /lookup/QNAME/QTYPE, got 1 segment"},
        {get("/dns/lookup/a%2e/ANY/x"), 404, "got 3 segment(s)"},
        {get("/dns/lookup"), 404, "got 0 segment(s)"},
        {get("/dns/getAllDomains/x"), 404, "getAllDomains expects /getAllDomains"},
        {get("/dns/getDomainInfo"), 404, "getDomainInfo expects /getDomainInfo/NAME"},
        {get("/dns/getDomainMetadata/a%2e"), 404, "/getDomainMetadata/NAME/KIND"},
        {get("/dns/list/1/2/3"), 404, "list expects /list/DOMAIN_ID/ZONENAME"},
        {get("/dns/list/one/example%2ecom%2e"), 400, "domain_id must be an integer, got 'one'"},
        {get("/dns/lookup/a%2/ANY"), 400, "bad percent-encoding in path segment 'a%2'"},
        {get("/dns/lookup/a%zz/ANY"), 400, "bad percent-encoding"},
        {get("/dns/getAllDomains?includeDisabled=maybe"), 400,
         "includeDisabled must be true or false, got 'maybe'"},
        {get("/dns/getAllDomains?includeDisabled=%"), 400, "bad percent-encoding in the query"},
        {get("/dns/lookup/a%2e/ANY", pdns_headers({{"X-RemoteBackend-zone-id", "one"}})), 400,
         "X-RemoteBackend-zone-id must be an integer, got 'one'"},
        {get("/dns/lookup/a%2e/ANY", pdns_headers({{"X-RemoteBackend-zone-id", ""}})), 400,
         "must be an integer, got ''"},
        {get("/dns/lookup/a%2e/ANY",
             pdns_headers({{"X-RemoteBackend-zone-id", "99999999999999999999"}})),
         400, "must be an integer"},
        {get("/dns/lookup/a%2e/ANY", pdns_headers({{"X-RemoteBackend-remote", "192.0.2.1"},
                                                   {"x-remotebackend-REMOTE", "192.0.2.2"}})),
         400, "header 'x-remotebackend-REMOTE' is given twice"},
        {HttpRequest{"PUT", "/dns/lookup/a%2e/ANY", pdns_headers(), {}}, 405,
         "lookup is sent as GET, or as a POST form with 'parameters', got 'PUT'"},
        {HttpRequest{"POST", "/dns/lookup/a%2e/ANY", pdns_headers(), {}}, 405, "got 'POST'"},
        {HttpRequest{"HEAD", "/dns/lookup/a%2e/ANY", pdns_headers(), {}}, 405,
         "method 'HEAD' is not one pdns sends"},
        {HttpRequest{"get", "/dns/lookup/a%2e/ANY", pdns_headers(), {}}, 405, "'get'"},
        {HttpRequest{"POST", "/dns/lookup", pdns_headers({{"Content-Type", "text/plain"}}), "x"},
         415, "got 'text/plain'"},
        {HttpRequest{"POST", "/dns", pdns_headers({{"Content-Type", "multipart/form-data; b=1"}}),
                     "x"},
         415, "a POST body must be JSON"},
        {json_post(""), 400, "empty line"},
        {json_post("{\"method\": \"lookup\", \"parameters\": {\"qname\": \"a.\""), 400,
         "invalid JSON"},
        {json_post(R"({"method":"lookup","parameters":{"qname":"a."}})"), 400,
         "parameters.qtype must be a string, but it is missing"},
        {json_post(R"({"method":"lookup","parameters":{}}{"method":"lookup"})"), 400,
         "invalid JSON"},
        {form_post("/dns/lookup", "parameters=%7b"), 400,
         "the form field 'parameters' must be one JSON object, got '{'"},
        {form_post("/dns/lookup", "parameters=[]"), 400, "must be one JSON object"},
        {form_post("/dns/lookup", "parameters="), 400, "must be one JSON object"},
        {form_post("/dns/lookup", "parameters=%zz"), 400, "bad percent-encoding in the form"},
        {form_post("/dns/lookup", "parameters={}&parameters={}"), 400, "given twice"},
        {form_post("/dns/lookup/a", "parameters={}"), 404,
         "a POST form goes to .../lookup, without path segments after the method"},
        {form_post("/dns/nothing", "parameters={}"), 404, "no remote-backend method"},
        {form_post("/dns/lookup", R"(parameters={"qname":"a.","qtype":1})"), 400,
         "parameters.qtype must be a string, got number"},
        // A form's parameters cannot close the object they are put in and add a method.
        {form_post("/dns/lookup", R"(parameters={"qname":"a.","qtype":"A"},"method":"initialize")"),
         400, "must be one JSON object"},
        {form_post("/dns/lookup", R"(parameters={"a":"}"},"method":"x"})"), 400,
         "must be one JSON object"},
    };
    for (const Row& row : rows) {
        const HttpDecoded decoded = decode_fails(row.http, row.status);
        CAPTURE(decoded.error);
        CHECK(decoded.error.find(row.says) != std::string::npos);
        CHECK(decoded.allow.empty() == (row.status != 405));
    }
    // Braces and brackets inside strings are text, not structure.
    const Request braces = decoded_ok(
        form_post("/dns/lookup", R"(parameters={"qname":"}{].[","qtype":"A","x":"\"}"})"));
    CHECK(braces.qname == "}{].[");
}

TEST_CASE("http request: huge and hostile requests are refused, never a crash") {
    SUBCASE("a very long path and many headers") {
        std::string target = "/dns";
        for (int i = 0; i < 20000; ++i) {
            target += "/x";
        }
        decode_fails(get(target), 404);
        decode_fails(get("/dns/lookup" + target.substr(4)), 404);
        std::vector<HttpHeader> headers;
        for (int i = 0; i < 5000; ++i) {
            headers.push_back({"X-RemoteBackend-Other" + std::to_string(i), std::string(10, 'v')});
        }
        check_lookup(decoded_ok(get("/dns/lookup/a%2e/A", headers)), "a.", "A", -1, "", "");
    }
    SUBCASE("a body over the request cap, and deep nesting, in both post forms") {
        const std::string big(max_request_bytes + 1, ' ');
        decode_fails(json_post(R"({"method":"lookup","parameters":{}})" + big), 400);
        decode_fails(form_post("/dns/lookup", "parameters={" + big + "}"), 400);
        const std::string deep = std::string(5000, '[') + std::string(5000, ']');
        decode_fails(json_post(R"({"method":"lookup","parameters":)" + deep + "}"), 400);
        decode_fails(form_post("/dns/lookup", "parameters={\"a\":" + deep + "}"), 400);
    }
    SUBCASE("bytes that are not text") {
        // A NUL or a UTF-8 error in a name decodes; the store simply has no such name.
        CHECK(decoded_ok(get("/dns/getDomainInfo/a%00b%ff")).name == std::string{"a\0b\xff", 4});
        decode_fails(json_post("{\"method\":\"lookup\",\"parameters\":{\"qname\":\"\xff\"}}"), 400);
    }
    SUBCASE("random requests, seeded: each decodes or fails with a known status") {
        std::mt19937 engine{7};
        const std::vector<std::string> pieces = {"/",
                                                 "dns",
                                                 "lookup",
                                                 "list",
                                                 "getAllDomains",
                                                 "%2e",
                                                 "%",
                                                 "%2",
                                                 "?",
                                                 "&",
                                                 "=",
                                                 ".json",
                                                 "includeDisabled",
                                                 "a",
                                                 "1",
                                                 "-1",
                                                 "{",
                                                 "}",
                                                 "\"",
                                                 "parameters=",
                                                 "\\",
                                                 "[",
                                                 "]",
                                                 ":",
                                                 "%7b",
                                                 "%7d",
                                                 "%22",
                                                 "getDomainMetadata",
                                                 "\xff",
                                                 "\0",
                                                 " ",
                                                 "+"};
        const std::vector<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "X"};
        const std::vector<std::string> types = {"", "application/json", "text/javascript",
                                                "application/x-www-form-urlencoded", "text/x"};
        const std::set<int> statuses = {400, 404, 405, 415};
        std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
        std::uniform_int_distribution<std::size_t> length(0, 24);
        for (int i = 0; i < 5000; ++i) {
            const auto random_text = [&] {
                std::string text;
                for (std::size_t n = length(engine); n > 0; --n) {
                    text += pieces[piece(engine)];
                }
                return text;
            };
            HttpRequest http;
            http.method = methods[engine() % methods.size()];
            http.target = (engine() % 8 == 0 ? "" : "/") + random_text();
            const std::string& type = types[engine() % types.size()];
            if (!type.empty()) {
                http.headers.push_back({"Content-Type", type});
            }
            http.headers.push_back({"X-RemoteBackend-zone-id", random_text()});
            http.body = random_text();
            const HttpDecoded decoded = decode_http_request(http);
            CAPTURE(http.target);
            if (decoded.request) {
                CHECK(decoded.status == 200);
            } else {
                CHECK(statuses.count(decoded.status) == 1);
                CHECK(decoded.error.starts_with("cannot decode request: "));
            }
        }
    }
}
