// Steered MX records spliced into a name's static answer.
// SPDX-License-Identifier: MIT
#include "lookup.hpp"

#include "core/json_text.hpp"

#include <fmt/format.h>

namespace mxsteer::protocol {

std::string lookup_records(const Request& request, const core::AnswerStore& store,
                           const core::HealthSnapshot& health, std::int64_t now_s) {
    const core::NameAnswer found = store.find(request.qname, request.qtype);
    if (found.steer < 0 || (request.qtype != "ANY" && request.qtype != "MX")) {
        return std::string{found.records};
    }
    const core::SteerRule& rule = store.steering().rules[static_cast<std::size_t>(found.steer)];
    const core::Client client = core::parse_client(request.remote, request.real_remote);
    const core::SteerAnswer answer = core::steer(rule, store.steering().locator, client, health,
                                                 now_s, &store.steering().overrides);
    std::string out{found.records.substr(0, found.records.size() - 1)}; // without ']'
    for (const core::MxRecord& record : answer.records) {
        out += out.size() > 1 ? ",{\"qtype\":\"MX\",\"qname\":" : "{\"qtype\":\"MX\",\"qname\":";
        core::append_json_string(out, rule.name);
        out += ",\"content\":";
        core::append_json_string(out, fmt::format("{} {}", record.preference, record.exchange));
        out += fmt::format(",\"ttl\":{},\"domain_id\":{}", answer.ttl_s, found.zone_id);
        if (answer.scope != 0) {
            out += fmt::format(",\"scopeMask\":{}", answer.scope);
        }
        out += '}';
    }
    out += ']';
    return out;
}

} // namespace mxsteer::protocol
