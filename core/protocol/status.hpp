// The one table that maps ErrorCode to the HTTP status of PROTOCOL.md, and back for clients.
#pragma once

#include "core/error/error.hpp"

namespace colonies::protocol {

int http_status(ErrorCode code);
// The code a client reports for an error reply carrying `status`.
ErrorCode error_code_from_http(int status);

}  // namespace colonies::protocol
