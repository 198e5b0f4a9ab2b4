// Names of every message type (payloadtype / msgtype) the server understands. The catalogue with
// payloads, replies and roles is docs/protocol.md.
#pragma once

#include <string_view>

namespace colonies::protocol::msg {

// Server
inline constexpr std::string_view kVersion = "versionmsg";
inline constexpr std::string_view kGetServerInfo = "getserverinfomsg";
inline constexpr std::string_view kGetStatistics = "getstatisticsmsg";
inline constexpr std::string_view kChangeServerId = "changeserveridmsg";
inline constexpr std::string_view kGetCluster = "getclustermsg";
// Colonies
inline constexpr std::string_view kAddColony = "addcolonymsg";
inline constexpr std::string_view kRemoveColony = "removecolonymsg";
inline constexpr std::string_view kGetColony = "getcolonymsg";
inline constexpr std::string_view kGetColonies = "getcoloniesmsg";
inline constexpr std::string_view kGetColonyStats = "getcolonystatsmsg";
inline constexpr std::string_view kChangeColonyId = "changecolonyidmsg";
// Users
inline constexpr std::string_view kAddUser = "addusermsg";
inline constexpr std::string_view kGetUsers = "getusersmsg";
inline constexpr std::string_view kGetUser = "getusermsg";
inline constexpr std::string_view kGetUserById = "getuserbyidmsg";
inline constexpr std::string_view kRemoveUser = "removeusermsg";
inline constexpr std::string_view kChangeUserId = "changeuseridmsg";
// Executors
inline constexpr std::string_view kAddExecutor = "addexecutormsg";
inline constexpr std::string_view kGetExecutors = "getexecutorsmsg";
inline constexpr std::string_view kGetExecutor = "getexecutormsg";
inline constexpr std::string_view kGetExecutorById = "getexecutorbyidmsg";
inline constexpr std::string_view kApproveExecutor = "approveexecutormsg";
inline constexpr std::string_view kRejectExecutor = "rejectexecutormsg";
inline constexpr std::string_view kRemoveExecutor = "removeexecutormsg";
inline constexpr std::string_view kReportAllocation = "reportallocationmsg";
inline constexpr std::string_view kUpdateExecutor = "updateexecutormsg";
inline constexpr std::string_view kChangeExecutorId = "changeexecutoridmsg";
// Function registry
inline constexpr std::string_view kAddFunction = "addfunctionmsg";
inline constexpr std::string_view kGetFunctions = "getfunctionsmsg";
inline constexpr std::string_view kRemoveFunction = "removefunctionmsg";
// Processes
inline constexpr std::string_view kSubmitFunctionSpec = "submitfuncspecmsg";
inline constexpr std::string_view kAssignProcess = "assignprocessmsg";
inline constexpr std::string_view kGetProcess = "getprocessmsg";
inline constexpr std::string_view kGetProcesses = "getprocessesmsg";
inline constexpr std::string_view kGetProcessHistory = "getprocesshistmsg";
inline constexpr std::string_view kRemoveProcess = "removeprocessmsg";
inline constexpr std::string_view kRemoveAllProcesses = "removeallprocessesmsg";
inline constexpr std::string_view kCloseSuccessful = "closesuccessfulmsg";
inline constexpr std::string_view kCloseFailed = "closefailedmsg";
// Batches (a Colonies addition, docs/protocol.md "Batches"): many processes in one request.
inline constexpr std::string_view kSubmitFunctionSpecs = "submitfuncspecsmsg";
inline constexpr std::string_view kAssignProcesses = "assignprocessesmsg";
inline constexpr std::string_view kCloseProcesses = "closeprocessesmsg";
inline constexpr std::string_view kSetOutput = "setoutputmsg";
inline constexpr std::string_view kCancelProcess = "cancelprocessmsg";
inline constexpr std::string_view kPauseAssignments = "pauseassignmentsmsg";
inline constexpr std::string_view kResumeAssignments = "resumeassignmentsmsg";
inline constexpr std::string_view kGetPauseStatus = "getpausestatusmsg";
inline constexpr std::string_view kPauseStatusReply = "pausestatusreplymsg";
// Attributes
inline constexpr std::string_view kSubmitWorkflowSpec = "submitworkflowspecmsg";
inline constexpr std::string_view kGetProcessGraph = "getprocessgraphmsg";
inline constexpr std::string_view kGetProcessGraphs = "getprocessgraphsmsg";
inline constexpr std::string_view kRemoveProcessGraph = "removeprocessgraphmsg";
inline constexpr std::string_view kRemoveAllProcessGraphs = "removeallprocessgraphsmsg";
inline constexpr std::string_view kCancelProcessGraph = "cancelprocessgraphmsg";
inline constexpr std::string_view kAddChild = "addchildmsg";

inline constexpr std::string_view kAddAttribute = "addattributemsg";
inline constexpr std::string_view kGetAttribute = "getattributemsg";
// Logs
inline constexpr std::string_view kAddLog = "addlogmsg";
inline constexpr std::string_view kAddExecutorLog = "addexecutorlogmsg";
inline constexpr std::string_view kGetLogs = "getlogsmsg";
inline constexpr std::string_view kSearchLogs = "searchlogsmsg";
// Locations
inline constexpr std::string_view kAddLocation = "addlocationmsg";
inline constexpr std::string_view kGetLocations = "getlocationsmsg";
inline constexpr std::string_view kGetLocation = "getlocationmsg";
inline constexpr std::string_view kRemoveLocation = "removelocationmsg";
// Channels
inline constexpr std::string_view kChannelAppend = "channelappendmsg";
inline constexpr std::string_view kChannelRead = "channelreadmsg";
// Realtime subscriptions: only over the WebSocket (GET /api/ws), never POST /api
inline constexpr std::string_view kSubscribeProcesses = "subscribeprocessesmsg";
inline constexpr std::string_view kSubscribeProcess = "subscribeprocessmsg";
inline constexpr std::string_view kSubscribeChannel = "subscribechannelmsg";
// Not a message: the payloadtype of the frame acknowledging a subscription made with "ack": true.
inline constexpr std::string_view kSubscribed = "subscribed";
// Files and snapshots (ColonyFS metadata; the bytes never pass through the server)
inline constexpr std::string_view kAddFile = "addfilemsg";
inline constexpr std::string_view kGetFile = "getfilemsg";
inline constexpr std::string_view kGetFiles = "getfilesmsg";
inline constexpr std::string_view kGetFileLabels = "getfilelabelsmsg";
inline constexpr std::string_view kRemoveFile = "removefilemsg";
inline constexpr std::string_view kCreateSnapshot = "createsnapshotmsg";
inline constexpr std::string_view kGetSnapshot = "getsnapshotmsg";
inline constexpr std::string_view kGetSnapshots = "getsnapshotsmsg";
inline constexpr std::string_view kRemoveSnapshot = "removesnapshotmsg";
inline constexpr std::string_view kRemoveAllSnapshots = "removeallsnapshotmsg";
// Crons
inline constexpr std::string_view kAddCron = "addcronmsg";
inline constexpr std::string_view kGetCron = "getcronmsg";
inline constexpr std::string_view kGetCrons = "getcronsmsg";
inline constexpr std::string_view kRunCron = "runcronmsg";
inline constexpr std::string_view kRemoveCron = "removecronmsg";
// Generators
inline constexpr std::string_view kAddGenerator = "addgeneratormsg";
inline constexpr std::string_view kGetGenerator = "getgeneratormsg";
inline constexpr std::string_view kResolveGenerator = "resolvegeneratormsg";
inline constexpr std::string_view kGetGenerators = "getgeneratorsmsg";
inline constexpr std::string_view kPackGenerator = "packgeneratormsg";
inline constexpr std::string_view kRemoveGenerator = "removegeneratormsg";

// The audit ledger (a Colonies addition, docs/audit.md)
inline constexpr std::string_view kGetAudit = "getauditmsg";
inline constexpr std::string_view kGetAuditHead = "getauditheadmsg";

inline constexpr std::string_view kError = "error";

}  // namespace colonies::protocol::msg
