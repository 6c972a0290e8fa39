// pdns remote-backend requests: one JSON object per line, decoded into a typed Request.
// See docs/pdns-remote-backend.md for the contract of each method.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxsteer::protocol {

// Requests larger than this are refused without being parsed.
inline constexpr std::size_t max_request_bytes = 64 * 1024;
// JSON nesting deeper than this is refused (a pdns request is 2 levels deep).
inline constexpr int max_json_depth = 16;

enum class Method : std::uint8_t {
    initialize,
    lookup,
    list,
    get_all_domains,
    get_domain_info,
    get_all_domain_metadata,
    get_domain_metadata,
    get_domain_keys,
    other, // any other method: answered with {"result":false}
};

// One decoded request. Only the fields of its method are set; strings are as sent (qname keeps
// the query's case).
struct Request {
    Method method = Method::other;
    std::string method_name;
    // lookup
    std::string qname;
    std::string qtype;
    std::int64_t zone_id = -1;
    std::string remote;
    std::string local;
    std::string real_remote;
    // list: zonename; getDomainInfo, getAllDomainMetadata, getDomainMetadata, getDomainKeys: name
    std::string name;
    // list
    std::int64_t domain_id = -1;
    // getDomainMetadata
    std::string kind;
    // getAllDomains, list
    bool include_disabled = false;
};

struct Decoded {
    std::optional<Request> request; // set when the line is a valid request
    std::string error;              // else what is wrong, for the reply's "log"
};

// Decodes one request (without or with its trailing newline). Never throws.
// The line must be one JSON object, at most max_request_bytes and max_json_depth levels, with a
// string "method"; "parameters", when present, must be an object (missing counts as {}). The
// parameters a method uses are type-checked (zone-id and domain_id: an integer or a numeric
// string; missing: -1); other keys are ignored. An unknown method is not an error: it decodes
// as Method::other. On failure `error` starts with "cannot decode request: " and says what was
// expected and what was seen.
[[nodiscard]] Decoded decode_request(std::string_view line);

} // namespace mxsteer::protocol
