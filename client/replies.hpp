// Reply types of the SDK that are not model entities: the server's version and info, and the
// pause status of a colony, with their JSON decoders. Entities (Process, Executor, ...) live in
// core/model; this file does not duplicate them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/json.hpp"

namespace colonies::client {

namespace json = boost::json;

// versionmsg reply.
struct VersionInfo {
  std::string buildversion;
  std::string buildtime;
};

// One listener of the server, as getserverinfomsg reports it.
struct ServerBackend {
  std::string type;  // "http" or "grpc"
  std::string host;
  int port = 0;
  bool tls = false;
  bool insecure = false;
};

// getserverinfomsg reply.
struct ServerInfo {
  std::string buildversion;
  std::string buildtime;
  std::vector<ServerBackend> backends;
};

// getclustermsg reply: the servers sharing the store, who leads and since which epoch.
struct ClusterMemberInfo {
  std::string name;
  std::string url;
  bool leader = false;
};
struct ClusterInfo {
  std::vector<ClusterMemberInfo> members;
  std::string leader;
  std::int64_t epoch = 0;
};

// pausestatusreplymsg.
struct PauseStatus {
  std::string colonyname;
  bool ispaused = false;
};

Result<VersionInfo> version_info_from_json(const json::value& v);
Result<ServerInfo> server_info_from_json(const json::value& v);
Result<PauseStatus> pause_status_from_json(const json::value& v);
Result<ClusterInfo> cluster_info_from_json(const json::value& v);

}  // namespace colonies::client
