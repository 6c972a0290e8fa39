// AnswerStore: every record of the served zones, rendered once at load into the JSON that pdns
// remote-backend replies carry, so that a lookup is a case fold, a hash lookup and a view.
// SPDX-License-Identifier: MIT
#pragma once

#include "steer_config.hpp"

#include <cstddef>
#include <cstdint>
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
    std::string_view records = "[]"; // JSON array of the static records asked for
    int steer = -1;                  // >= 0: the name's MX is steered by this rule index
    std::size_t zone_id = 0;         // of the zone answering the name
};

// Immutable once built; safe to read from any thread. Zone ids are 1-based in input order.
class AnswerStore {
public:
    // The names that `steering` has rules for have their MX RRset chosen per query: their MX
    // records are left out of the pre-rendered answers.
    explicit AnswerStore(std::vector<ServedZone> zones,
                         std::shared_ptr<const Steering> steering = nullptr);

    // The JSON array of the records owned by `qname` (any case, absolute) of type `qtype`
    // ("ANY" for all types); "[]" when there are none. pdns does wildcard synthesis, CNAME
    // chasing and referrals itself from these exact-name answers, as with its bind backend.
    [[nodiscard]] std::string_view lookup(std::string_view qname, std::string_view qtype) const {
        return find(qname, qtype).records;
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
    struct Name {
        int steer = -1;
        std::size_t zone_id = 0;
        std::size_t zone_length = 0; // a name in two served zones is answered from the deeper
        std::string any;             // every type
        std::vector<std::pair<std::string, std::string>> types; // qtype -> records of that type
    };
    struct Zone {
        std::string info; // getDomainInfo object
        std::string list; // AXFR array
    };

    std::shared_ptr<const Steering> steering_;
    std::unordered_map<std::string, Name> names_;
    std::unordered_map<std::string, Zone> zones_;
    std::string all_domains_;
    std::size_t record_count_ = 0;
};

} // namespace mxsteer::core
