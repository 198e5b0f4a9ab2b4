// Client calls about channels: channelappendmsg and channelreadmsg.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/encoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

Result<model::ChannelEntry> Client::channel_append(const std::string& processid, const std::string& name,
                                                   std::int64_t sequence, std::string_view payload,
                                                   const std::string& payloadtype, std::int64_t inreplyto) {
  COLONIES_TRY(reply, call(msg::kChannelAppend, {{"processid", processid},
                                                 {"name", name},
                                                 {"sequence", sequence},
                                                 {"inreplyto", inreplyto},
                                                 {"payload", protocol::base64_encode(payload)},
                                                 {"payloadtype", payloadtype}}));
  return decode_one(msg::kChannelAppend, reply, model::channel_entry_from_json, "entry");
}

Result<std::vector<model::ChannelEntry>> Client::channel_read(const std::string& processid, const std::string& name,
                                                              std::int64_t afterseq, int limit) {
  COLONIES_TRY(reply, call(msg::kChannelRead,
                           {{"processid", processid}, {"name", name}, {"afterseq", afterseq}, {"limit", limit}}));
  return decode_list(msg::kChannelRead, reply, model::channel_entry_from_json, "entries");
}

}  // namespace colonies::client
