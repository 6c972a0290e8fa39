// Tests of rule group dkim (RFC 6376 §3.6.1, RFC 8301 §3.2, RFC 8463).
// SPDX-License-Identifier: MIT
#include "../../test_zone.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace mxsteer::lint;
using mxsteer::lint::test::contains;
using mxsteer::lint::test::run;

namespace {

// Test keys made once with `openssl genpkey` and exported as DER SubjectPublicKeyInfo
// (`openssl pkey -pubout -outform DER | base64`). Their sizes were read back with
// `openssl pkey -pubin -inform DER -text`, which printed the figure in each comment.

// "Public-Key: (512 bit)"
constexpr std::string_view rsa512 =
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALCn1KC5REhxQ/SBtkJq3kz5xgBhh9/jrqyFQfI2br1qvCh9"
    "ziIY7HOWOqQdtI+ea2f4l72v448BvnLy3AFJgQECAwEAAQ==";

// "Public-Key: (1024 bit)"
constexpr std::string_view rsa1024 =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC0dS3n/tIISlZaiVWu7xkuFGEP/+zgRU7MNj0ar7U6"
    "+oNuv7rPITPNaNpleUs/bxkOZJ1bCLWXh5gTuDSkPCXIDmBCnIbW2KsNE7g5viGs5Maf8mIz3wqBFhTb"
    "ngibMJPma2ROI5R1P5owLZwIP7AzTR0UCkwYvHwn++YvShX0GwIDAQAB";

// The same 1024-bit key as a bare PKCS#1 RSAPublicKey (`openssl rsa -pubin
// -RSAPublicKey_out`; read back with `openssl rsa -RSAPublicKey_in -text`: "(1024 bit)").
constexpr std::string_view rsa1024_pkcs1 =
    "MIGJAoGBALR1Lef+0ghKVlqJVa7vGS4UYQ//7OBFTsw2PRqvtTr6g26/us8hM81o2mV5Sz9vGQ5knVsI"
    "tZeHmBO4NKQ8JcgOYEKchtbYqw0TuDm+Iazkxp/yYjPfCoEWFNueCJswk+ZrZE4jlHU/mjAtnAg/sDNN"
    "HRQKTBi8fCf75i9KFfQbAgMBAAE=";

// The 1024-bit SubjectPublicKeyInfo followed by two stray zero bytes.
constexpr std::string_view rsa1024_trailing =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC0dS3n/tIISlZaiVWu7xkuFGEP/+zgRU7MNj0ar7U6"
    "+oNuv7rPITPNaNpleUs/bxkOZJ1bCLWXh5gTuDSkPCXIDmBCnIbW2KsNE7g5viGs5Maf8mIz3wqBFhTb"
    "ngibMJPma2ROI5R1P5owLZwIP7AzTR0UCkwYvHwn++YvShX0GwIDAQABAAA=";

// "Public-Key: (2048 bit)"; 392 base64 characters, more than one TXT string holds.
constexpr std::string_view rsa2048 =
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuH1Li9z71ePnbv2fq7pcnrekR2UU9d3mEuWC"
    "h5WmmDGjkbARQSzxRmP0LgFDnLOdNx1xNzd0qhfhFscaReyWyKF4ltCYtGqh0n/gUQcXbiVem9iqaRDb"
    "yd93PQUCOnkNqwLEoPU45NEu/1OlwMPlwP89JtqfRyVDpzO/9SxQ9HXeWg7elhpbNOMQF14DUTIcd5qN"
    "BIQfykcgjn4BlSCIPayUXU9/SefzlHQpauTPowvv3Msr3+CzV5Vx/WPaY3GlJ1eXNU3/uxCwQB5wfNyr"
    "ePTyFlvXjX139ccLTp8RfeM/AEe+JBnt5XdO+bFssNANH7ggyi7vyDS0F11mRZ8CYQIDAQAB";

// "ED25519 Public-Key": the raw 32 bytes (RFC 8463 §4.2) and the same key as DER SPKI.
constexpr std::string_view ed25519_raw = "QPBuZnfw11RUbUV2aC4LtRu115+MZBjKMU4bS4CYOs4=";
constexpr std::string_view ed25519_spki =
    "MCowBQYDK2VwAyEAQPBuZnfw11RUbUV2aC4LtRu115+MZBjKMU4bS4CYOs4=";

// "Public-Key: (256 bit)", NIST P-256: not a DKIM key type.
constexpr std::string_view ec_p256 =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+7kh6Dm31Goy7hDQKhnu5ZwBGaJ1rZrFAWzBuYjrEtVi"
    "yMvNoK0KEPOMMC10jR5VB2bx4Il+Wy/3zFgDOnqwng==";

std::vector<Diagnostic> dkim_findings(std::string_view records) {
    return test::with_prefix(test::run(records), "dkim-");
}

// One TXT record line at `owner` holding `text`, cut into strings of at most `chunk` octets
// (a master-file string holds at most 255).
std::string txt(std::string_view owner, std::string_view text, std::size_t chunk = 200) {
    std::string line = std::string{owner} + " IN TXT";
    if (text.empty()) {
        line += " \"\"";
    }
    for (std::size_t i = 0; i < text.size(); i += chunk) {
        line += " \"" + std::string{text.substr(i, chunk)} + "\"";
    }
    return line + "\n";
}

std::string key(std::string_view text) {
    return txt("s1._domainkey", text);
}

std::string cat(std::string_view a, std::string_view b) {
    return std::string{a} + std::string{b};
}

} // namespace

TEST_CASE("dkim: a 2048-bit RSA key and an Ed25519 key are fine") {
    SUBCASE("RSA with every optional tag") {
        CHECK(dkim_findings(
                  key(cat("v=DKIM1; k=rsa; h=sha256; s=email; t=s; n=main key; p=", rsa2048)))
                  .empty());
    }
    SUBCASE("RSA with only p=, k defaults to rsa") {
        CHECK(dkim_findings(key(cat("p=", rsa2048))).empty());
    }
    SUBCASE("Ed25519 as the raw 32-byte key (RFC 8463 section 4.2)") {
        CHECK(dkim_findings(key(cat("v=DKIM1; k=ed25519; p=", ed25519_raw))).empty());
    }
    SUBCASE("a trailing ';' and whitespace around tags") {
        CHECK(dkim_findings(key(cat(cat(" v = DKIM1 ;\tk=rsa ; p = ", rsa2048), " ; "))).empty());
    }
}

TEST_CASE("dkim: strings are joined and whitespace inside p= is folded") {
    SUBCASE("a 2048-bit key split at arbitrary points across strings") {
        for (const std::size_t chunk : {255U, 100U, 7U}) {
            CAPTURE(chunk);
            CHECK(dkim_findings(txt("s1._domainkey", cat("v=DKIM1; p=", rsa2048), chunk)).empty());
        }
    }
    SUBCASE("spaces and tabs between base64 characters") {
        std::string folded = "v=DKIM1; p=";
        for (std::size_t i = 0; i < rsa2048.size(); i += 64) {
            folded += std::string{rsa2048.substr(i, 64)} + (i % 128 == 0 ? " " : "\\009");
        }
        CHECK(dkim_findings(key(folded)).empty());
    }
    SUBCASE("a key that lost its second string is not a key") {
        const auto found = run(key(cat("v=DKIM1; p=", rsa2048.substr(0, 244))), "dkim-invalid");
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "is not a DER RSA public key"));
    }
}

TEST_CASE("dkim: RSA keys below 1024 bits are too short (RFC 8301 section 3.2)") {
    const auto all = run(key(cat("v=DKIM1; k=rsa; p=", rsa512)));
    const auto found = test::only(all, "dkim-key-too-short");
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == Severity::error);
    CHECK(found[0].line == 5);
    CHECK(found[0].owner == "s1._domainkey.example.com.");
    CHECK(contains(found[0].message, "512-bit RSA key"));
    // One finding per key: too short is not also weak.
    CHECK(test::only(all, "dkim-key-weak").empty());
    CHECK(test::only(all, "dkim-invalid").empty());
}

TEST_CASE("dkim: RSA keys below 2048 bits are weak (RFC 8301 section 3.2)") {
    SUBCASE("a 1024-bit SubjectPublicKeyInfo") {
        const auto all = run(key(cat("v=DKIM1; p=", rsa1024)));
        const auto found = test::only(all, "dkim-key-weak");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::warning);
        CHECK(found[0].line == 5);
        CHECK(contains(found[0].message, "1024-bit RSA key"));
        CHECK(test::only(all, "dkim-key-too-short").empty());
    }
    SUBCASE("a bare RSAPublicKey, as some publishers write it, is decoded too") {
        const auto all = run(key(cat("v=DKIM1; p=", rsa1024_pkcs1)));
        CHECK(test::only(all, "dkim-invalid").empty());
        const auto found = test::only(all, "dkim-key-weak");
        REQUIRE(found.size() == 1);
        CHECK(contains(found[0].message, "1024-bit RSA key"));
    }
    SUBCASE("2048 bits is not weak") {
        CHECK(run(key(cat("v=DKIM1; p=", rsa2048)), "dkim-key-weak").empty());
    }
}

TEST_CASE("dkim: an empty p= is a revoked key, which is valid (RFC 6376 section 3.6.1)") {
    CHECK(dkim_findings(key("v=DKIM1; p=") + txt("s2._domainkey", "v=DKIM1; k=rsa; p= ;") +
                        txt("s3._domainkey", "k=ed25519; p="))
              .empty());
}

TEST_CASE("dkim: a key record that breaks RFC 6376 section 3.6.1 is invalid") {
    struct Row {
        std::string record;
        std::string_view reason; // part of the message
    };
    const std::vector<Row> rows{
        {cat("k=rsa; v=DKIM1; p=", rsa2048), "tag 'v' must be the first tag"},
        {cat("v=DKIM2; p=", rsa2048), "v='DKIM2' must be 'DKIM1'"},
        {cat("v=dkim1; p=", rsa2048), "v='dkim1' must be 'DKIM1'"},
        {cat("v=DKIM1; k=dsa; p=", rsa2048), "k='dsa' is not rsa or ed25519"},
        {"v=DKIM1; k=rsa", "the required tag 'p'"},
        {"v=DKIM1; k=rsa; p", "'p' is not a tag=value pair"},
        {"v=DKIM1; p=MIIB$AAA", "p= is not base64"},
        {"v=DKIM1; p=QUJD=QUJD", "p= is not base64"},
        {"v=DKIM1; p=QUJDR", "p= is not base64"},
        {"v=DKIM1; p=QUJD===", "p= is not base64"},
        {"v=DKIM1; p=AAAA", "p= (3 bytes) is not a DER RSA public key"},
        {cat("v=DKIM1; p=", rsa1024_trailing), "is not a DER RSA public key"},
        {cat("v=DKIM1; k=rsa; p=", ec_p256), "but k= says rsa"},
        {cat("v=DKIM1; p=", ed25519_spki), "but k= says rsa"},
        {cat("v=DKIM1; k=ed25519; p=", ed25519_spki), "SubjectPublicKeyInfo"},
        {cat("v=DKIM1; k=ed25519; p=", rsa1024), "p= holds 162 bytes"},
        {"v=DKIM1; p=; p=", "tag 'p' appears more than once"},
        {"v=DKIM1; 9k=rsa; p=", "'9k' is not a valid tag name"},
        {"v=DKIM1; n=caf\\233; p=", "not allowed in a value"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.record);
        const auto found = run(key(row.record), "dkim-invalid");
        REQUIRE(found.size() == 1);
        CHECK(found[0].severity == Severity::error);
        CHECK(found[0].line == 5);
        CHECK(found[0].owner == "s1._domainkey.example.com.");
        CHECK(contains(found[0].message, "'s1._domainkey.example.com.'"));
        CHECK(contains(found[0].message, row.reason));
    }
}

TEST_CASE("dkim: only TXT records at <selector>._domainkey.<domain> are key records") {
    SUBCASE("selectors with several labels and keys of subdomains are checked") {
        const auto found =
            run(txt("a.b._domainkey", "v=DKIM1; p=AAAA") + txt("s1._domainkey.sub", "v=DKIM2; p="),
                "dkim-invalid");
        REQUIRE(found.size() == 2);
        CHECK(found[0].line == 5);
        CHECK(found[0].owner == "a.b._domainkey.example.com.");
        CHECK(found[1].line == 6);
        CHECK(found[1].owner == "s1._domainkey.sub.example.com.");
    }
    SUBCASE("_domainkey itself, ADSP and names outside _domainkey are not") {
        CHECK(dkim_findings(txt("_domainkey", "o=~; r=postmaster@example.com") +
                            txt("_adsp._domainkey", "dkim=unknown") +
                            txt("s1._domainkeys", "not a key") + txt("@", "v=DKIM1; p=AAAA"))
                  .empty());
    }
}

TEST_CASE("dkim: a record spread over lines is reported at its first line") {
    std::string record = "s1._domainkey IN TXT ( \"v=DKIM1; k=rsa; \"\n";
    record += "    \"p=" + std::string{rsa512.substr(0, 64)} + "\"\n";
    record += "    \"" + std::string{rsa512.substr(64)} + "\" )\n";
    const auto found = run("mail IN A 192.0.2.25\n" + record, "dkim-key-too-short");
    REQUIRE(found.size() == 1);
    CHECK(found[0].line == 6);
}
