// SequentialIds: an IdGenerator that yields readable, repeatable IDs (64 lowercase hex, the
// counter in the last digits, after an optional fixed prefix). Thread-safe. Not random: never
// use it where IDs must be unguessable.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "core/ports/id_generator.hpp"

namespace colonies::testing {

class SequentialIds final : public ports::IdGenerator {
 public:
  // `prefix` (lowercase hex, at most 48 characters) tells apart the IDs of two generators.
  explicit SequentialIds(std::string prefix = "") : prefix_(std::move(prefix)) {}

  std::string new_id() override {
    const std::uint64_t n = ++next_;
    std::string id = prefix_;
    id += fmt::format("{:0>{}x}", n, 64 - prefix_.size());
    return id;
  }
  std::uint64_t issued() const { return next_.load(); }

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> next_{0};
};

}  // namespace colonies::testing
