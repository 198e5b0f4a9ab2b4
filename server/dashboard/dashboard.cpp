// Lookup of the embedded dashboard files and the security header fields they carry.
#include "server/dashboard/dashboard.hpp"

#include <array>

namespace colonies::server::dashboard {

namespace {

// 'self' covers this origin's ws:/wss: for the live updates (CSP level 3). Everything the
// dashboard shows is built as DOM nodes from text, never parsed as HTML: Trusted Types with no
// policy makes any innerHTML-style sink throw instead of running injected markup.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'";

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kHeaders{{
    {"Content-Security-Policy", kContentSecurityPolicy},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Cache-Control", "no-cache"},
}};

}  // namespace

const Asset* find_asset(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/") path = "/index.html";
  for (const auto& asset : assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

std::span<const std::pair<std::string_view, std::string_view>> response_headers() { return kHeaders; }

}  // namespace colonies::server::dashboard
