// The one table that maps ErrorCode to the HTTP status of PROTOCOL.md and to the gRPC status
// code of the gRPC service, and back for clients. Both transports answer through it, so an error
// has the same code whichever way it travelled. No gRPC header here: the gRPC codes are the
// numbers of the gRPC specification (grpc::StatusCode has the same values).
#pragma once

#include <array>
#include <span>

#include "core/error/error.hpp"

namespace colonies::protocol {

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
enum class GrpcCode : int {
  Ok = 0,
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
};

struct StatusRow {
  ErrorCode code;
  int http;
  GrpcCode grpc;
};

// Every ErrorCode exactly once. The HTTP column is injective; the gRPC column is too, except
// that TooLarge and RateLimited share ResourceExhausted. A bare ResourceExhausted (no error
// reply in its details) comes from the gRPC layer itself, which uses it for an oversized
// message, so it reads back as TooLarge; the server's own error replies carry their HTTP status
// in the details, which keeps the two apart on the wire.
std::span<const StatusRow> status_table();

int http_status(ErrorCode code);
// The code a client reports for an error reply carrying `status`.
ErrorCode error_code_from_http(int status);

GrpcCode grpc_code(ErrorCode code);
// The gRPC code for an HTTP-style status of a reply (200 -> Ok, unknown errors -> Internal).
GrpcCode grpc_code_from_http(int status);
// The code a client reports for a gRPC status without an error reply (the gRPC layer's own
// failures); the other conflict codes of gRPC read as Conflict, Cancelled and Unknown as Internal.
ErrorCode error_code_from_grpc(GrpcCode code);

}  // namespace colonies::protocol
