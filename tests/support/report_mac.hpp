// report_mac.hpp: SHA-1 and HMAC-SHA-1, which sign each event of the report stream (and name files for the tool).
//
// The course tool hands a test binary a fresh key for each run, on a descriptor that the
// test main reads and closes before the code under test can run (see doctest_main.cpp).
// Every event then carries its sequence number and an HMAC over "<seq>:<event>", which the
// tool checks: a stream written by anyone without the key, or with an event dropped,
// replayed or reordered, is "tampered". SHA-1 is no longer collision-proof, which does not
// matter for a MAC (HMAC-SHA-1 stays sound), nor for naming files by content.
// Header-only, allocation-free in the hashing itself, so the test main can use it early.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace course::report {

/// SHA-1 (FIPS 180-4), fed in pieces.
class Sha1 {
public:
    void add(std::string_view data) {
        for (const char c : data) {
            block_[used_++] = static_cast<unsigned char>(c);
            if (used_ == 64) compress();
        }
        length_ += data.size();
    }
    std::array<unsigned char, 20> digest() {
        const std::uint64_t bits = length_ * 8;
        add(std::string_view("\x80", 1));
        while (used_ != 56) add(std::string_view("\0", 1));
        for (int shift = 56; shift >= 0; shift -= 8) block_[used_++] = static_cast<unsigned char>(bits >> shift);
        compress();
        std::array<unsigned char, 20> out{};
        for (std::size_t i = 0; i < 5; ++i) {
            for (std::size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<unsigned char>(state_[i] >> (24 - 8 * b));
        }
        return out;
    }

private:
    static std::uint32_t rotate(std::uint32_t v, int bits) { return (v << bits) | (v >> (32 - bits)); }
    void compress() {
        std::uint32_t w[80];
        for (std::size_t i = 0; i < 16; ++i) {
            w[i] = (std::uint32_t{block_[4 * i]} << 24) | (std::uint32_t{block_[4 * i + 1]} << 16) |
                   (std::uint32_t{block_[4 * i + 2]} << 8) | std::uint32_t{block_[4 * i + 3]};
        }
        for (std::size_t i = 16; i < 80; ++i) w[i] = rotate(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
        for (std::size_t i = 0; i < 80; ++i) {
            const std::uint32_t f = i < 20 ? (b & c) | (~b & d) : i < 40 ? b ^ c ^ d : i < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
            const std::uint32_t k = i < 20 ? 0x5A827999 : i < 40 ? 0x6ED9EBA1 : i < 60 ? 0x8F1BBCDC : 0xCA62C1D6;
            const std::uint32_t next = rotate(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotate(b, 30);
            b = a;
            a = next;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
        used_ = 0;
    }

    std::uint32_t state_[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    unsigned char block_[64] = {};
    std::size_t used_ = 0;
    std::uint64_t length_ = 0;
};

/// Lowercase hex of bytes.
template <std::size_t N>
std::string hex(const std::array<unsigned char, N>& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

inline std::string sha1_hex(std::string_view data) {
    Sha1 hash;
    hash.add(data);
    return hex(hash.digest());
}

/// HMAC-SHA-1 (RFC 2104) of `message` under `key`, as hex.
inline std::string hmac_sha1_hex(std::string_view key, std::string_view message) {
    std::array<unsigned char, 64> block{};
    if (key.size() > 64) {
        const auto digest = [&] {
            Sha1 h;
            h.add(key);
            return h.digest();
        }();
        std::memcpy(block.data(), digest.data(), digest.size());
    } else {
        std::memcpy(block.data(), key.data(), key.size());
    }
    std::array<char, 64> inner_pad{};
    std::array<char, 64> outer_pad{};
    for (std::size_t i = 0; i < 64; ++i) {
        inner_pad[i] = static_cast<char>(block[i] ^ 0x36);
        outer_pad[i] = static_cast<char>(block[i] ^ 0x5c);
    }
    Sha1 inner;
    inner.add(std::string_view(inner_pad.data(), inner_pad.size()));
    inner.add(message);
    const auto inner_digest = inner.digest();
    Sha1 outer;
    outer.add(std::string_view(outer_pad.data(), outer_pad.size()));
    outer.add(std::string_view(reinterpret_cast<const char*>(inner_digest.data()), inner_digest.size()));
    return hex(outer.digest());
}

/// The HMAC of event number `sequence`: HMAC-SHA-1(key, "<sequence>:<event>"), as 40 hex
/// digits in `out`. No allocation, so that the test main's crash handler may use it.
inline void sign_event(std::string_view key, std::uint64_t sequence, std::string_view event, char (&out)[40]) {
    unsigned char block[64] = {};
    if (key.size() > 64) key = key.substr(0, 64);  // the tool's keys are 32 characters
    std::memcpy(block, key.data(), key.size());
    char inner_pad[64];
    char outer_pad[64];
    for (std::size_t i = 0; i < 64; ++i) {
        inner_pad[i] = static_cast<char>(block[i] ^ 0x36);
        outer_pad[i] = static_cast<char>(block[i] ^ 0x5c);
    }
    char digits[24];
    std::size_t count = 0;
    do {
        digits[count++] = static_cast<char>('0' + sequence % 10);
        sequence /= 10;
    } while (sequence > 0);
    char number[24];
    for (std::size_t i = 0; i < count; ++i) number[i] = digits[count - 1 - i];
    Sha1 inner;
    inner.add(std::string_view(inner_pad, 64));
    inner.add(std::string_view(number, count));
    inner.add(":");
    inner.add(event);
    const auto inner_digest = inner.digest();
    Sha1 outer;
    outer.add(std::string_view(outer_pad, 64));
    outer.add(std::string_view(reinterpret_cast<const char*>(inner_digest.data()), inner_digest.size()));
    const auto mac = outer.digest();
    static constexpr char hex_digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < 20; ++i) {
        out[2 * i] = hex_digits[mac[i] >> 4];
        out[2 * i + 1] = hex_digits[mac[i] & 15];
    }
}

}  // namespace course::report
