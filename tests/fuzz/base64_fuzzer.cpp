// libFuzzer target for the wire base64 (core/protocol/encoding): a differential check against
// libsodium's strict decoder, the codec the protocol was first written against. For any ASCII
// input both must agree on whether it is standard padded base64 and, if so, on the bytes (input
// with other bytes must be refused); and the input read as bytes must encode to what libsodium
// encodes and decode back to itself.
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/protocol/encoding.hpp"

namespace {

std::optional<std::string> reference_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string reference_encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

void require(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "base64 fuzzer: %s for input of %zu bytes\n", what, input.size());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto ours = colonies::protocol::base64_decode(input);
  bool ascii = true;
  for (unsigned char c : input) ascii = ascii && c < 0x80;
  if (!ascii) {
    // libsodium 1.0.18 maps some bytes >= 0x80 to base64 values (it accepts "\xd9WI="); they
    // are not base64, and ours refuses them.
    require(!ours.has_value(), "accepted a byte outside ASCII", input);
  } else {
    const auto reference = reference_decode(input);
    require(ours.has_value() == reference.has_value(), "acceptance differs from libsodium", input);
    if (ours) require(*ours == *reference, "decoded bytes differ from libsodium", input);
  }
  const std::string encoded = colonies::protocol::base64_encode(input);
  require(encoded == reference_encode(input), "encoding differs from libsodium", input);
  const auto back = colonies::protocol::base64_decode(encoded);
  require(back.has_value() && *back == input, "encode then decode is not the identity", input);
  return 0;
}
