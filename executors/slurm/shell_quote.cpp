// shell_quote (see shell_quote.hpp).
#include "executors/slurm/shell_quote.hpp"

#include <algorithm>

namespace colonies::executors::slurm {

namespace {

bool plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '/' || c == ':' || c == '@' || c == '%' || c == '+' || c == ',' || c == '-';
}

}  // namespace

std::string shell_quote(std::string_view text) {
  // A leading '=' or '-' is harmless to the shell itself (it is the program that may read "-x" as
  // an option, which quoting cannot change), so plain words stay plain.
  if (!text.empty() && std::all_of(text.begin(), text.end(), plain)) return std::string(text);
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted.push_back('\'');
  for (char c : text) {
    if (c == '\'') {
      quoted.append("'\\''");
    } else {
      quoted.push_back(c);
    }
  }
  quoted.push_back('\'');
  return quoted;
}

}  // namespace colonies::executors::slurm
