// Small text helpers for names: ASCII case folding that is safe for any byte (std::tolower on a
// negative char is undefined), used where names compare case-insensitively (locations, GPUs).
#pragma once

#include <string>
#include <string_view>

namespace colonies::model {

inline std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace colonies::model
