// Maps each remote-backend method onto the answer store (docs/pdns-remote-backend.md §2), for
// request lines and HTTP requests alike.
// SPDX-License-Identifier: MIT
#include "handler.hpp"

#include "lookup.hpp"
#include "reply.hpp"
#include "request.hpp"

#include <array>

namespace mxsteer::protocol {

namespace {

std::string fail(std::string message) {
    const std::array<std::string, 1> log{std::move(message)};
    return reply_bool(false, log);
}

} // namespace

std::string handle(const Request& r, const core::AnswerStore& store,
                   const core::HealthSnapshot* health, std::int64_t now_s) {
    static const core::HealthSnapshot unchecked; // no health checks: every exchange is up
    switch (r.method) {
    case Method::initialize:
        return reply_bool(true);
    case Method::lookup:
        return reply_value(
            lookup_records(r, store, health != nullptr ? *health : unchecked, now_s));
    case Method::get_all_domains:
        // Without this answer pdns refuses every query (its zone cache stays empty).
        return reply_value(store.all_domains());
    case Method::get_domain_info:
        if (auto info = store.domain_info(r.name)) {
            return reply_value(*info);
        }
        return fail("cannot find zone '" + r.name + "'");
    case Method::list:
        if (auto records = store.list(r.name)) {
            return reply_value(*records);
        }
        return fail("cannot list zone '" + r.name + "': not served here");
    case Method::get_all_domain_metadata:
        return reply_value("{}");
    case Method::get_domain_metadata:
    case Method::get_domain_keys:
        return reply_value("[]");
    case Method::other:
        break;
    }
    return fail("cannot handle method '" + r.method_name + "': not implemented");
}

std::string handle_request(std::string_view line, const core::AnswerStore& store,
                           const core::HealthSnapshot* health, std::int64_t now_s) {
    Decoded decoded = decode_request(line);
    if (!decoded.request) {
        return fail(std::move(decoded.error));
    }
    return handle(*decoded.request, store, health, now_s);
}

HttpReply handle_http_request(const HttpRequest& request, const core::AnswerStore& store,
                              const core::HealthSnapshot* health, std::int64_t now_s) {
    HttpDecoded decoded = decode_http_request(request);
    HttpReply reply;
    if (!decoded.request) {
        reply.status = decoded.status;
        reply.body = fail(std::move(decoded.error));
        if (!decoded.allow.empty()) {
            reply.headers.push_back(HttpHeader{"Allow", std::move(decoded.allow)});
        }
        return reply;
    }
    reply.body = handle(*decoded.request, store, health, now_s);
    return reply;
}

} // namespace mxsteer::protocol
