// The read-only message types, which the ledger does not record.
#include "server/audit/recorded.hpp"

#include <algorithm>
#include <array>

#include "core/protocol/messages.hpp"

namespace colonies::server::audit {

namespace msg = protocol::msg;

namespace {

constexpr std::array kReadOnly = {
    msg::kVersion,         msg::kGetServerInfo,   msg::kGetStatistics,    msg::kGetCluster,
    msg::kGetColony,       msg::kGetColonies,     msg::kGetColonyStats,   msg::kGetUsers,
    msg::kGetUser,         msg::kGetUserById,     msg::kGetExecutors,     msg::kGetExecutor,
    msg::kGetExecutorById, msg::kGetFunctions,    msg::kGetProcess,       msg::kGetProcesses,
    msg::kGetProcessHistory, msg::kGetPauseStatus, msg::kGetProcessGraph, msg::kGetProcessGraphs,
    msg::kGetAttribute,    msg::kGetLogs,         msg::kSearchLogs,       msg::kGetLocations,
    msg::kGetLocation,     msg::kChannelRead,     msg::kSubscribeProcesses, msg::kSubscribeProcess,
    msg::kSubscribeChannel, msg::kGetFile,        msg::kGetFiles,         msg::kGetFileLabels,
    msg::kGetSnapshot,     msg::kGetSnapshots,    msg::kGetCron,          msg::kGetCrons,
    msg::kGetGenerator,    msg::kResolveGenerator, msg::kGetGenerators,   msg::kGetAudit,
    msg::kGetAuditHead,
};

}  // namespace

bool is_recorded(std::string_view msgtype) {
  return std::find(kReadOnly.begin(), kReadOnly.end(), msgtype) == kReadOnly.end();
}

}  // namespace colonies::server::audit
