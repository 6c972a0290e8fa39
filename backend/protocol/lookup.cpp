// Steered MX records spliced into a name's static answer.
// SPDX-License-Identifier: MIT
#include "lookup.hpp"

#include "core/json_text.hpp"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace mxsteer::protocol {

namespace {

// Steered answers by (region, decision); a short, uncontended lock per steered lookup.
std::mutex answers_mutex;
std::map<std::pair<std::string, std::string>, std::uint64_t> answers;

void count_answer(const core::Steering& steering, const core::SteerAnswer& answer) {
    const auto& regions = steering.locator.config().regions;
    const auto& region = answer.placement.region;
    std::string name = region && *region < regions.size() ? regions[*region].name : "none";
    const std::lock_guard lock{answers_mutex};
    ++answers[{std::move(name), std::string{core::to_string(answer.decision)}}];
}

} // namespace

std::string answer_metrics() {
    std::string out = "# HELP mxsteer_answers_total steered MX answers by region and decision\n"
                      "# TYPE mxsteer_answers_total counter\n";
    const std::lock_guard lock{answers_mutex};
    for (const auto& [key, n] : answers) {
        out += fmt::format("mxsteer_answers_total{{region=\"{}\",decision=\"{}\"}} {}\n", key.first,
                           key.second, n);
    }
    return out;
}

std::string lookup_records(const Request& request, const core::AnswerStore& store,
                           const core::HealthSnapshot& health, std::int64_t now_s) {
    const core::NameAnswer found = store.find(request.qname, request.qtype);
    std::string out{"["};
    out += found.records;
    if (found.steer < 0 || (request.qtype != "ANY" && request.qtype != "MX")) {
        out += ']';
        return out;
    }
    const core::SteerRule& rule = store.steering().rules[static_cast<std::size_t>(found.steer)];
    const core::Client client = core::parse_client(request.remote, request.real_remote);
    const core::SteerAnswer answer = core::steer(rule, store.steering().locator, client, health,
                                                 now_s, &store.steering().overrides);
    count_answer(store.steering(), answer);
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
