// Decodes pdns's http-connector requests (REST paths, form posts, JSON posts) into a Request.
// SPDX-License-Identifier: MIT
//
// What pdns 4.7.3 sends is in modules/remotebackend/httpconnector.cc (restful_requestbuilder,
// post_requestbuilder) and was captured against pdns_server (docs/pdns-remote-backend.md §1).
#include "protocol/http_request.hpp"

#include "core/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace mxsteer::protocol {

namespace {

// Every method pdns 4.7's remote backend can send (remotebackend.cc and the connectors). Only
// a segment with one of these names can be the method: the url's own path comes before it.
constexpr std::array<std::string_view, 39> remote_methods = {
    "abortTransaction",
    "activateDomainKey",
    "addDomainKey",
    "calculateSOASerial",
    "commitTransaction",
    "createSlaveDomain",
    "deactivateDomainKey",
    "deleteTSIGKey",
    "directBackendCmd",
    "feedEnts",
    "feedEnts3",
    "feedRecord",
    "getAllDomainMetadata",
    "getAllDomains",
    "getBeforeAndAfterNamesAbsolute",
    "getDomainInfo",
    "getDomainKeys",
    "getDomainMetadata",
    "getTSIGKey",
    "getTSIGKeys",
    "getUnfreshSlaveInfos",
    "getUpdatedMasters",
    "initialize",
    "isMaster",
    "list",
    "lookup",
    "publishDomainKey",
    "removeDomainKey",
    "replaceRRSet",
    "searchComments",
    "searchRecords",
    "setDomainMetadata",
    "setFresh",
    "setNotified",
    "setStale",
    "setTSIGKey",
    "startTransaction",
    "superMasterBackend",
    "unpublishDomainKey",
};

// The methods mxsteerd answers, with the REST path components pdns puts after the method.
struct RestForm {
    std::string_view name;
    Method method;
    std::string_view usage; // for messages
};
constexpr std::array<RestForm, 8> rest_forms = {{
    {"lookup", Method::lookup, "/lookup/QNAME/QTYPE"},
    {"list", Method::list, "/list/DOMAIN_ID/ZONENAME"},
    {"getAllDomains", Method::get_all_domains, "/getAllDomains"},
    {"getDomainInfo", Method::get_domain_info, "/getDomainInfo/NAME"},
    {"getAllDomainMetadata", Method::get_all_domain_metadata, "/getAllDomainMetadata/NAME"},
    {"getDomainMetadata", Method::get_domain_metadata, "/getDomainMetadata/NAME/KIND"},
    {"getDomainKeys", Method::get_domain_keys, "/getDomainKeys/NAME"},
    {"initialize", Method::initialize, "/initialize"},
}};

constexpr std::string_view lookup_header_prefix = "x-remotebackend-";

char lower_ascii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// A user value in a message: quoted, escaped to ASCII, cut short.
std::string excerpt(std::string_view text) {
    return "'" + lint::quote(text) + "'";
}

HttpDecoded failure(int status, std::string message, std::string allow = {}) {
    HttpDecoded decoded;
    decoded.status = status;
    decoded.error = "cannot decode request: " + std::move(message);
    decoded.allow = std::move(allow);
    return decoded;
}

bool is_remote_method(std::string_view segment) {
    return std::find(remote_methods.begin(), remote_methods.end(), segment) != remote_methods.end();
}

// True when `text` is one JSON object and nothing else but whitespace: its first '{' closes
// at its last non-blank byte. Brackets inside strings do not count. The full syntax is
// checked by decode_request; this only keeps a form's parameters from closing the object
// they are put into and adding members of their own.
bool is_one_json_object(std::string_view text) {
    text = lint::trim_wsp(text);
    if (text.size() < 2 || text.front() != '{') {
        return false;
    }
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return false;
            }
            if (--depth == 0) {
                return i + 1 == text.size();
            }
        }
    }
    return false;
}

// The media type of a Content-Type value, lowercase, without parameters.
std::string media_type(std::string_view value) {
    std::string type{lint::trim_wsp(value.substr(0, value.find(';')))};
    std::transform(type.begin(), type.end(), type.begin(), lower_ascii);
    return type;
}

// One "key=value" field of a form body or a query string, both decoded.
struct FormField {
    std::string key;
    std::string value;
};

std::optional<std::vector<FormField>> parse_form(std::string_view text) {
    std::vector<FormField> fields;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!key || !value) {
            return std::nullopt;
        }
        fields.push_back(FormField{std::move(*key), std::move(*value)});
    }
    return fields;
}

// The decoded request target: the path's segments (still percent-encoded) and the query.
struct Target {
    std::vector<std::string_view> segments;
    std::string_view query;
};

Target split_target(std::string_view target) {
    Target split;
    const auto question = target.find('?');
    if (question != std::string_view::npos) {
        split.query = target.substr(question + 1);
        target = target.substr(0, question);
    }
    while (!target.empty()) {
        const auto slash = target.find('/');
        const std::string_view segment = target.substr(0, slash);
        if (!segment.empty()) {
            split.segments.push_back(segment);
        }
        if (slash == std::string_view::npos) {
            break;
        }
        target.remove_prefix(slash + 1);
    }
    return split;
}

// Where the method is in the path: its index, and the segments with the url-suffix cut off
// the last one.
struct MethodPath {
    std::size_t index = 0;
    std::vector<std::string_view> segments;
};

std::optional<MethodPath> find_method(std::vector<std::string_view> segments) {
    if (!segments.empty()) {
        std::string_view& last = segments.back();
        last = last.substr(0, last.find('.'));
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (is_remote_method(segments[i])) {
            return MethodPath{i, std::move(segments)};
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

// pdns's JSON request text from a form post's method and parameters, decoded as a line is.
HttpDecoded decode_form_post(std::string_view method, std::string_view parameters) {
    if (!is_one_json_object(parameters)) {
        return failure(400, fmt::format("the form field 'parameters' must be one JSON object, "
                                        "got {}",
                                        excerpt(parameters)));
    }
    // `method` is a name from remote_methods: it needs no escaping.
    std::string line = fmt::format(R"({{"method":"{}","parameters":{}}})", method, parameters);
    Decoded decoded = decode_request(line);
    HttpDecoded result;
    if (!decoded.request) {
        result.status = 400;
        result.error = std::move(decoded.error);
        return result;
    }
    result.request = std::move(decoded.request);
    return result;
}

// A REST lookup's context, from the X-RemoteBackend-* headers; each may be given once.
struct LookupHeaders {
    std::optional<HttpDecoded> error;
    std::int64_t zone_id = -1;
    std::string remote;
    std::string local;
    std::string real_remote;
};

LookupHeaders read_lookup_headers(std::span<const HttpHeader> headers) {
    LookupHeaders found;
    struct Slot {
        std::string_view name;
        std::string* text;
        bool seen = false;
    };
    std::string zone_id;
    std::array<Slot, 4> slots = {{
        {"zone-id", &zone_id},
        {"remote", &found.remote},
        {"local", &found.local},
        {"real-remote", &found.real_remote},
    }};
    for (const HttpHeader& header : headers) {
        const std::string_view name = header.name;
        if (name.size() <= lookup_header_prefix.size() ||
            !lint::iequals(name.substr(0, lookup_header_prefix.size()), lookup_header_prefix)) {
            continue;
        }
        for (Slot& slot : slots) {
            if (!lint::iequals(name.substr(lookup_header_prefix.size()), slot.name)) {
                continue;
            }
            if (slot.seen) {
                found.error = failure(400, fmt::format("header {} is given twice", excerpt(name)));
                return found;
            }
            slot.seen = true;
            *slot.text = std::string{lint::trim_wsp(header.value)};
        }
    }
    if (slots[0].seen) {
        const auto id = parse_integer(zone_id);
        if (!id) {
            found.error = failure(400, fmt::format("header X-RemoteBackend-zone-id must be an "
                                                   "integer, got {}",
                                                   excerpt(zone_id)));
            return found;
        }
        found.zone_id = *id;
    }
    return found;
}

HttpDecoded decode_rest(const HttpRequest& http, const Target& target, const MethodPath& path) {
    const std::string_view name = path.segments[path.index];
    const auto form = std::find_if(rest_forms.begin(), rest_forms.end(),
                                   [&](const RestForm& f) { return f.name == name; });
    HttpDecoded result;
    Request& request = result.request.emplace();
    request.method_name = std::string{name};
    if (form == rest_forms.end()) {
        // A method mxsteerd does not implement (pdns sends them as GET, POST, PUT, PATCH or
        // DELETE): the handler answers {"result":false}, as for a request line.
        request.method = Method::other;
        return result;
    }
    request.method = form->method;
    if (http.method != "GET") {
        return failure(405,
                       fmt::format("{} is sent as GET, or as a POST form with 'parameters', got {}",
                                   name, excerpt(http.method)),
                       "GET, POST");
    }

    std::vector<std::string> components;
    for (std::size_t i = path.index + 1; i < path.segments.size(); ++i) {
        auto component = percent_decode(path.segments[i], false);
        if (!component) {
            return failure(400, fmt::format("bad percent-encoding in path segment {}",
                                            excerpt(path.segments[i])));
        }
        components.push_back(std::move(*component));
    }
    const auto wrong_path = [&] {
        return failure(404, fmt::format("{} expects {}, got {} segment(s) after the method", name,
                                        form->usage, components.size()));
    };

    switch (request.method) {
    case Method::lookup: {
        if (components.size() != 2) {
            return wrong_path();
        }
        LookupHeaders context = read_lookup_headers(http.headers);
        if (context.error) {
            return std::move(*context.error);
        }
        request.qname = std::move(components[0]);
        request.qtype = std::move(components[1]);
        request.zone_id = context.zone_id;
        request.remote = std::move(context.remote);
        request.local = std::move(context.local);
        request.real_remote = std::move(context.real_remote);
        break;
    }
    case Method::list:
        // pdns leaves a null domain_id out of the path; 4.7 always sends a number.
        if (components.size() == 2) {
            const auto id = parse_integer(components[0]);
            if (!id) {
                return failure(400, fmt::format("list: domain_id must be an integer, got {}",
                                                excerpt(components[0])));
            }
            request.domain_id = *id;
            request.name = std::move(components[1]);
        } else if (components.size() == 1) {
            request.name = std::move(components[0]);
        } else {
            return wrong_path();
        }
        break;
    case Method::get_all_domains: {
        if (!components.empty()) {
            return wrong_path();
        }
        auto fields = parse_form(target.query);
        if (!fields) {
            return failure(
                400, fmt::format("bad percent-encoding in the query {}", excerpt(target.query)));
        }
        for (const FormField& field : *fields) {
            if (field.key != "includeDisabled") {
                continue;
            }
            if (field.value == "true" || field.value == "1") {
                request.include_disabled = true;
            } else if (field.value == "false" || field.value == "0") {
                request.include_disabled = false;
            } else {
                return failure(400, fmt::format("includeDisabled must be true or false, got {}",
                                                excerpt(field.value)));
            }
        }
        break;
    }
    case Method::get_domain_info:
    case Method::get_all_domain_metadata:
    case Method::get_domain_keys:
        if (components.size() != 1) {
            return wrong_path();
        }
        request.name = std::move(components[0]);
        break;
    case Method::get_domain_metadata:
        if (components.size() != 2) {
            return wrong_path();
        }
        request.name = std::move(components[0]);
        request.kind = std::move(components[1]);
        break;
    case Method::initialize: // never sent over http; answered like a line's
    case Method::other:
        break;
    }
    return result;
}

HttpDecoded decode(const HttpRequest& http) {
    if (http.target.empty() || http.target.front() != '/') {
        return failure(400, fmt::format("the request target must be a path starting with '/', "
                                        "got {}",
                                        excerpt(http.target)));
    }
    const Target target = split_target(http.target);

    std::optional<std::string> form_parameters;
    if (http.method == "POST") {
        const auto content_type = find_header(http.headers, "content-type");
        const std::string type = content_type ? media_type(*content_type) : std::string{};
        const std::string_view body = lint::trim_wsp(http.body);
        const bool json = type == "application/json" || type == "text/javascript" ||
                          (type.empty() && body.starts_with('{'));
        if (json) {
            // post_json: the body is the request line; the path does not matter.
            Decoded decoded = decode_request(http.body);
            HttpDecoded result;
            if (!decoded.request) {
                result.status = 400;
                result.error = std::move(decoded.error);
                return result;
            }
            result.request = std::move(decoded.request);
            return result;
        }
        if (type != "application/x-www-form-urlencoded" && !type.empty()) {
            return failure(415, fmt::format("a POST body must be JSON (application/json, "
                                            "text/javascript) or a form "
                                            "(application/x-www-form-urlencoded), got {}",
                                            excerpt(*content_type)));
        }
        auto fields = parse_form(http.body);
        if (!fields) {
            return failure(400, "bad percent-encoding in the form body");
        }
        for (FormField& field : *fields) {
            if (field.key == "parameters") {
                if (form_parameters) {
                    return failure(400, "the form field 'parameters' is given twice");
                }
                form_parameters = std::move(field.value);
            }
        }
        // A form without 'parameters' is one of pdns's REST posts (activateDomainKey, ...).
    } else if (http.method != "GET" && http.method != "PUT" && http.method != "PATCH" &&
               http.method != "DELETE") {
        return failure(405, fmt::format("method {} is not one pdns sends", excerpt(http.method)),
                       "GET, POST");
    }

    const auto path = find_method(target.segments);
    if (!path) {
        return failure(404, fmt::format("no remote-backend method in the path {}",
                                        excerpt(http.target.substr(0, http.target.find('?')))));
    }
    if (form_parameters) {
        if (path->index + 1 != path->segments.size()) {
            return failure(404, fmt::format("a POST form goes to .../{}, without path segments "
                                            "after the method",
                                            path->segments[path->index]));
        }
        return decode_form_post(path->segments[path->index], *form_parameters);
    }
    return decode_rest(http, target, *path);
}

} // namespace

std::optional<std::string_view> find_header(std::span<const HttpHeader> headers,
                                            std::string_view name) {
    for (const HttpHeader& header : headers) {
        if (lint::iequals(header.name, name)) {
            return std::string_view{header.value};
        }
    }
    return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (text.size() - i < 3) {
                return std::nullopt;
            }
            const int high = hex(text[i + 1]);
            const int low = hex(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

HttpDecoded decode_http_request(const HttpRequest& http) {
    // Only allocation can throw here; a request that cannot be decoded must never take the
    // connection down.
    try {
        return decode(http);
    } catch (const std::exception& e) {
        try {
            return failure(500, e.what());
        } catch (...) {
            HttpDecoded none; // no memory even for the message: a bare 500
            none.status = 500;
            return none;
        }
    }
}

} // namespace mxsteer::protocol
