// ErrorCode <-> HTTP status <-> gRPC code: one table, every lookup reads it.
#include "core/protocol/status.hpp"

namespace colonies::protocol {

namespace {

// Conflict is a state violation (closing twice, a duplicate name): the request must not be
// repeated as it is, which is gRPC's FailedPrecondition rather than Aborted (retry the whole
// sequence) or AlreadyExists (only one of its causes).
constexpr std::array<StatusRow, 10> kTable{{
    {ErrorCode::BadRequest, 400, GrpcCode::InvalidArgument},
    {ErrorCode::Unauthenticated, 401, GrpcCode::Unauthenticated},
    {ErrorCode::Forbidden, 403, GrpcCode::PermissionDenied},
    {ErrorCode::NotFound, 404, GrpcCode::NotFound},
    {ErrorCode::Timeout, 408, GrpcCode::DeadlineExceeded},
    {ErrorCode::Conflict, 409, GrpcCode::FailedPrecondition},
    {ErrorCode::TooLarge, 413, GrpcCode::ResourceExhausted},
    {ErrorCode::RateLimited, 429, GrpcCode::ResourceExhausted},
    {ErrorCode::Unavailable, 503, GrpcCode::Unavailable},
    {ErrorCode::Internal, 500, GrpcCode::Internal},
}};

const StatusRow& row(ErrorCode code) {
  for (const auto& r : kTable) {
    if (r.code == code) return r;
  }
  return kTable.back();  // Internal
}

}  // namespace

std::span<const StatusRow> status_table() { return kTable; }

int http_status(ErrorCode code) { return row(code).http; }

ErrorCode error_code_from_http(int status) {
  for (const auto& r : kTable) {
    if (r.http == status) return r.code;
  }
  return ErrorCode::Internal;
}

GrpcCode grpc_code(ErrorCode code) { return row(code).grpc; }

GrpcCode grpc_code_from_http(int status) {
  if (status >= 200 && status < 300) return GrpcCode::Ok;
  return grpc_code(error_code_from_http(status));
}

ErrorCode error_code_from_grpc(GrpcCode code) {
  switch (code) {
    case GrpcCode::AlreadyExists:
    case GrpcCode::Aborted:
      return ErrorCode::Conflict;
    case GrpcCode::OutOfRange:
      return ErrorCode::BadRequest;
    case GrpcCode::ResourceExhausted:
      return ErrorCode::TooLarge;  // see status.hpp
    default:
      break;
  }
  for (const auto& r : kTable) {
    if (r.grpc == code) return r.code;
  }
  return ErrorCode::Internal;
}

}  // namespace colonies::protocol
