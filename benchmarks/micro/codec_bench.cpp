// JSON codecs on the request path: a realistic FunctionSpec and Process converted to and from
// Boost.JSON values, serialized and parsed as text, and the envelope around them (decode a signed
// submit request: envelope JSON, base64, payload JSON, spec; encode the reply). No signature
// check here (colonies-bench-auth). Measures and prints; never asserts.
#include <benchmark/benchmark.h>

#include <string>

#include "benchmarks/micro/sample_spec.hpp"
#include "core/model/process.hpp"
#include "core/protocol/encoding.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"

namespace {

using namespace colonies;
namespace json = model::json;
namespace msg = protocol::msg;

// Stands in for an Ed25519 key: the codecs never look at the signature's validity.
class FixedSigner final : public ports::Signer {
 public:
  const std::string& id() const override { return id_; }
  std::string sign(std::string_view) const override { return std::string(128, 'e'); }

 private:
  std::string id_ = std::string(64, 'f');
};

// Bytes of the JSON text for the bytes/s counter.
std::size_t text_size(const json::value& v) { return json::serialize(v).size(); }

void BM_SpecToJson(benchmark::State& state) {
  const auto spec = bench::sample_spec();
  for (auto _ : state) benchmark::DoNotOptimize(model::to_json(spec));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * text_size(model::to_json(spec)));
}
BENCHMARK(BM_SpecToJson);

void BM_SpecFromJson(benchmark::State& state) {
  const json::value v = model::to_json(bench::sample_spec());
  for (auto _ : state) benchmark::DoNotOptimize(model::function_spec_from_json(v));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * text_size(v));
}
BENCHMARK(BM_SpecFromJson);

void BM_ProcessToJson(benchmark::State& state) {
  const auto process = bench::sample_process();
  for (auto _ : state) benchmark::DoNotOptimize(model::to_json(process));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * text_size(model::to_json(process)));
}
BENCHMARK(BM_ProcessToJson);

void BM_ProcessFromJson(benchmark::State& state) {
  const json::value v = model::to_json(bench::sample_process());
  for (auto _ : state) benchmark::DoNotOptimize(model::process_from_json(v));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * text_size(v));
}
BENCHMARK(BM_ProcessFromJson);

// Value -> text and text -> value, for the spec and the process.
void serialize_text(benchmark::State& state, const json::value& v) {
  for (auto _ : state) benchmark::DoNotOptimize(json::serialize(v));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * text_size(v));
}
void parse_text(benchmark::State& state, const json::value& v) {
  const std::string text = json::serialize(v);
  for (auto _ : state) benchmark::DoNotOptimize(model::parse_json(text));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK_CAPTURE(serialize_text, spec, json::value(model::to_json(bench::sample_spec())));
BENCHMARK_CAPTURE(serialize_text, process, json::value(model::to_json(bench::sample_process())));
BENCHMARK_CAPTURE(parse_text, spec, json::value(model::to_json(bench::sample_spec())));
BENCHMARK_CAPTURE(parse_text, process, json::value(model::to_json(bench::sample_process())));

std::string submit_request() {
  return protocol::build_request(msg::kSubmitFunctionSpec, json::object{{"spec", model::to_json(bench::sample_spec())}},
                                 FixedSigner{}, std::string(32, '0'), 1'789'948'800);
}

// Base64 alone, on the payload of a submit request.
void BM_Base64DecodePayload(benchmark::State& state) {
  const auto envelope = protocol::decode_envelope(submit_request());
  for (auto _ : state) benchmark::DoNotOptimize(protocol::base64_decode(envelope->payload));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * envelope->payload.size());
}
BENCHMARK(BM_Base64DecodePayload);

// What the server does with a submit body before the signature check and the broker: envelope
// JSON, base64, payload JSON with its msgtype check (bytes/s of the whole body).
void BM_DecodeRequest(benchmark::State& state) {
  const std::string body = submit_request();
  for (auto _ : state) {
    auto envelope = protocol::decode_envelope(body);
    benchmark::DoNotOptimize(protocol::decode_payload(*envelope));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * body.size());
  state.counters["body_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_DecodeRequest);

// The same, then the spec out of the payload: the whole decode of a submit.
void BM_DecodeSubmitRequestWithSpec(benchmark::State& state) {
  const std::string body = submit_request();
  for (auto _ : state) {
    auto envelope = protocol::decode_envelope(body);
    auto payload = protocol::decode_payload(*envelope);
    benchmark::DoNotOptimize(model::function_spec_from_json(payload->at("spec"), "spec"));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK(BM_DecodeSubmitRequestWithSpec);

// The reply to a submit or an assign: the process (already a JSON value, as the broker builds it)
// serialized, base64-encoded and wrapped.
void BM_EncodeReply(benchmark::State& state) {
  const json::value payload = model::to_json(bench::sample_process());
  std::size_t size = 0;
  for (auto _ : state) {
    std::string reply = protocol::encode_reply(msg::kAssignProcess, payload);
    size = reply.size();
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * size);
  state.counters["reply_bytes"] = static_cast<double>(size);
}
BENCHMARK(BM_EncodeReply);

// The reply including the process's to_json, as admit/assign pay it.
void BM_EncodeReplyWithToJson(benchmark::State& state) {
  const auto process = bench::sample_process();
  for (auto _ : state) {
    benchmark::DoNotOptimize(protocol::encode_reply(msg::kAssignProcess, model::to_json(process)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeReplyWithToJson);

}  // namespace

BENCHMARK_MAIN();
