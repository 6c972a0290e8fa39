// AnswerStore: every record of the served zones, rendered once at load into the JSON that pdns
// remote-backend replies carry, so that a lookup is a case fold, a hash lookup and a view.
// SPDX-License-Identifier: MIT
#pragma once

#include "steer_config.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mxsteer::core {

// One record as pdns expects it in a reply: presentation text, absolute lowercase names.
struct ServedRecord {
    std::string qname;   // "mx1.example.com."
    std::string qtype;   // "MX"; "ENT" marks an empty non-terminal (content empty)
    std::string content; // "10 mx1.example.com."
    std::uint32_t ttl_s = 0;
};

struct ServedZone {
    std::string name; // canonical, absolute: "example.com."
    std::uint32_t serial = 0;
    std::vector<ServedRecord> records;
};

// What a lookup finds at one name.
struct NameAnswer {
    // The static records asked for: the elements of a JSON array (objects joined by commas,
    // without the brackets), empty when there are none.
    std::string_view records;
    int steer = -1;          // >= 0: the name's MX is steered by this rule index
    std::size_t zone_id = 0; // of the zone answering the name
};

// Immutable once built; safe to read from any thread. Zone ids are 1-based in input order.
class AnswerStore {
public:
    // The names that `steering` has rules for have their MX RRset chosen per query: their MX
    // records are left out of the pre-rendered answers.
    explicit AnswerStore(std::vector<ServedZone> zones,
                         std::shared_ptr<const Steering> steering = nullptr);
    // Its answers point into its own buffers: neither copied nor moved.
    AnswerStore(const AnswerStore&) = delete;
    AnswerStore& operator=(const AnswerStore&) = delete;
    AnswerStore(AnswerStore&&) = delete;
    AnswerStore& operator=(AnswerStore&&) = delete;
    ~AnswerStore() = default;

    // The JSON array of the records owned by `qname` (any case, absolute) of type `qtype`
    // ("ANY" for all types); "[]" when there are none. pdns does wildcard synthesis, CNAME
    // chasing and referrals itself from these exact-name answers, as with its bind backend.
    [[nodiscard]] std::string lookup(std::string_view qname, std::string_view qtype) const {
        std::string out{"["};
        out += find(qname, qtype).records;
        out += ']';
        return out;
    }
    // The same, and whether the name's MX must be added by steering.
    [[nodiscard]] NameAnswer find(std::string_view qname, std::string_view qtype) const;
    // Every record of a zone (no ENT markers) as a JSON array, for AXFR; nullopt if not served.
    [[nodiscard]] std::optional<std::string_view> list(std::string_view zone) const;
    // [{"id":1,"zone":"example.com.","kind":"native","serial":N}, ...] for getAllDomains.
    [[nodiscard]] std::string_view all_domains() const { return all_domains_; }
    // One element of all_domains() for getDomainInfo; nullopt if not served.
    [[nodiscard]] std::optional<std::string_view> domain_info(std::string_view zone) const;

    // The steering rules (none when nothing is steered); NameAnswer::steer indexes its rules.
    [[nodiscard]] const Steering& steering() const { return *steering_; }

    [[nodiscard]] std::size_t zone_count() const { return zones_.size(); }
    [[nodiscard]] std::size_t record_count() const { return record_count_; }

private:
    // Bytes [offset, offset + length) of *in: the elements of a JSON array. `in` is a zone's
    // AXFR list or text_, never moved once built (unordered_map nodes and members stay put).
    struct Slice {
        const std::string* in = nullptr;
        std::size_t offset = 0;
        std::size_t length = 0;
    };
    struct TypeAnswer {
        std::string type; // "MX"
        Slice records;
    };
    struct Name {
        int steer = -1;
        std::size_t zone_id = 0;
        std::size_t zone_length = 0; // a name in two served zones is answered from the deeper
        Slice any;                   // every type
        std::size_t types_begin = 0; // its types in types_, in order
        std::size_t types_count = 0;
    };
    struct Zone {
        std::string info;  // getDomainInfo object
        std::string list;  // AXFR array
        std::string names; // every owner name of the zone, back to back: the keys of names_
    };
    // Hash and equality that take a std::string_view, so that find() needs no key string.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const noexcept {
            return std::hash<std::string_view>{}(name);
        }
    };

    [[nodiscard]] static std::string_view text(const Slice& slice) {
        return slice.in == nullptr ? std::string_view{}
                                   : std::string_view{*slice.in}.substr(slice.offset, slice.length);
    }

    std::shared_ptr<const Steering> steering_;
    // The records a name's answers cannot take from its zone's AXFR list, where each record is
    // rendered once: ENT markers, and names or types whose records are not next to each other
    // in the zone.
    std::string text_;
    std::vector<TypeAnswer> types_;
    std::unordered_map<std::string_view, Name, NameHash, std::equal_to<>> names_;
    std::unordered_map<std::string, Zone, NameHash, std::equal_to<>> zones_;
    std::string all_domains_;
    std::size_t record_count_ = 0;
};

} // namespace mxsteer::core
