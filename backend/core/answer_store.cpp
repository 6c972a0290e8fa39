// AnswerStore: pre-rendered pdns reply fragments per name and type.
// SPDX-License-Identifier: MIT
#include "answer_store.hpp"

#include "json_text.hpp"

#include <fmt/format.h>

#include <map>

namespace mxsteer::core {

namespace {

void append_record(std::string& out, const ServedRecord& r, std::size_t zone_id) {
    // Optional fields at their defaults (auth 1, scopeMask 0) are left out: pdns re-parses its
    // whole read buffer per 1,500-byte chunk, so small replies matter.
    out += out.size() > 1 ? ",{\"qtype\":" : "{\"qtype\":";
    append_json_string(out, r.qtype);
    out += ",\"qname\":";
    append_json_string(out, r.qname);
    out += ",\"content\":";
    append_json_string(out, r.content);
    out += fmt::format(",\"ttl\":{},\"domain_id\":{}}}", r.ttl_s, zone_id);
}

std::string fold_case(std::string_view name) {
    std::string out{name};
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

} // namespace

AnswerStore::AnswerStore(std::vector<ServedZone> zones, std::shared_ptr<const Steering> steering)
    : steering_(steering ? std::move(steering) : std::make_shared<const Steering>()) {
    const auto& steered = steering_->by_name;
    all_domains_ = "[";
    for (std::size_t i = 0; i < zones.size(); ++i) {
        const ServedZone& zone = zones[i];
        const std::size_t id = i + 1;
        Zone& served = zones_[zone.name];
        served.info = "{\"id\":" + std::to_string(id) + ",\"zone\":";
        append_json_string(served.info, zone.name);
        served.info += fmt::format(",\"kind\":\"native\",\"serial\":{}}}", zone.serial);
        all_domains_ += (i == 0 ? "" : ",") + served.info;

        // Group by name, then by type, keeping zone order inside each group.
        std::map<std::string_view, std::map<std::string_view, std::vector<const ServedRecord*>>>
            grouped;
        served.list = "[";
        for (const auto& record : zone.records) {
            grouped[record.qname][record.qtype].push_back(&record);
            if (record.qtype != "ENT") {
                append_record(served.list, record, id);
                ++record_count_;
            }
        }
        served.list += ']';
        for (const auto& [qname, types] : grouped) {
            // A name at a zone cut belongs to both zones; pdns answers it from the deeper one.
            auto [it, fresh] = names_.try_emplace(std::string{qname});
            Name& name = it->second;
            if (!fresh && name.zone_length > zone.name.size()) {
                continue;
            }
            name = Name{};
            name.zone_length = zone.name.size();
            name.zone_id = id;
            if (auto s = steered.find(std::string{qname}); s != steered.end()) {
                name.steer = static_cast<int>(s->second);
            }
            name.any = "[";
            for (const auto& [qtype, records] : types) {
                if (name.steer >= 0 && qtype == "MX") {
                    continue; // chosen per query
                }
                std::string one = "[";
                for (const auto* record : records) {
                    append_record(name.any, *record, id);
                    append_record(one, *record, id);
                }
                one += ']';
                name.types.emplace_back(std::string{qtype}, std::move(one));
            }
            name.any += ']';
        }
    }
    all_domains_ += ']';
}

NameAnswer AnswerStore::find(std::string_view qname, std::string_view qtype) const {
    const auto it = names_.find(fold_case(qname));
    if (it == names_.end()) {
        return {};
    }
    const Name& name = it->second;
    NameAnswer answer{"[]", name.steer, name.zone_id};
    if (qtype == "ANY") {
        answer.records = name.any;
        return answer;
    }
    for (const auto& [type, json] : name.types) {
        if (type == qtype) {
            answer.records = json;
            break;
        }
    }
    return answer;
}

std::optional<std::string_view> AnswerStore::list(std::string_view zone) const {
    if (auto it = zones_.find(fold_case(zone)); it != zones_.end()) {
        return it->second.list;
    }
    return std::nullopt;
}

std::optional<std::string_view> AnswerStore::domain_info(std::string_view zone) const {
    if (auto it = zones_.find(fold_case(zone)); it != zones_.end()) {
        return it->second.info;
    }
    return std::nullopt;
}

} // namespace mxsteer::core
