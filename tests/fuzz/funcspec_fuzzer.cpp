// libFuzzer target for FunctionSpec: the JSON codec (function_spec_from_json, to_json) and the
// submit-time validation (validate, with the resource parsers behind it). The input is the spec's
// JSON text. Beyond "no crash, no UB", it checks that a decoded spec re-encoded decodes to the
// same spec, that validation judges both alike with the same requirements, that requirements
// are never negative, and that the resource strings format back to what they parsed to.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/model/function_spec.hpp"
#include "core/model/resources.hpp"

namespace {

namespace json = boost::json;
namespace model = colonies::model;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "funcspec fuzzer: %s\n", what);
  std::abort();
}

void check_resource_round_trip(const model::FunctionSpec& spec, const model::Requirements& req) {
  auto cpu = model::parse_cpu(model::format_cpu(req.cpu_millis));
  require(cpu && *cpu == req.cpu_millis, "format_cpu does not parse back to the same millicores");
  for (std::int64_t bytes : {req.mem_bytes, req.storage_bytes, req.gpu_mem_bytes}) {
    auto back = model::parse_bytes(model::format_bytes(bytes));
    require(back && *back == bytes, "format_bytes does not parse back to the same bytes");
  }
  (void)spec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = model::parse_json(text);
  if (!value) return 0;
  auto spec = model::function_spec_from_json(*value);
  if (!spec) {
    require(!spec.error().message.empty(), "refusal without a message");
    return 0;
  }
  const json::object encoded = model::to_json(*spec);
  auto again = model::function_spec_from_json(encoded);
  require(again.has_value(), "a decoded spec re-encoded does not decode");
  require(model::to_json(*again) == encoded, "a decoded spec re-encoded decodes to another spec");

  auto req = model::validate(*spec);
  auto req_again = model::validate(*again);
  require(req.has_value() == req_again.has_value(), "validation differs after a codec round trip");
  if (!req) {
    require(!req.error().message.empty(), "refusal without a message");
    require(req.error().message == req_again.error().message, "refusal differs after a codec round trip");
    return 0;
  }
  require(*req == *req_again, "requirements differ after a codec round trip");
  require(req->cpu_millis >= 0 && req->mem_bytes >= 0 && req->storage_bytes >= 0 && req->gpu_mem_bytes >= 0 &&
              req->gpu_count >= 0 && req->nodes >= 0 && req->processes >= 0 && req->processespernode >= 0 &&
              req->walltime >= 0,
          "validate accepted a spec with negative requirements");
  require(spec->priority >= model::kMinPriority && spec->priority <= model::kMaxPriority,
          "validate accepted a priority out of range");
  require(!spec->conditions.colonyname.empty(), "validate accepted a spec without a colony");
  check_resource_round_trip(*spec, *req);
  return 0;
}
