// Encoding helpers: base64 through OpenSSL's block codec (about 5x faster than libsodium's
// constant-time one, which the payloads do not need: they are not secret), hex through libsodium.
#include "core/protocol/encoding.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>

namespace colonies::protocol {

namespace {

// EVP_EncodeBlock and EVP_DecodeBlock take int lengths: large inputs go through in chunks that
// end on a group boundary (3 bytes in, 4 characters out).
constexpr std::size_t kChunkBytes = 3 * 1024 * 1024;
constexpr std::size_t kChunkChars = kChunkBytes / 3 * 4;

constexpr bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The 6-bit value of a base64 character (is_base64_char holds).
constexpr int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : 63;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');  // + the NUL EVP_EncodeBlock writes
  std::size_t written = 0;
  for (std::size_t at = 0; at < bytes.size(); at += kChunkBytes) {
    const std::size_t n = std::min(kChunkBytes, bytes.size() - at);
    written += static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                                                        reinterpret_cast<const unsigned char*>(bytes.data() + at),
                                                        static_cast<int>(n)));
  }
  out.resize(written);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock is lenient (it skips surrounding whitespace, and does not insist that '='
  // only pads the end), so the strict form of the protocol is checked here first.
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    if (!is_base64_char(text[i])) return std::nullopt;
  }
  // Canonical form only: the bits the padding leaves over must be zero ("QQ==", not "QR=="), as
  // libsodium's strict decoder requires (found by tests/fuzz/base64_fuzzer.cpp).
  if (padding > 0) {
    const int unused_mask = padding == 2 ? 0x0f : 0x03;
    if ((base64_value(text[text.size() - padding - 1]) & unused_mask) != 0) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 1, '\0');
  std::size_t written = 0;
  for (std::size_t at = 0; at < text.size(); at += kChunkChars) {
    const std::size_t n = std::min(kChunkChars, text.size() - at);
    const int got = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                                    reinterpret_cast<const unsigned char*>(text.data() + at), static_cast<int>(n));
    if (got < 0) return std::nullopt;
    written += static_cast<std::size_t>(got);
  }
  out.resize(written - padding);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

std::string hex_encode(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.resize(out.size() - 1);
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out(text.size() / 2, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                     &len, &end) != 0 ||
      end != text.data() + text.size() || len != out.size()) {
    return std::nullopt;
  }
  return out;
}

bool is_lower_hex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace colonies::protocol
