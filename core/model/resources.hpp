// Parsing of resource quantities written in FunctionSpecs and executor capabilities:
// CPU ("2" cores, "1.5", "500m" millicores) and memory/storage ("10G", "512Mi", "1024").
// Unlike the original, a CPU without "m" means whole cores, not zero.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error/error.hpp"

namespace colonies::model {

// Millicores; "" is 0.
Result<std::int64_t> parse_cpu(std::string_view text);
// Bytes; decimal units K,KB,M,MB,G,GB,T,TB,P,PB (powers of 1000), binary Ki,KiB,Mi,MiB,Gi,GiB,Ti,TiB,
// Pi,PiB (powers of 1024), case-insensitive on the letter; no unit means bytes; "" is 0.
Result<std::int64_t> parse_bytes(std::string_view text);

std::string format_cpu(std::int64_t millicores);
std::string format_bytes(std::int64_t bytes);

}  // namespace colonies::model
