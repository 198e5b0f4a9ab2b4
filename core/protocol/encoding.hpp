// Hex and standard base64 (with padding) as the wire protocol writes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace colonies::protocol {

std::string base64_encode(std::string_view bytes);
// nullopt unless `text` is standard base64 with padding.
std::optional<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
// nullopt unless `text` is an even number of hex digits.
std::optional<std::string> hex_decode(std::string_view text);
// True if `text` is exactly `length` lowercase hex characters.
bool is_lower_hex(std::string_view text, std::size_t length);

}  // namespace colonies::protocol
