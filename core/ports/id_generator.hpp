// IdGenerator port: IDs for processes, locations, functions, attributes. The real one is random
// (64 hex characters); tests inject a sequential one for readable, repeatable IDs.
#pragma once

#include <string>

namespace colonies::ports {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A fresh 64-lowercase-hex ID. Thread-safe, never blocks.
  virtual std::string new_id() = 0;
};

}  // namespace colonies::ports
