// Decoders of the SDK's own reply types.
#include "client/replies.hpp"

namespace colonies::client {

using model::FieldReader;

Result<VersionInfo> version_info_from_json(const json::value& v) {
  VersionInfo info;
  COLONIES_TRY(r, FieldReader::of(v, "version"));
  COLONIES_CHECK(r.str("buildversion", info.buildversion));
  COLONIES_CHECK(r.str("buildtime", info.buildtime));
  return info;
}

Result<ServerInfo> server_info_from_json(const json::value& v) {
  ServerInfo info;
  COLONIES_TRY(r, FieldReader::of(v, "serverinfo"));
  COLONIES_CHECK(r.str("buildversion", info.buildversion));
  COLONIES_CHECK(r.str("buildtime", info.buildtime));
  json::array backends;
  COLONIES_CHECK(r.array("backends", backends));
  for (std::size_t i = 0; i < backends.size(); ++i) {
    COLONIES_TRY(b, FieldReader::of(backends[i], fmt::format("serverinfo.backends[{}]", i)));
    ServerBackend backend;
    COLONIES_CHECK(b.str("type", backend.type));
    COLONIES_CHECK(b.str("host", backend.host));
    COLONIES_CHECK(b.i32("port", backend.port));
    COLONIES_CHECK(b.boolean("tls", backend.tls));
    COLONIES_CHECK(b.boolean("insecure", backend.insecure));
    info.backends.push_back(std::move(backend));
  }
  return info;
}

Result<ClusterInfo> cluster_info_from_json(const json::value& v) {
  ClusterInfo info;
  COLONIES_TRY(r, FieldReader::of(v, "cluster"));
  COLONIES_CHECK(r.str("leader", info.leader));
  COLONIES_CHECK(r.i64("epoch", info.epoch));
  json::array members;
  COLONIES_CHECK(r.array("members", members));
  for (std::size_t i = 0; i < members.size(); ++i) {
    COLONIES_TRY(m, FieldReader::of(members[i], fmt::format("cluster.members[{}]", i)));
    ClusterMemberInfo member;
    COLONIES_CHECK(m.str("name", member.name));
    COLONIES_CHECK(m.str("url", member.url));
    COLONIES_CHECK(m.boolean("leader", member.leader));
    info.members.push_back(std::move(member));
  }
  return info;
}

Result<PauseStatus> pause_status_from_json(const json::value& v) {
  PauseStatus status;
  COLONIES_TRY(r, FieldReader::of(v, "pausestatus"));
  COLONIES_CHECK(r.str("colonyname", status.colonyname));
  COLONIES_CHECK(r.boolean("ispaused", status.ispaused));
  return status;
}

}  // namespace colonies::client
