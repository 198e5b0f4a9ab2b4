// ErrorCode <-> HTTP status.
#include "core/protocol/status.hpp"

namespace colonies::protocol {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest: return 400;
    case ErrorCode::Unauthenticated: return 401;
    case ErrorCode::Forbidden: return 403;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::Timeout: return 408;
    case ErrorCode::Conflict: return 409;
    case ErrorCode::TooLarge: return 413;
    case ErrorCode::RateLimited: return 429;
    case ErrorCode::Unavailable: return 503;
    case ErrorCode::Internal: return 500;
  }
  return 500;
}

ErrorCode error_code_from_http(int status) {
  switch (status) {
    case 400: return ErrorCode::BadRequest;
    case 401: return ErrorCode::Unauthenticated;
    case 403: return ErrorCode::Forbidden;
    case 404: return ErrorCode::NotFound;
    case 408: return ErrorCode::Timeout;
    case 409: return ErrorCode::Conflict;
    case 413: return ErrorCode::TooLarge;
    case 429: return ErrorCode::RateLimited;
    case 503: return ErrorCode::Unavailable;
    default: return ErrorCode::Internal;
  }
}

}  // namespace colonies::protocol
