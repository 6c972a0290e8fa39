// AnswerStore: pre-rendered pdns reply fragments per name and type.
// SPDX-License-Identifier: MIT
#include "answer_store.hpp"

#include "core/name.hpp"
#include "json_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>

namespace mxsteer::core {

namespace {

// One record as a JSON object. Optional fields at their defaults (auth 1, scopeMask 0) are left
// out: pdns re-parses its whole read buffer per 1,500-byte chunk, so small replies matter.
void append_record(std::string& out, const ServedRecord& r, std::size_t zone_id) {
    out += "{\"qtype\":";
    append_json_string(out, r.qtype);
    out += ",\"qname\":";
    append_json_string(out, r.qname);
    out += ",\"content\":";
    append_json_string(out, r.content);
    fmt::format_to(std::back_inserter(out), ",\"ttl\":{},\"domain_id\":{}}}", r.ttl_s, zone_id);
}

} // namespace

AnswerStore::AnswerStore(std::vector<ServedZone> zones, std::shared_ptr<const Steering> steering)
    : steering_(steering ? std::move(steering) : std::make_shared<const Steering>()) {
    const auto& steered = steering_->by_name;
    all_domains_ = "[";
    std::size_t total_records = 0;
    for (const ServedZone& zone : zones) {
        total_records += zone.records.size();
    }
    names_.reserve(total_records);
    types_.reserve(total_records);
    // The elements of these records: a slice where their objects lie back to back, joined by
    // commas, in one string; else a copy in text_.
    auto elements = [this](const std::vector<Slice>& rendered,
                           const std::vector<std::uint32_t>& which) -> Slice {
        if (which.empty()) {
            return {};
        }
        bool adjacent = true;
        for (std::size_t k = 1; k < which.size() && adjacent; ++k) {
            const Slice& a = rendered[which[k - 1]];
            const Slice& b = rendered[which[k]];
            adjacent = a.in == b.in && a.offset + a.length + 1 == b.offset;
        }
        const Slice& first = rendered[which.front()];
        if (adjacent) {
            const Slice& last = rendered[which.back()];
            return {first.in, first.offset, last.offset + last.length - first.offset};
        }
        const std::size_t start = text_.size();
        for (const std::uint32_t i : which) {
            if (text_.size() > start) {
                text_ += ',';
            }
            text_.append(*rendered[i].in, rendered[i].offset, rendered[i].length);
        }
        return {&text_, start, text_.size() - start};
    };
    std::vector<std::uint32_t> kept;
    std::vector<std::uint32_t> of_type;
    for (std::size_t z = 0; z < zones.size(); ++z) {
        const ServedZone& zone = zones[z];
        const std::size_t id = z + 1;
        auto [zone_it, new_zone] = zones_.try_emplace(zone.name);
        if (!new_zone) {
            continue; // served already: the first zone of a name wins
        }
        Zone& served = zone_it->second;
        served.info = "{\"id\":" + std::to_string(id) + ",\"zone\":";
        append_json_string(served.info, zone.name);
        served.info += fmt::format(",\"kind\":\"native\",\"serial\":{}}}", zone.serial);
        all_domains_ += (all_domains_.size() == 1 ? "" : ",") + served.info;

        // Each record is rendered once: into the AXFR list, in zone order, or for an ENT marker
        // (which AXFR leaves out) into text_. The answers are slices of these.
        const auto& records = zone.records;
        std::size_t estimate = 2;
        for (const auto& r : records) {
            estimate += r.qtype.size() + r.qname.size() + r.content.size() + 64;
        }
        served.list.reserve(estimate);
        served.list = "[";
        std::vector<Slice> rendered(records.size());
        for (std::size_t i = 0; i < records.size(); ++i) {
            const ServedRecord& r = records[i];
            const bool ent = r.qtype == "ENT";
            std::string& out = ent ? text_ : served.list;
            if (!ent) {
                if (out.size() > 1) {
                    out += ',';
                }
                ++record_count_;
            }
            const std::size_t start = out.size();
            append_record(out, r, id);
            rendered[i] = {&out, start, out.size() - start};
        }
        served.list += ']';

        // Group by name, keeping zone order inside each group.
        std::vector<std::uint32_t> order(records.size());
        std::iota(order.begin(), order.end(), 0U);
        std::stable_sort(order.begin(), order.end(), [&records](std::uint32_t a, std::uint32_t b) {
            return records[a].qname < records[b].qname;
        });
        // The keys of names_ point into served.names, sized first so that it never moves.
        std::size_t names_size = 0;
        for (std::size_t k = 0; k < order.size(); ++k) {
            if (k == 0 || records[order[k]].qname != records[order[k - 1]].qname) {
                names_size += records[order[k]].qname.size();
            }
        }
        served.names.reserve(names_size);

        for (std::size_t first = 0; first < order.size();) {
            const std::string& qname = records[order[first]].qname;
            std::size_t last = first + 1;
            while (last < order.size() && records[order[last]].qname == qname) {
                ++last;
            }
            const std::size_t key_at = served.names.size();
            served.names += qname;
            const std::string_view key{served.names.data() + key_at, qname.size()};
            // A name at a zone cut belongs to both zones; pdns answers it from the deeper one.
            auto [it, fresh] = names_.try_emplace(key);
            Name& name = it->second;
            if (!fresh && name.zone_length > zone.name.size()) {
                first = last;
                continue;
            }
            name = Name{};
            name.zone_length = zone.name.size();
            name.zone_id = id;
            if (auto s = steered.find(qname); s != steered.end()) {
                name.steer = static_cast<int>(s->second);
            }
            // Steered MX records are chosen per query: left out of the static answers.
            kept.clear();
            for (std::size_t k = first; k < last; ++k) {
                if (name.steer < 0 || records[order[k]].qtype != "MX") {
                    kept.push_back(order[k]);
                }
            }
            name.any = elements(rendered, kept);
            // One answer per type, its records in zone order, types in order of appearance.
            name.types_begin = types_.size();
            for (std::size_t k = 0; k < kept.size(); ++k) {
                const std::string& qtype = records[kept[k]].qtype;
                bool seen = false;
                for (std::size_t t = name.types_begin; t < types_.size() && !seen; ++t) {
                    seen = types_[t].type == qtype;
                }
                if (seen) {
                    continue;
                }
                of_type.clear();
                for (std::size_t j = k; j < kept.size(); ++j) {
                    if (records[kept[j]].qtype == qtype) {
                        of_type.push_back(kept[j]);
                    }
                }
                types_.push_back({qtype, of_type.size() == kept.size()
                                             ? name.any
                                             : elements(rendered, of_type)});
            }
            name.types_count = types_.size() - name.types_begin;
            first = last;
        }
    }
    all_domains_ += ']';
}

NameAnswer AnswerStore::find(std::string_view qname, std::string_view qtype) const {
    // Folded into a buffer on the stack (left uninitialised: only qname's length is used), so
    // that a lookup allocates nothing; a name longer than any DNS name in presentation form
    // gets a string.
    std::array<char, 1024> buffer; // NOLINT(cppcoreguidelines-pro-type-member-init)
    std::string long_name;
    std::string_view key;
    if (qname.size() <= buffer.size()) {
        std::transform(qname.begin(), qname.end(), buffer.begin(),
                       [](char c) { return lint::ascii_lower(c); });
        key = std::string_view{buffer.data(), qname.size()};
    } else {
        long_name = lint::ascii_lower(qname);
        key = long_name;
    }
    const auto it = names_.find(key);
    if (it == names_.end()) {
        return {};
    }
    const Name& name = it->second;
    NameAnswer answer{{}, name.steer, name.zone_id};
    if (qtype == "ANY") {
        answer.records = text(name.any);
        return answer;
    }
    for (std::size_t k = name.types_begin; k < name.types_begin + name.types_count; ++k) {
        if (types_[k].type == qtype) {
            answer.records = text(types_[k].records);
            break;
        }
    }
    return answer;
}

std::optional<std::string_view> AnswerStore::list(std::string_view zone) const {
    if (auto it = zones_.find(lint::ascii_lower(zone)); it != zones_.end()) {
        return it->second.list;
    }
    return std::nullopt;
}

std::optional<std::string_view> AnswerStore::domain_info(std::string_view zone) const {
    if (auto it = zones_.find(lint::ascii_lower(zone)); it != zones_.end()) {
        return it->second.info;
    }
    return std::nullopt;
}

} // namespace mxsteer::core
