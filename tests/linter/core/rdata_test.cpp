// Tests of the rdata helpers rules read TXT records with.
// SPDX-License-Identifier: MIT
#include "core/rdata.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::lint;

namespace {

// TXT rdata: each string as a length octet and its bytes (RFC 1035 §3.3.14).
std::vector<std::uint8_t> txt_rdata(const std::vector<std::string>& strings) {
    std::vector<std::uint8_t> out;
    for (const auto& s : strings) {
        out.push_back(static_cast<std::uint8_t>(s.size()));
        out.insert(out.end(), s.begin(), s.end());
    }
    return out;
}

} // namespace

TEST_CASE("rdata: joined_prefix is the start of joined_text") {
    std::array<char, 8> buffer{};
    SUBCASE("a text shorter than the buffer is complete") {
        const auto rdata = txt_rdata({"v=sp", "f1"});
        const auto prefix = joined_prefix(rdata, buffer);
        CHECK(prefix.text == "v=spf1");
        CHECK(prefix.complete);
        CHECK(joined_text(rdata) == "v=spf1");
    }
    SUBCASE("a text exactly the buffer's size is complete") {
        const auto prefix = joined_prefix(txt_rdata({"abcd", "", "efgh"}), buffer);
        CHECK(prefix.text == "abcdefgh");
        CHECK(prefix.complete);
    }
    SUBCASE("a longer text is cut at the buffer, across strings") {
        const auto prefix = joined_prefix(txt_rdata({"abc", "defghij", "klm"}), buffer);
        CHECK(prefix.text == "abcdefgh");
        CHECK_FALSE(prefix.complete);
    }
    SUBCASE("no strings, or only empty ones: empty and complete") {
        CHECK(joined_prefix({}, buffer).text.empty());
        CHECK(joined_prefix(txt_rdata({"", ""}), buffer).complete);
    }
    SUBCASE("malformed rdata is empty, as joined_text makes it, even past the buffer") {
        // The second string claims 9 octets where 2 follow.
        auto rdata = txt_rdata({"abcdefghijk"});
        rdata.push_back(9);
        rdata.push_back('x');
        rdata.push_back('y');
        const auto prefix = joined_prefix(rdata, buffer);
        CHECK(prefix.text.empty());
        CHECK(prefix.complete);
        CHECK(joined_text(rdata).empty());
    }
}
