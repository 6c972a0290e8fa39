// Tests of the answer store: what each lookup returns, byte for byte.
// SPDX-License-Identifier: MIT
#include "core/answer_store.hpp"

#include <doctest/doctest.h>

using namespace mxsteer::core;

namespace {

AnswerStore sample() {
    ServedZone zone;
    zone.name = "example.com.";
    zone.serial = 7;
    zone.records = {
        {"example.com.", "SOA", "ns1.example.com. h.example.com. 7 7200 3600 1209600 300", 3600},
        {"example.com.", "MX", "10 mx1.example.com.", 300},
        {"example.com.", "MX", "20 mx2.example.com.", 300},
        {"example.com.", "TXT", "\"v=spf1 mx -all\"", 300},
        {"mx1.example.com.", "A", "192.0.2.25", 300},
        {"b.example.com.", "ENT", "", 0},
        {"a.b.example.com.", "A", "192.0.2.1", 60},
    };
    ServedZone child;
    child.name = "sub.example.com.";
    child.serial = 1;
    child.records = {
        {"sub.example.com.", "SOA", "ns.sub.example.com. h.example.com. 1 2 3 4 5", 60}};
    return AnswerStore{{zone, child}};
}

} // namespace

TEST_CASE("answer store: ANY returns every record of the name, in zone order per type") {
    const auto store = sample();
    CHECK(
        store.lookup("mx1.example.com.", "ANY") ==
        R"([{"qtype":"A","qname":"mx1.example.com.","content":"192.0.2.25","ttl":300,"domain_id":1}])");
    const auto apex = store.lookup("example.com.", "ANY");
    CHECK(apex.find(R"("content":"10 mx1.example.com.")") < apex.find(R"("content":"20 mx2)"));
    CHECK(apex.find(R"("qtype":"SOA")") != std::string_view::npos);
    // Quotes in rdata are escaped for JSON.
    CHECK(apex.find(R"("content":"\"v=spf1 mx -all\"")") != std::string_view::npos);
}

TEST_CASE("answer store: names match in any case, and unknown names and types are empty") {
    const auto store = sample();
    CHECK(store.lookup("MX1.Example.COM.", "ANY") == store.lookup("mx1.example.com.", "ANY"));
    CHECK(store.lookup("nope.example.com.", "ANY") == "[]");
    CHECK(store.lookup("mx1.example.com.", "AAAA") == "[]");
    CHECK(store.lookup("", "ANY") == "[]");
}

TEST_CASE("answer store: a specific type returns only that type") {
    const auto store = sample();
    const auto mx = store.lookup("example.com.", "MX");
    CHECK(mx.find("SOA") == std::string_view::npos);
    CHECK(mx.find("10 mx1.example.com.") != std::string_view::npos);
    CHECK(mx.find("20 mx2.example.com.") != std::string_view::npos);
}

TEST_CASE("answer store: empty non-terminals answer with an ENT marker, AXFR leaves them out") {
    const auto store = sample();
    CHECK(store.lookup("b.example.com.", "ANY") ==
          R"([{"qtype":"ENT","qname":"b.example.com.","content":"","ttl":0,"domain_id":1}])");
    const auto list = store.list("example.com.");
    REQUIRE(list);
    CHECK(list->find("ENT") == std::string_view::npos);
    CHECK(list->find("a.b.example.com.") != std::string_view::npos);
    CHECK_FALSE(store.list("example.net."));
    CHECK(store.record_count() == 7); // 6 real records of the parent, 1 of the child
}

TEST_CASE("answer store: domains for getAllDomains and getDomainInfo") {
    const auto store = sample();
    CHECK(store.all_domains() ==
          R"([{"id":1,"zone":"example.com.","kind":"native","serial":7},)"
          R"({"id":2,"zone":"sub.example.com.","kind":"native","serial":1}])");
    CHECK(store.domain_info("SUB.example.com.") ==
          R"({"id":2,"zone":"sub.example.com.","kind":"native","serial":1})");
    CHECK_FALSE(store.domain_info("example.org."));
}

TEST_CASE("answer store: a name in two served zones is answered from the deeper one") {
    ServedZone parent{"example.com.", 1, {{"sub.example.com.", "NS", "ns.sub.example.com.", 60}}};
    ServedZone child{"sub.example.com.", 2, {{"sub.example.com.", "SOA", "a. b. 2 1 1 1 1", 60}}};
    for (const bool child_first : {false, true}) {
        CAPTURE(child_first);
        const AnswerStore store{child_first ? std::vector{child, parent}
                                            : std::vector{parent, child}};
        const auto answer = store.lookup("sub.example.com.", "ANY");
        CHECK(answer.find("SOA") != std::string_view::npos);
        CHECK(answer.find("\"NS\"") == std::string_view::npos);
    }
}

TEST_CASE("answer store: a name's records apart from each other in the zone are all answered") {
    // a's records are interleaved with b's: its answers cannot be slices of the AXFR list.
    ServedZone zone{"example.com.",
                    1,
                    {{"a.example.com.", "A", "192.0.2.1", 60},
                     {"b.example.com.", "A", "192.0.2.9", 60},
                     {"a.example.com.", "TXT", "\"x\"", 60},
                     {"a.example.com.", "A", "192.0.2.2", 60}}};
    const AnswerStore store{{zone}};
    const std::string any = store.lookup("a.example.com.", "ANY");
    CHECK(any.find("192.0.2.1") != std::string::npos);
    CHECK(any.find("192.0.2.2") != std::string::npos);
    CHECK(any.find(R"("content":"\"x\"")") != std::string::npos);
    CHECK(any.find("192.0.2.9") == std::string::npos);
    CHECK(
        store.lookup("a.example.com.", "A") ==
        R"([{"qtype":"A","qname":"a.example.com.","content":"192.0.2.1","ttl":60,"domain_id":1},)"
        R"({"qtype":"A","qname":"a.example.com.","content":"192.0.2.2","ttl":60,"domain_id":1}])");
    CHECK(store.lookup("a.example.com.", "TXT") ==
          R"([{"qtype":"TXT","qname":"a.example.com.","content":"\"x\"","ttl":60,"domain_id":1}])");
    CHECK(
        store.lookup("b.example.com.", "ANY") ==
        R"([{"qtype":"A","qname":"b.example.com.","content":"192.0.2.9","ttl":60,"domain_id":1}])");
    // Each record once in AXFR, in zone order.
    const auto list = store.list("example.com.");
    REQUIRE(list);
    CHECK(list->find("192.0.2.1") < list->find("192.0.2.9"));
    CHECK(list->find("192.0.2.9") < list->find("192.0.2.2"));
}

TEST_CASE("answer store: of two zones with one name, the first is served") {
    ServedZone first{"example.com.", 1, {{"a.example.com.", "A", "192.0.2.1", 60}}};
    ServedZone second{"example.com.", 2, {{"a.example.com.", "A", "192.0.2.2", 60}}};
    const AnswerStore store{{first, second}};
    CHECK(store.all_domains() == R"([{"id":1,"zone":"example.com.","kind":"native","serial":1}])");
    CHECK(store.lookup("a.example.com.", "A").find("192.0.2.1") != std::string::npos);
    CHECK(store.lookup("a.example.com.", "A").find("192.0.2.2") == std::string::npos);
}
