// Maps each remote-backend method onto the answer store (docs/pdns-remote-backend.md §2).
// SPDX-License-Identifier: MIT
#include "handler.hpp"

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

std::string handle_request(std::string_view line, const core::AnswerStore& store) {
    Decoded decoded = decode_request(line);
    if (!decoded.request) {
        return fail(std::move(decoded.error));
    }
    const Request& r = *decoded.request;
    switch (r.method) {
    case Method::initialize:
        return reply_bool(true);
    case Method::lookup:
        return reply_value(store.lookup(r.qname, r.qtype));
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

} // namespace mxsteer::protocol
