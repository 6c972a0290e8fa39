// Zone model: name interning, empty non-terminals, zone cuts, wildcard coverage.
// SPDX-License-Identifier: MIT
#include "zone.hpp"

#include "name.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>

namespace mxsteer::lint {

namespace {

std::size_t hash_name(std::string_view name) {
    return std::hash<std::string_view>{}(name);
}

std::uint64_t slot_tag(std::size_t hash) {
    return static_cast<std::uint64_t>(hash) >> 32 << 32;
}

} // namespace

Zone::Zone(std::string origin) : origin_(std::move(origin)) {
    grow_slots(64);
    intern(origin_);
}

void Zone::reserve(std::size_t records, std::size_t rdata_bytes, std::size_t names) {
    reserve_advised(records_, records);
    reserve_advised(rdata_, rdata_bytes);
    reserve_advised(name_begin_, names + 1);
    reserve_advised(name_text_, names * 32);
    grow_slots(names);
}

// Resizes the name index to hold `names` names at a load of at most 5/8.
void Zone::grow_slots(std::size_t names) {
    std::size_t size = 64;
    while (size * 5 < names * 8) {
        size *= 2;
    }
    if (size <= slots_.size()) {
        return;
    }
    std::vector<std::uint64_t> fresh;
    reserve_advised(fresh, size);
    fresh.assign(size, 0);
    slots_.swap(fresh);
    const std::size_t mask = size - 1;
    for (std::uint32_t id = 0; id < name_count(); ++id) {
        const std::size_t hash = hash_name(name(id));
        std::size_t i = hash & mask;
        while (slots_[i] != 0) {
            i = (i + 1) & mask;
        }
        slots_[i] = slot_tag(hash) | (id + std::uint64_t{1});
    }
}

std::uint16_t Zone::add_file(std::string path) {
    if (files_.size() >= 0xffff) {
        throw std::runtime_error("cannot load more than 65535 files into one zone");
    }
    files_.push_back(std::move(path));
    return static_cast<std::uint16_t>(files_.size() - 1);
}

std::optional<std::uint32_t> Zone::find(std::string_view name) const {
    const std::size_t hash = hash_name(name);
    const std::uint64_t tag = slot_tag(hash);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const std::uint64_t slot = slots_[i];
        if (slot == 0) {
            return std::nullopt;
        }
        if ((slot & ~std::uint64_t{0xffffffff}) == tag) {
            const auto id = static_cast<std::uint32_t>(slot - tag - 1);
            if (this->name(id) == name) {
                return id;
            }
        }
    }
}

std::uint32_t Zone::intern(std::string_view name) {
    if (last_interned_ < name_count() &&
        this->name(static_cast<std::uint32_t>(last_interned_)) == name) {
        return static_cast<std::uint32_t>(last_interned_);
    }
    if (auto found = find(name)) {
        last_interned_ = *found;
        return *found;
    }
    if (name_text_.size() + name.size() > std::numeric_limits<std::uint32_t>::max() ||
        name_count() >= std::numeric_limits<std::uint32_t>::max() - 1) {
        throw std::runtime_error("cannot index more than 4 GiB of owner names in one zone");
    }
    const auto id = static_cast<std::uint32_t>(name_count());
    name_text_.append(name);
    name_begin_.push_back(static_cast<std::uint32_t>(name_text_.size()));
    if (name_count() * 8 > slots_.size() * 5) {
        grow_slots(name_count()); // rehashes every name, this one too
    } else {
        const std::size_t hash = hash_name(name);
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = hash & mask;
        while (slots_[i] != 0) {
            i = (i + 1) & mask;
        }
        slots_[i] = slot_tag(hash) | (id + std::uint64_t{1});
    }
    last_interned_ = id;
    return id;
}

std::uint32_t Zone::add(std::string_view owner, std::uint16_t type, std::uint32_t ttl, Rdata rdata,
                        std::uint16_t file, std::uint32_t line, std::uint32_t column) {
    if (rdata.size() > std::numeric_limits<std::uint16_t>::max()) {
        throw std::invalid_argument("rdata longer than 65535 octets");
    }
    if (rdata_.size() + rdata.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw std::runtime_error("cannot hold more than 4 GiB of rdata in one zone");
    }
    Record record;
    record.name = intern(owner);
    record.type = type;
    record.file = file;
    record.ttl = ttl;
    record.line = line;
    record.column = column;
    record.rdata_offset = static_cast<std::uint32_t>(rdata_.size());
    record.rdata_length = static_cast<std::uint16_t>(rdata.size());
    rdata_.insert(rdata_.end(), rdata.begin(), rdata.end());
    records_.push_back(record);
    return static_cast<std::uint32_t>(records_.size() - 1);
}

void Zone::finish() {
    // Ancestors of in-zone owners exist as empty non-terminals (RFC 4592 §2.2.2). On the way
    // every in-zone name below the apex learns its parent's index, so that the cut pass below
    // walks an array instead of hashing each ancestor again.
    constexpr std::uint32_t no_name = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> parent(name_count(), no_name);
    for (std::uint32_t i = 0; i < name_count(); ++i) {
        std::uint32_t cur_id = i;
        std::string_view cur = name(i);
        if (!is_at_or_below(cur, origin_)) {
            continue;
        }
        while (cur != origin_ && parent[cur_id] == no_name) {
            auto above = parent_name(cur);
            if (!above) {
                break;
            }
            if (auto found = find(*above)) {
                parent[cur_id] = *found;
                break;
            }
            // A copy: interning may move the name text that `above` points into.
            const std::string owned{*above};
            const std::uint32_t id = intern(owned);
            parent.resize(name_count(), no_name);
            parent[cur_id] = id;
            cur_id = id;
            cur = name(id);
        }
    }

    // Record indices grouped by name id, in zone order within a name: a counting sort.
    reserve_advised(index_, name_count());
    index_.assign(name_count(), NameIndex{});
    for (const auto& record : records_) {
        ++index_[record.name].count;
    }
    std::uint32_t first = 0;
    for (auto& entry : index_) {
        entry.first = first;
        first += entry.count;
    }
    reserve_advised(order_, records_.size());
    order_.resize(records_.size());
    {
        std::vector<std::uint32_t> next(index_.size());
        for (std::size_t id = 0; id < index_.size(); ++id) {
            next[id] = index_[id].first;
        }
        for (std::uint32_t i = 0; i < records_.size(); ++i) {
            order_[next[records_[i].name]++] = i;
        }
    }
    for (const auto& record : records_) {
        if (record.type == rrtype::ns && name(record.name) != origin_) {
            index_[record.name].delegation = true;
        }
        if (record.type == rrtype::rrsig ||
            (record.type == rrtype::dnskey && name(record.name) == origin_)) {
            dnssec_intent_ = true;
        }
    }
    for (std::uint32_t id = 0; id < name_count(); ++id) {
        has_wildcards_ = has_wildcards_ || first_label(name(id)) == "*";
    }
    finished_ = true;
    // A name is below a cut when it or an ancestor below the apex is a delegation. Walk up
    // until a name whose answer is known, then give the answer to every name on the way.
    std::vector<bool> known(name_count(), false);
    std::vector<std::uint32_t> path;
    for (std::uint32_t id = 0; id < name_count(); ++id) {
        if (known[id] || !is_at_or_below(name(id), origin_)) {
            continue; // outside the zone nothing is below one of its cuts
        }
        path.clear();
        bool below = false;
        for (std::uint32_t cur = id; cur != no_name; cur = parent[cur]) {
            if (known[cur]) {
                below = index_[cur].below_cut;
                break;
            }
            path.push_back(cur);
            if (index_[cur].delegation) {
                below = true;
                break;
            }
        }
        for (const auto on_path : path) {
            index_[on_path].below_cut = below;
            known[on_path] = true;
        }
    }
    find_mail_domains();
}

void Zone::find_mail_domains() {
    // Per owner (by name index): its first MX record, and whether one of its MX records
    // decodes to an exchange other than the root, the null MX of RFC 7505.
    constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> first_mx(name_count(), none);
    std::vector<bool> receives(name_count(), false);
    std::vector<std::uint32_t> owners;
    for (std::uint32_t i = 0; i < records_.size(); ++i) {
        const Record& record = records_[i];
        if (record.type != rrtype::mx) {
            continue;
        }
        if (first_mx[record.name] == none) {
            first_mx[record.name] = i;
            owners.push_back(record.name);
        }
        // decode_mx() succeeds and the exchange is not ".", without building the text.
        const Rdata data = rdata(record);
        if (data.size() >= 3) {
            const auto length = name_wire_length(data.subspan(2));
            if (length && *length == data.size() - 2 && *length != 1) {
                receives[record.name] = true;
            }
        }
    }
    // In name order. Each entry carries its name's first eight octets, which decide most
    // comparisons without reading the names, scattered over the name text.
    struct Keyed {
        std::uint64_t prefix = 0; // big-endian, zero-padded: orders like the text
        MailDomainIds ids;
    };
    std::vector<Keyed> keyed;
    for (const auto id : owners) {
        if (receives[id] && in_zone(name(id)) && !index_[id].below_cut) {
            const std::string_view text = name(id);
            std::uint64_t prefix = 0;
            for (std::size_t i = 0; i < sizeof prefix; ++i) {
                prefix =
                    prefix << 8U | (i < text.size() ? static_cast<unsigned char>(text[i]) : 0U);
            }
            keyed.push_back(Keyed{prefix, MailDomainIds{id, first_mx[id]}});
        }
    }
    std::sort(keyed.begin(), keyed.end(), [this](const Keyed& a, const Keyed& b) {
        if (a.prefix != b.prefix) {
            return a.prefix < b.prefix;
        }
        return name(a.ids.name) < name(b.ids.name);
    });
    mail_domains_.clear();
    mail_domains_.reserve(keyed.size());
    for (const auto& entry : keyed) {
        mail_domains_.push_back(entry.ids);
    }
}

std::string_view Zone::owner(const Record& record) const {
    return name(record.name);
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
    std::vector<const Record*> out;
    if (auto id = find(name); id && finished_) {
        const auto& entry = index_[*id];
        for (std::uint32_t i = entry.first; i < entry.first + entry.count; ++i) {
            if (const Record& record = records_[order_[i]]; record.type == type) {
                out.push_back(&record);
            }
        }
    }
    return out;
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

bool Zone::below_cut(const Record& record) const {
    return finished_ && index_[record.name].below_cut;
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
    // Without a wildcard owner the walk below could only end in nullopt.
    if ((finished_ && !has_wildcards_) || !in_zone(name) || exists(name)) {
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
