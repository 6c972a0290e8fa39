// pdns remote-backend requests over HTTP (pdns's http connector), decoded into the same typed
// Request as a request line. See docs/pdns-remote-backend.md §1 for what pdns 4.7.3 sends.
// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/request.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::protocol {

struct HttpHeader {
    std::string name; // as sent; compared without regard to case
    std::string value;
};

// One HTTP request as the server framed it (io/http_server).
struct HttpRequest {
    std::string method;              // "GET", "POST", ... (case-sensitive, RFC 9110 §9.1)
    std::string target;              // origin form: "/dns/lookup/example%2ecom%2e/ANY"
    std::vector<HttpHeader> headers; // in arrival order
    std::string body;
};

// What to answer: a status, the JSON body ({"result":...}) and headers beyond the framing ones.
struct HttpReply {
    int status = 200;
    std::string body;
    std::vector<HttpHeader> headers;
};

struct HttpDecoded {
    std::optional<Request> request; // set when the HTTP request is a valid pdns request
    int status = 200;               // else 400, 404, 405, 415 (or 500: out of memory) ...
    std::string error;              // ... and what is wrong, for the reply's "log"
    std::string allow;              // for 405: the methods the target accepts
};

// Decodes the three forms pdns 4.7's http connector sends; never throws.
// - REST (the default): `VERB <url path>/<method>[/<component>...][<url-suffix>]`, components
//   percent-encoded, in pdns's order id, domain_id, zonename, qname, name, kind, qtype; lookup
//   context in the headers X-RemoteBackend-{zone-id,remote,local,real-remote} (any case);
//   getAllDomains as `?includeDisabled=true|false`. The methods mxsteerd answers must be GET.
// - `post=yes`: `POST <url path>/<method>[<url-suffix>]`, application/x-www-form-urlencoded
//   body `parameters=<the JSON parameters object>`.
// - `post=yes,post_json=yes`: `POST <url path>` with the JSON request itself as the body
//   (text/javascript or application/json; any path).
// The url's own path may be anything that has no segment named like a remote-backend method;
// the method is the first such segment. A url-suffix must start with '.' (pdns escapes every
// '.' of a component, so a literal '.' in the last segment can only start the suffix).
// Failures: 400 malformed (bad escapes, bad JSON, a bad header value), 404 no method in the
// path or the wrong number of components, 405 a method with the wrong verb, 415 a body that is
// neither JSON nor a form. Like decode_request, `error` starts with "cannot decode request: ".
[[nodiscard]] HttpDecoded decode_http_request(const HttpRequest& http);

// The value of the first header named `name` (ASCII case-insensitive), if any.
[[nodiscard]] std::optional<std::string_view> find_header(std::span<const HttpHeader> headers,
                                                          std::string_view name);
// %XX escapes (either case) decoded, '+' as a space when `plus_is_space` (form bodies and
// query strings); nullopt for a '%' not followed by two hex digits.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

} // namespace mxsteer::protocol
