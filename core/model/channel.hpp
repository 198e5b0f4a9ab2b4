// Channel entries: the messages a process's submitter and its executor exchange on the channels
// its FunctionSpec declares (`spec.channels`). Each entry has the sender's own `sequence`
// (strictly increasing per sender and channel) and a `position` the server assigns: 1, 2, 3, ...
// per channel in arrival order, with no gaps. Readers resume after a position (`afterseq`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/json.hpp"

namespace colonies::model {

struct ChannelEntry {
  std::string processid;
  std::string name;          // the channel
  std::int64_t position = 0;  // assigned by the server, 1-based, gap-free per channel
  std::int64_t sequence = 0;  // the sender's, strictly increasing per sender and channel
  std::int64_t inreplyto = 0;  // a position this entry answers; 0 = none
  TimeNs timestamp = 0;
  std::string senderid;
  std::string payload;  // raw bytes (base64 on the wire)
  std::string payloadtype = "data";  // "data", "end" or "error"
};

// "data", "end" and "error" are the only payload types.
bool is_valid_channel_payloadtype(std::string_view type);

// `payload` is standard base64; `timestamp` RFC 3339.
json::object to_json(const ChannelEntry& e);
Result<ChannelEntry> channel_entry_from_json(const json::value& v, const std::string& path = "entry");

}  // namespace colonies::model
