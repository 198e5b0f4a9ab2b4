// The wire encodings: base64 agrees byte for byte with libsodium's strict codec (the reference
// the protocol was first written against) on every length around the chunk and group
// boundaries, and refuses everything that is not standard base64 with padding.
#include "core/protocol/encoding.hpp"

#include <sodium.h>

#include <random>

#include <gtest/gtest.h>

namespace colonies::protocol {
namespace {

std::string sodium_base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

std::string random_bytes(std::size_t n, std::mt19937& rng) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST(EncodingTest, Base64MatchesTheStrictReferenceAndRoundTripsEveryLength) {
  std::mt19937 rng(42);
  for (std::size_t n = 0; n < 200; ++n) {
    const std::string bytes = random_bytes(n, rng);
    const std::string text = base64_encode(bytes);
    ASSERT_EQ(text, sodium_base64(bytes)) << "length " << n;
    auto back = base64_decode(text);
    ASSERT_TRUE(back.has_value()) << "length " << n;
    ASSERT_EQ(*back, bytes) << "length " << n;
  }
}

TEST(EncodingTest, Base64HandlesInputsLargerThanOneChunk) {
  std::mt19937 rng(7);
  for (std::size_t n : {std::size_t{3} * 1024 * 1024 - 1, std::size_t{3} * 1024 * 1024, std::size_t{3} * 1024 * 1024 + 2,
                        std::size_t{7} * 1024 * 1024 + 1}) {
    const std::string bytes = random_bytes(n, rng);
    const std::string text = base64_encode(bytes);
    ASSERT_EQ(text, sodium_base64(bytes)) << "length " << n;
    ASSERT_EQ(base64_decode(text), bytes) << "length " << n;
  }
}

TEST(EncodingTest, Base64RefusesWhatIsNotStandardPaddedBase64) {
  EXPECT_EQ(base64_decode(""), std::string());
  EXPECT_EQ(base64_decode("eyJhIjoxfQ=="), std::string(R"({"a":1})"));
  for (std::string_view bad : {"eyJhIjoxfQ",     // padding missing
                               "eyJhIjoxfQ=",    // length not a multiple of 4
                               " eyJhIjoxfQ==",  // whitespace
                               "eyJhIjoxfQ==\n", "eyJh\nIjoxfQ==",
                               "eyJhIjox-Q==",   // URL-safe alphabet
                               "eyJhIjox_Q==",   //
                               "ey=hIjoxfQ==",   // '=' inside
                               "====", "A===", "eyJhIjoxfQ=A", "eyJh*joxfQ==",
                               "QR==", "QUJ=",    // non-zero bits under the padding
                               "\xd9WI="}) {      // a byte outside ASCII (libsodium 1.0.18 takes it)
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace colonies::protocol
