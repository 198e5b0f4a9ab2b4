// JSON codec of channel entries.
#include "core/model/channel.hpp"

#include "core/protocol/encoding.hpp"

namespace colonies::model {

bool is_valid_channel_payloadtype(std::string_view type) { return type == "data" || type == "end" || type == "error"; }

json::object to_json(const ChannelEntry& e) {
  return json::object{{"processid", e.processid},
                      {"name", e.name},
                      {"position", e.position},
                      {"sequence", e.sequence},
                      {"inreplyto", e.inreplyto},
                      {"timestamp", format_time(e.timestamp)},
                      {"senderid", e.senderid},
                      {"payload", protocol::base64_encode(e.payload)},
                      {"payloadtype", e.payloadtype}};
}

Result<ChannelEntry> channel_entry_from_json(const json::value& v, const std::string& path) {
  COLONIES_TRY(r, FieldReader::of(v, path));
  ChannelEntry e;
  std::string payload;
  COLONIES_CHECK(r.str("processid", e.processid));
  COLONIES_CHECK(r.str("name", e.name));
  COLONIES_CHECK(r.i64("position", e.position));
  COLONIES_CHECK(r.i64("sequence", e.sequence));
  COLONIES_CHECK(r.i64("inreplyto", e.inreplyto));
  COLONIES_CHECK(r.time("timestamp", e.timestamp));
  COLONIES_CHECK(r.str("senderid", e.senderid));
  COLONIES_CHECK(r.str("payload", payload));
  COLONIES_CHECK(r.str("payloadtype", e.payloadtype));
  auto bytes = protocol::base64_decode(payload);
  if (!bytes) return fail(ErrorCode::BadRequest, "{} is not standard base64", r.path_of("payload"));
  e.payload = std::move(*bytes);
  if (!is_valid_channel_payloadtype(e.payloadtype)) {
    return fail(ErrorCode::BadRequest, "{} must be \"data\", \"end\" or \"error\"", r.path_of("payloadtype"));
  }
  return e;
}

}  // namespace colonies::model
