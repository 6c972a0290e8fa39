// DKIM rules: key record syntax and key strength (RFC 6376 §3.6.1, RFC 8301, RFC 8463).
// SPDX-License-Identifier: MIT
#include "../name.hpp"
#include "../rdata.hpp"
#include "../rules.hpp"
#include "../text.hpp"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

namespace {

constexpr int min_rsa_bits = 1024;         // RFC 8301 §3.2: MUST
constexpr int recommended_rsa_bits = 2048; // RFC 8301 §3.2: SHOULD
constexpr std::size_t ed25519_key_size = 32;

// FWS of RFC 6376 §2.8, without the line structure: TXT data has no meaningful line breaks.
bool is_fws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim_fws(std::string_view text) {
    while (!text.empty() && is_fws(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_fws(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct Tag {
    std::string_view name;
    std::string_view value;
};

struct TagList {
    std::vector<Tag> tags;
    std::optional<std::string> error;
};

// tag-list = tag-spec *( ";" tag-spec ) [ ";" ]; tag-spec = [FWS] tag-name [FWS] "=" [FWS]
// tag-value [FWS]; tag-name = ALPHA *ALNUMPUNC; VALCHAR = %x21-3A / %x3C-7E (RFC 6376 §3.2).
// Duplicate names make the whole list invalid.
TagList parse_tags(std::string_view text) {
    TagList out;
    std::set<std::string_view> seen;
    while (true) {
        const auto sep = text.find(';');
        const auto spec = trim_fws(text.substr(0, sep));
        if (!spec.empty()) {
            const auto eq = spec.find('=');
            if (eq == std::string_view::npos) {
                out.error = fmt::format("'{}' is not a tag=value pair", quote(spec));
                return out;
            }
            const auto name = trim_fws(spec.substr(0, eq));
            const auto value = trim_fws(spec.substr(eq + 1));
            if (name.empty() || !is_alpha(name.front()) ||
                !std::all_of(name.begin(), name.end(),
                             [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; })) {
                out.error = fmt::format("'{}' is not a valid tag name", quote(name));
                return out;
            }
            for (const char c : value) {
                const auto u = static_cast<unsigned char>(c);
                if (!is_fws(c) && (u < 0x21 || u > 0x7e)) {
                    out.error = fmt::format("tag '{}' has character '{}' that is not allowed in "
                                            "a value",
                                            name, escape_bytes(std::string_view{&c, 1}));
                    return out;
                }
            }
            if (!seen.insert(name).second) {
                out.error = fmt::format("tag '{}' appears more than once", name);
                return out;
            }
            out.tags.push_back(Tag{name, value});
        }
        if (sep == std::string_view::npos) {
            return out;
        }
        text.remove_prefix(sep + 1);
    }
}

// base64 (RFC 2045 §6.8) with folding whitespace removed; padding may be omitted, as the
// base64string ABNF of RFC 6376 §2.4 allows.
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
    std::vector<std::uint8_t> out;
    std::uint32_t bits = 0;
    int nbits = 0;
    std::size_t chars = 0;
    std::size_t padding = 0;
    for (const char c : text) {
        if (is_fws(c)) {
            continue;
        }
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) {
            return std::nullopt; // data after padding
        }
        std::uint32_t value = 0;
        if (c >= 'A' && c <= 'Z') {
            value = static_cast<std::uint32_t>(c - 'A');
        } else if (c >= 'a' && c <= 'z') {
            value = static_cast<std::uint32_t>(c - 'a' + 26);
        } else if (c >= '0' && c <= '9') {
            value = static_cast<std::uint32_t>(c - '0' + 52);
        } else if (c == '+') {
            value = 62;
        } else if (c == '/') {
            value = 63;
        } else {
            return std::nullopt;
        }
        ++chars;
        bits = (bits << 6) | value;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out.push_back(static_cast<std::uint8_t>((bits >> nbits) & 0xffU));
        }
    }
    if (chars % 4 == 1 || padding > 2 || (padding > 0 && (chars + padding) % 4 != 0)) {
        return std::nullopt;
    }
    return out;
}

std::string key_type_name(const EVP_PKEY& key) {
    const char* name = EVP_PKEY_get0_type_name(&key);
    return name != nullptr ? std::string{name} : std::string{"unknown"};
}

// A DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) that uses every byte, else nullptr.
PkeyPtr decode_spki(const std::vector<std::uint8_t>& der) {
    const unsigned char* cursor = der.data();
    PkeyPtr key{d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size()))};
    if (!key || cursor != der.data() + der.size()) {
        ERR_clear_error();
        return nullptr;
    }
    return key;
}

struct AnySequenceDeleter {
    void operator()(ASN1_SEQUENCE_ANY* sequence) const noexcept {
        sk_ASN1_TYPE_pop_free(sequence, ASN1_TYPE_free);
    }
};
using AnySequencePtr = std::unique_ptr<ASN1_SEQUENCE_ANY, AnySequenceDeleter>;

struct AlgorithmDeleter {
    void operator()(X509_ALGOR* algorithm) const noexcept { X509_ALGOR_free(algorithm); }
};
using AlgorithmPtr = std::unique_ptr<X509_ALGOR, AlgorithmDeleter>;

struct BignumDeleter {
    void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;

// A DER SEQUENCE of exactly `count` elements that uses every byte, else nullptr.
AnySequencePtr decode_sequence(const unsigned char* der, std::size_t size, int count) {
    const unsigned char* cursor = der;
    AnySequencePtr sequence{d2i_ASN1_SEQUENCE_ANY(nullptr, &cursor, static_cast<long>(size))};
    if (!sequence || cursor != der + size || sk_ASN1_TYPE_num(sequence.get()) != count) {
        return nullptr;
    }
    return sequence;
}

// The modulus length of the common key: a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) with
// the rsaEncryption algorithm and a NULL or absent parameter, whose BIT STRING is a DER
// RSAPublicKey (RFC 8017 §A.1.1) of two non-negative INTEGERs. nullopt for anything else, which
// decode_spki() then judges. d2i_PUBKEY() sets up an OSSL_DECODER context for every call
// (about a million instructions a key); these ASN.1 primitives reach the same verdict and bit
// count for this shape of key for a fraction of it.
std::optional<int> rsa_spki_bits(const std::vector<std::uint8_t>& der) {
    // rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 §A.1), as DER content octets.
    static constexpr std::array<unsigned char, 9> rsa_encryption{0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                                 0x0d, 0x01, 0x01, 0x01};
    const auto result = [&]() -> std::optional<int> {
        const auto spki = decode_sequence(der.data(), der.size(), 2);
        if (!spki) {
            return std::nullopt;
        }
        const ASN1_TYPE* algorithm_any = sk_ASN1_TYPE_value(spki.get(), 0);
        const ASN1_TYPE* key_any = sk_ASN1_TYPE_value(spki.get(), 1);
        if (ASN1_TYPE_get(algorithm_any) != V_ASN1_SEQUENCE ||
            ASN1_TYPE_get(key_any) != V_ASN1_BIT_STRING) {
            return std::nullopt;
        }
        const ASN1_STRING* algorithm_der = algorithm_any->value.sequence;
        const unsigned char* cursor = ASN1_STRING_get0_data(algorithm_der);
        const unsigned char* algorithm_end = cursor + ASN1_STRING_length(algorithm_der);
        AlgorithmPtr algorithm{
            d2i_X509_ALGOR(nullptr, &cursor, static_cast<long>(ASN1_STRING_length(algorithm_der)))};
        if (!algorithm || cursor != algorithm_end) {
            return std::nullopt;
        }
        const ASN1_OBJECT* oid = nullptr;
        int parameter_type = V_ASN1_UNDEF;
        const void* parameter = nullptr;
        X509_ALGOR_get0(&oid, &parameter_type, &parameter, algorithm.get());
        if (oid == nullptr || OBJ_length(oid) != rsa_encryption.size() ||
            !std::equal(rsa_encryption.begin(), rsa_encryption.end(), OBJ_get0_data(oid)) ||
            (parameter_type != V_ASN1_UNDEF && parameter_type != V_ASN1_NULL)) {
            return std::nullopt;
        }
        const ASN1_BIT_STRING* key_bits = key_any->value.bit_string;
        // Low three flag bits: unused bits in the last octet (0 for a DER structure).
        if ((key_bits->flags & 0x07) != 0) {
            return std::nullopt;
        }
        const auto rsa = decode_sequence(ASN1_STRING_get0_data(key_bits),
                                         static_cast<std::size_t>(ASN1_STRING_length(key_bits)), 2);
        if (!rsa) {
            return std::nullopt;
        }
        const ASN1_TYPE* modulus = sk_ASN1_TYPE_value(rsa.get(), 0);
        const ASN1_TYPE* exponent = sk_ASN1_TYPE_value(rsa.get(), 1);
        if (ASN1_TYPE_get(modulus) != V_ASN1_INTEGER || ASN1_TYPE_get(exponent) != V_ASN1_INTEGER ||
            ASN1_STRING_type(modulus->value.integer) != V_ASN1_INTEGER ||
            ASN1_STRING_type(exponent->value.integer) != V_ASN1_INTEGER) {
            return std::nullopt;
        }
        const BignumPtr n{ASN1_INTEGER_to_BN(modulus->value.integer, nullptr)};
        if (!n) {
            return std::nullopt;
        }
        return BN_num_bits(n.get());
    }();
    if (!result) {
        ERR_clear_error();
    }
    return result;
}

// A bare DER RSAPublicKey (RFC 8017 §A.1.1), which some publishers put in p= instead of the
// SubjectPublicKeyInfo RFC 6376 §3.6.1 asks for; verifiers built on OpenSSL accept both.
PkeyPtr decode_rsa_public_key(const std::vector<std::uint8_t>& der) {
    const unsigned char* cursor = der.data();
    PkeyPtr key{d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, static_cast<long>(der.size()))};
    if (!key || cursor != der.data() + der.size()) {
        ERR_clear_error();
        return nullptr;
    }
    return key;
}

struct KeyCheck {
    std::string rule; // empty when the key is fine
    std::string message;
};

KeyCheck check_key(std::string_view key_type, const std::vector<std::uint8_t>& data,
                   std::string_view owner) {
    const auto invalid = [&](std::string what) {
        return KeyCheck{"dkim-invalid",
                        fmt::format("cannot use DKIM key at '{}': {}", owner, std::move(what))};
    };
    if (key_type == "ed25519") {
        // RFC 8463 §4.2: p= is the raw 32-byte Ed25519 public key, not wrapped in DER.
        if (data.size() != ed25519_key_size) {
            if (auto key = decode_spki(data);
                key && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519) {
                return invalid("p= holds a SubjectPublicKeyInfo; k=ed25519 needs the raw "
                               "32-byte key (RFC 8463 section 4.2)");
            }
            return invalid(
                fmt::format("p= holds {} bytes; k=ed25519 needs the raw 32-byte key", data.size()));
        }
        PkeyPtr key{
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, data.data(), data.size())};
        if (!key) {
            ERR_clear_error();
            return invalid("p= is not an Ed25519 public key");
        }
        return {};
    }

    // RFC 6376 §3.6.1: for k=rsa, p= is a DER SubjectPublicKeyInfo of an RSA key.
    auto bits = rsa_spki_bits(data);
    if (!bits) {
        PkeyPtr key = decode_spki(data);
        if (!key) {
            key = decode_rsa_public_key(data);
        }
        if (!key) {
            return invalid(fmt::format("p= ({} bytes) is not a DER RSA public key; was the value "
                                       "cut or its TXT strings mangled?",
                                       data.size()));
        }
        if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
            return invalid(fmt::format("p= holds an {} key but k= says rsa", key_type_name(*key)));
        }
        bits = EVP_PKEY_get_bits(key.get());
    }
    if (*bits < min_rsa_bits) {
        // RFC 8301 §3.2: verifiers MUST NOT consider signatures with such keys valid.
        return KeyCheck{"dkim-key-too-short",
                        fmt::format("DKIM key at '{}' is a {}-bit RSA key: verifiers reject "
                                    "keys shorter than {} bits; publish a 2048-bit key",
                                    owner, *bits, min_rsa_bits)};
    }
    if (*bits < recommended_rsa_bits) {
        // RFC 8301 §3.2: signers SHOULD use keys of at least 2048 bits.
        return KeyCheck{"dkim-key-weak",
                        fmt::format("DKIM key at '{}' is a {}-bit RSA key; keys should have at "
                                    "least {} bits",
                                    owner, *bits, recommended_rsa_bits)};
    }
    return {};
}

// The checks of one key record (RFC 6376 §3.6.1), as (rule, message) pairs.
std::vector<KeyCheck> check_record(std::string_view text, std::string_view owner) {
    std::vector<KeyCheck> out;
    const auto invalid = [&](std::string what) {
        out.push_back(KeyCheck{"dkim-invalid", fmt::format("cannot use DKIM key record at '{}': {}",
                                                           owner, std::move(what))});
    };
    const auto list = parse_tags(text);
    if (list.error) {
        invalid(*list.error);
        return out;
    }
    const auto find = [&](std::string_view name) -> const Tag* {
        const auto it = std::find_if(list.tags.begin(), list.tags.end(),
                                     [&](const Tag& t) { return t.name == name; });
        return it == list.tags.end() ? nullptr : &*it;
    };

    // v=: if present, first and exactly "DKIM1"; other values make verifiers discard it.
    if (const Tag* v = find("v")) {
        if (v != &list.tags.front()) {
            invalid("tag 'v' must be the first tag");
        }
        if (v->value != "DKIM1") {
            invalid(fmt::format("v='{}' must be 'DKIM1'", quote(v->value)));
        }
    }
    // k=: rsa (default) or ed25519 (RFC 8463 §4.2).
    std::string key_type = "rsa";
    if (const Tag* k = find("k")) {
        key_type = ascii_lower(k->value);
        if (key_type != "rsa" && key_type != "ed25519") {
            invalid(fmt::format("key type k='{}' is not rsa or ed25519", quote(k->value)));
            return out;
        }
    }
    // p=: REQUIRED; empty means the key was revoked, which is valid.
    const Tag* p = find("p");
    if (p == nullptr) {
        invalid("the required tag 'p' (the public key) is missing");
        return out;
    }
    const auto data = decode_base64(p->value);
    if (!data) {
        invalid(fmt::format("p= is not base64: '{}'", quote(p->value)));
        return out;
    }
    if (data->empty()) {
        return out;
    }
    if (auto key = check_key(key_type, *data, owner); !key.rule.empty()) {
        out.push_back(std::move(key));
    }
    return out;
}

// Key records live at <selector>._domainkey.<domain> (RFC 6376 §3.6.2.1); a selector may
// have several labels. "_adsp._domainkey" is the historic ADSP record (RFC 5617), not a key.
bool is_key_record_owner(std::string_view owner) {
    if (owner.find("_domainkey") == std::string_view::npos) {
        return false; // no such label, and most TXT owners are not near one
    }
    const auto labels = split_labels(owner);
    if (labels.size() < 2 || labels.front() == "_domainkey" || labels.front() == "_adsp") {
        return false;
    }
    return std::find(labels.begin() + 1, labels.end(), "_domainkey") != labels.end();
}

} // namespace

std::vector<Diagnostic> check_dkim(const Zone& zone, const LintOptions& /*options*/) {
    std::vector<Diagnostic> out;
    for (const auto& record : zone.records()) {
        if (record.type != rrtype::txt) {
            continue;
        }
        const auto owner = zone.owner(record);
        // Data below a zone cut is not served by this zone (RFC 1034 §4.2.1).
        if (!is_key_record_owner(owner) || zone.below_cut(record)) {
            continue;
        }
        for (auto& found : check_record(joined_text(zone.rdata(record)), owner)) {
            out.push_back(make_finding(found.rule, zone, record, std::move(found.message)));
        }
    }
    return out;
}

} // namespace mxsteer::lint
