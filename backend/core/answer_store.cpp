// AnswerStore: pre-rendered pdns reply fragments per name and type.
// SPDX-License-Identifier: MIT
#include "answer_store.hpp"

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

char fold(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Where one record's object lies: in the zone's AXFR list or, for an ENT marker, in `ents`.
struct Rendered {
    const std::string* in = nullptr;
    std::size_t offset = 0;
    std::size_t length = 0;
};

// The size of a JSON array of these records: brackets and commas included.
std::size_t array_size(const std::vector<Rendered>& rendered, const std::uint32_t* first,
                       const std::uint32_t* last) {
    std::size_t size = 2;
    for (const auto* i = first; i != last; ++i) {
        size += rendered[*i].length + (i == first ? 0 : 1);
    }
    return size;
}

// The records' objects joined by commas: an array's elements, without its brackets.
void append_elements(std::string& out, const std::vector<Rendered>& rendered,
                     const std::uint32_t* first, const std::uint32_t* last) {
    for (const auto* i = first; i != last; ++i) {
        if (i != first) {
            out += ',';
        }
        const Rendered& r = rendered[*i];
        out.append(*r.in, r.offset, r.length);
    }
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
    for (std::size_t z = 0; z < zones.size(); ++z) {
        const ServedZone& zone = zones[z];
        const std::size_t id = z + 1;
        Zone& served = zones_[zone.name];
        served.info = "{\"id\":" + std::to_string(id) + ",\"zone\":";
        append_json_string(served.info, zone.name);
        served.info += fmt::format(",\"kind\":\"native\",\"serial\":{}}}", zone.serial);
        all_domains_ += (z == 0 ? "" : ",") + served.info;

        // Each record is rendered once: into the AXFR list, in zone order, or for an ENT marker
        // (which AXFR leaves out) into `ents`. The per-name arrays copy from there.
        const auto& records = zone.records;
        std::size_t estimate = 2;
        for (const auto& r : records) {
            estimate += r.qtype.size() + r.qname.size() + r.content.size() + 64;
        }
        served.list.reserve(estimate);
        served.list = "[";
        std::string ents;
        std::vector<Rendered> rendered(records.size());
        for (std::size_t i = 0; i < records.size(); ++i) {
            const ServedRecord& r = records[i];
            std::string& out = r.qtype == "ENT" ? ents : served.list;
            if (&out == &served.list) {
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

        // Group by name, then by type, keeping zone order inside each group.
        std::vector<std::uint32_t> order(records.size());
        std::iota(order.begin(), order.end(), 0U);
        std::stable_sort(order.begin(), order.end(), [&records](std::uint32_t a, std::uint32_t b) {
            const ServedRecord& x = records[a];
            const ServedRecord& y = records[b];
            if (const int c = x.qname.compare(y.qname); c != 0) {
                return c < 0;
            }
            return x.qtype < y.qtype;
        });

        // Per name: the ANY array, then one array per type unless the name has a single type,
        // whose array is the ANY array. Steered MX records are chosen per query, so left out.
        struct Group {
            const std::uint32_t* first;
            const std::uint32_t* last;
            int steer;
        };
        std::vector<Group> groups;
        std::size_t text_size = text_.size();
        const std::uint32_t* const end = order.data() + order.size();
        for (const std::uint32_t* first = order.data(); first != end;) {
            const std::string& qname = records[*first].qname;
            const std::uint32_t* last = std::find_if(
                first, end, [&](std::uint32_t i) { return records[i].qname != qname; });
            const auto s = steered.find(qname);
            const int steer = s == steered.end() ? -1 : static_cast<int>(s->second);
            groups.push_back({first, last, steer});
            first = last;
        }
        // The exact size first, so that text_ grows once per zone.
        for (const Group& g : groups) {
            std::size_t any = 2;
            std::size_t types = 0;
            std::size_t typed = 0;
            for (const std::uint32_t* t = g.first; t != g.last;) {
                const std::string& qtype = records[*t].qtype;
                const std::uint32_t* t_end = std::find_if(
                    t, g.last, [&](std::uint32_t i) { return records[i].qtype != qtype; });
                if (g.steer < 0 || qtype != "MX") {
                    const std::size_t size = array_size(rendered, t, t_end);
                    any += size - 2 + (any > 2 ? 1 : 0);
                    typed += size;
                    ++types;
                }
                t = t_end;
            }
            text_size += any + (types > 1 ? typed : 0);
        }
        text_.reserve(text_size);

        for (const Group& g : groups) {
            const std::string& qname = records[*g.first].qname;
            // A name at a zone cut belongs to both zones; pdns answers it from the deeper one.
            auto [it, fresh] = names_.try_emplace(qname);
            Name& name = it->second;
            if (!fresh && name.zone_length > zone.name.size()) {
                continue;
            }
            name = Name{};
            name.zone_length = zone.name.size();
            name.zone_id = id;
            name.steer = g.steer;
            name.types_begin = types_.size();
            name.any.offset = text_.size();
            text_ += '[';
            for (const std::uint32_t* t = g.first; t != g.last;) {
                const std::string& qtype = records[*t].qtype;
                const std::uint32_t* t_end = std::find_if(
                    t, g.last, [&](std::uint32_t i) { return records[i].qtype != qtype; });
                if (g.steer < 0 || qtype != "MX") {
                    if (text_.size() > name.any.offset + 1) {
                        text_ += ',';
                    }
                    // For now the type's elements within the ANY array.
                    const std::size_t start = text_.size();
                    append_elements(text_, rendered, t, t_end);
                    types_.push_back({qtype, {start, text_.size() - start}});
                }
                t = t_end;
            }
            text_ += ']';
            name.any.length = text_.size() - name.any.offset;
            name.types_count = types_.size() - name.types_begin;
            if (name.types_count == 1) {
                types_.back().records = name.any; // the only type's array is the ANY array
                continue;
            }
            // Several types: each gets an array of its own after the ANY array.
            for (std::size_t k = name.types_begin; k < types_.size(); ++k) {
                Slice& slice = types_[k].records;
                const std::size_t start = text_.size();
                text_ += '[';
                text_.append(text_, slice.offset, slice.length);
                text_ += ']';
                slice = {start, text_.size() - start};
            }
        }
    }
    all_domains_ += ']';
}

NameAnswer AnswerStore::find(std::string_view qname, std::string_view qtype) const {
    // Folded into a buffer on the stack: a lookup allocates nothing.
    std::array<char, 1024> buffer{};
    std::string folded;
    std::string_view key;
    if (qname.size() <= buffer.size()) {
        std::transform(qname.begin(), qname.end(), buffer.begin(), fold);
        key = std::string_view{buffer.data(), qname.size()};
    } else {
        folded.resize(qname.size());
        std::transform(qname.begin(), qname.end(), folded.begin(), fold);
        key = folded;
    }
    const auto it = names_.find(key);
    if (it == names_.end()) {
        return {};
    }
    const Name& name = it->second;
    NameAnswer answer{"[]", name.steer, name.zone_id};
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
    std::string folded{zone};
    std::transform(folded.begin(), folded.end(), folded.begin(), fold);
    if (auto it = zones_.find(std::string_view{folded}); it != zones_.end()) {
        return it->second.list;
    }
    return std::nullopt;
}

std::optional<std::string_view> AnswerStore::domain_info(std::string_view zone) const {
    std::string folded{zone};
    std::transform(folded.begin(), folded.end(), folded.begin(), fold);
    if (auto it = zones_.find(std::string_view{folded}); it != zones_.end()) {
        return it->second.info;
    }
    return std::nullopt;
}

} // namespace mxsteer::core
