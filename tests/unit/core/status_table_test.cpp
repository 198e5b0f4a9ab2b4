// The status table: every ErrorCode has an HTTP status and a gRPC code, and each reads back to
// the code it came from (the one documented gRPC exception aside).
#include <set>

#include <gtest/gtest.h>

#include "core/protocol/status.hpp"

namespace colonies::protocol {
namespace {

constexpr ErrorCode kAllCodes[] = {ErrorCode::BadRequest, ErrorCode::Unauthenticated, ErrorCode::Forbidden,
                                   ErrorCode::NotFound,   ErrorCode::Timeout,         ErrorCode::Conflict,
                                   ErrorCode::TooLarge,   ErrorCode::RateLimited,     ErrorCode::Unavailable,
                                   ErrorCode::Internal};

TEST(StatusTableTest, ListsEveryErrorCodeOnce) {
  std::set<ErrorCode> seen;
  for (const auto& row : status_table()) EXPECT_TRUE(seen.insert(row.code).second) << to_string(row.code);
  EXPECT_EQ(seen.size(), std::size(kAllCodes));
}

TEST(StatusTableTest, EveryCodeHasAnHttpErrorStatusAndANonOkGrpcCode) {
  for (ErrorCode code : kAllCodes) {
    EXPECT_GE(http_status(code), 400) << to_string(code);
    EXPECT_NE(grpc_code(code), GrpcCode::Ok) << to_string(code);
  }
}

TEST(StatusTableTest, HttpStatusRoundTripsForEveryCode) {
  for (ErrorCode code : kAllCodes) EXPECT_EQ(error_code_from_http(http_status(code)), code) << to_string(code);
}

TEST(StatusTableTest, GrpcCodeRoundTripsForEveryCodeButRateLimited) {
  for (ErrorCode code : kAllCodes) {
    if (code == ErrorCode::RateLimited) continue;
    EXPECT_EQ(error_code_from_grpc(grpc_code(code)), code) << to_string(code);
  }
  // A bare ResourceExhausted is the gRPC layer's "message too large".
  EXPECT_EQ(error_code_from_grpc(grpc_code(ErrorCode::RateLimited)), ErrorCode::TooLarge);
}

TEST(StatusTableTest, MapsTheDocumentedPairs) {
  EXPECT_EQ(grpc_code_from_http(200), GrpcCode::Ok);
  EXPECT_EQ(grpc_code_from_http(400), GrpcCode::InvalidArgument);
  EXPECT_EQ(grpc_code_from_http(401), GrpcCode::Unauthenticated);
  EXPECT_EQ(grpc_code_from_http(403), GrpcCode::PermissionDenied);
  EXPECT_EQ(grpc_code_from_http(404), GrpcCode::NotFound);
  EXPECT_EQ(grpc_code_from_http(408), GrpcCode::DeadlineExceeded);
  EXPECT_EQ(grpc_code_from_http(409), GrpcCode::FailedPrecondition);
  EXPECT_EQ(grpc_code_from_http(429), GrpcCode::ResourceExhausted);
  EXPECT_EQ(grpc_code_from_http(503), GrpcCode::Unavailable);
  EXPECT_EQ(grpc_code_from_http(500), GrpcCode::Internal);
}

TEST(StatusTableTest, UnknownStatusesAreInternal) {
  EXPECT_EQ(error_code_from_http(418), ErrorCode::Internal);
  EXPECT_EQ(grpc_code_from_http(418), GrpcCode::Internal);
  EXPECT_EQ(error_code_from_grpc(GrpcCode::Unknown), ErrorCode::Internal);
  EXPECT_EQ(error_code_from_grpc(GrpcCode::Cancelled), ErrorCode::Internal);
}

TEST(StatusTableTest, OtherGrpcConflictCodesReadAsConflict) {
  EXPECT_EQ(error_code_from_grpc(GrpcCode::AlreadyExists), ErrorCode::Conflict);
  EXPECT_EQ(error_code_from_grpc(GrpcCode::Aborted), ErrorCode::Conflict);
}

}  // namespace
}  // namespace colonies::protocol
