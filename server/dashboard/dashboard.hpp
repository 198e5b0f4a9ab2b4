// The web dashboard's files, embedded into coloniesd at build time from server/dashboard/web/
// (cmake/EmbedDashboard.cmake), and the header fields they are served with. Pure data and a
// lookup: no HTTP here (server/main turns an Asset into a response), and no API logic (the
// dashboard signs its own requests in the browser and calls POST /api like any client).
#pragma once

#include <span>
#include <string_view>
#include <utility>

namespace colonies::server::dashboard {

struct Asset {
  std::string_view path;          // URL path, "/index.html", "/views/login.js"
  std::string_view content_type;  // with charset for text
  std::string_view body;
};

// Every embedded file, in the order of server/dashboard/CMakeLists.txt. Defined in the generated
// source. Never empty in a build.
std::span<const Asset> assets();

// The asset a GET or HEAD of `target` serves, or nullptr. `target` is the request target as
// received (path and optional query); the query is ignored, "/" means "/index.html", and paths
// must match an asset exactly (no decoding, no "..": anything else is not the dashboard's).
const Asset* find_asset(std::string_view target);

// Header fields for every dashboard response: a Content-Security-Policy that allows only this
// origin's own scripts and styles, no inline code, no framing and no string-to-DOM sinks
// (Trusted Types); nosniff; no referrer; revalidation on each load so that an upgraded server's
// files are used at once.
std::span<const std::pair<std::string_view, std::string_view>> response_headers();

}  // namespace colonies::server::dashboard
