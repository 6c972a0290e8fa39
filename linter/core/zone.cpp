// Zone model: name interning, empty non-terminals, zone cuts, wildcard coverage.
// SPDX-License-Identifier: MIT
#include "zone.hpp"

#include "name.hpp"

#include <algorithm>
#include <stdexcept>

namespace mxsteer::lint {

Zone::Zone(std::string origin) : origin_(std::move(origin)) {
    intern(origin_);
}

std::uint16_t Zone::add_file(std::string path) {
    if (files_.size() >= 0xffff) {
        throw std::runtime_error("cannot load more than 65535 files into one zone");
    }
    files_.push_back(std::move(path));
    return static_cast<std::uint16_t>(files_.size() - 1);
}

std::uint32_t Zone::intern(std::string_view name) {
    if (auto it = ids_.find(name); it != ids_.end()) {
        return it->second;
    }
    const auto id = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(names_.back(), id);
    return id;
}

std::uint32_t Zone::add(std::string_view owner, std::uint16_t type, std::uint32_t ttl, Rdata rdata,
                        std::uint16_t file, std::uint32_t line, std::uint32_t column) {
    Record record;
    record.name = intern(owner);
    record.type = type;
    record.file = file;
    record.ttl = ttl;
    record.line = line;
    record.column = column;
    record.rdata_offset = rdata_.size();
    record.rdata_length = static_cast<std::uint32_t>(rdata.size());
    rdata_.insert(rdata_.end(), rdata.begin(), rdata.end());
    records_.push_back(record);
    return static_cast<std::uint32_t>(records_.size() - 1);
}

void Zone::finish() {
    // Ancestors of in-zone owners exist as empty non-terminals (RFC 4592 §2.2.2).
    for (std::size_t i = 0; i < names_.size(); ++i) {
        std::string_view cur = names_[i];
        if (!is_at_or_below(cur, origin_)) {
            continue;
        }
        while (cur != origin_) {
            auto parent = parent_name(cur);
            if (!parent || ids_.contains(*parent)) {
                break;
            }
            cur = names_[intern(*parent)];
        }
    }

    order_.resize(records_.size());
    for (std::uint32_t i = 0; i < order_.size(); ++i) {
        order_[i] = i;
    }
    std::stable_sort(order_.begin(), order_.end(), [this](std::uint32_t a, std::uint32_t b) {
        return records_[a].name < records_[b].name;
    });
    index_.assign(names_.size(), NameIndex{});
    for (std::uint32_t i = 0; i < order_.size(); ++i) {
        auto& entry = index_[records_[order_[i]].name];
        if (entry.count == 0) {
            entry.first = i;
        }
        ++entry.count;
    }
    for (const auto& record : records_) {
        if (record.type == rrtype::ns && names_[record.name] != origin_) {
            index_[record.name].delegation = true;
        }
        if (record.type == rrtype::rrsig ||
            (record.type == rrtype::dnskey && names_[record.name] == origin_)) {
            dnssec_intent_ = true;
        }
    }
    finished_ = true;
    for (std::uint32_t id = 0; id < names_.size(); ++id) {
        std::string_view cur = names_[id];
        while (is_at_or_below(cur, origin_) && cur != origin_) {
            if (auto found = find(cur); found && index_[*found].delegation) {
                index_[id].below_cut = true;
                break;
            }
            auto parent = parent_name(cur);
            if (!parent) {
                break;
            }
            cur = *parent;
        }
    }
}

std::optional<std::uint32_t> Zone::find(std::string_view name) const {
    if (auto it = ids_.find(name); it != ids_.end()) {
        return it->second;
    }
    return std::nullopt;
}

std::string_view Zone::owner(const Record& record) const {
    return names_[record.name];
}

Rdata Zone::rdata(const Record& record) const {
    return Rdata{rdata_}.subspan(record.rdata_offset, record.rdata_length);
}

const std::string& Zone::file(const Record& record) const {
    return files_[record.file];
}

std::vector<const Record*> Zone::records_at(std::string_view name) const {
    std::vector<const Record*> out;
    if (auto id = find(name); id && finished_) {
        const auto& entry = index_[*id];
        for (std::uint32_t i = entry.first; i < entry.first + entry.count; ++i) {
            out.push_back(&records_[order_[i]]);
        }
    }
    return out;
}

std::vector<const Record*> Zone::records_at(std::string_view name, std::uint16_t type) const {
    auto all = records_at(name);
    std::erase_if(all, [type](const Record* r) { return r->type != type; });
    return all;
}

bool Zone::has_type(std::string_view name, std::uint16_t type) const {
    if (auto id = find(name); id && finished_) {
        const auto& entry = index_[*id];
        for (std::uint32_t i = entry.first; i < entry.first + entry.count; ++i) {
            if (records_[order_[i]].type == type) {
                return true;
            }
        }
    }
    return false;
}

bool Zone::exists(std::string_view name) const {
    return find(name).has_value();
}

bool Zone::in_zone(std::string_view name) const {
    return is_at_or_below(name, origin_);
}

bool Zone::below_cut(std::string_view name) const {
    if (auto id = find(name); id && finished_) {
        return index_[*id].below_cut;
    }
    // A name that does not exist: ask its closest existing ancestor.
    std::string_view cur = name;
    while (is_at_or_below(cur, origin_) && cur != origin_) {
        auto parent = parent_name(cur);
        if (!parent) {
            break;
        }
        cur = *parent;
        if (auto id = find(cur); id && finished_) {
            return index_[*id].below_cut;
        }
    }
    return false;
}

std::optional<std::string> Zone::covering_wildcard(std::string_view name) const {
    if (!in_zone(name) || exists(name)) {
        return std::nullopt;
    }
    // The closest encloser is the longest existing ancestor; only its "*" child synthesises.
    std::string_view cur = name;
    while (cur != origin_) {
        auto parent = parent_name(cur);
        if (!parent) {
            return std::nullopt;
        }
        cur = *parent;
        if (exists(cur)) {
            if (below_cut(cur)) {
                return std::nullopt;
            }
            std::string wildcard = "*." + std::string{cur};
            if (exists(wildcard)) {
                return wildcard;
            }
            return std::nullopt;
        }
    }
    return std::nullopt;
}

} // namespace mxsteer::lint
