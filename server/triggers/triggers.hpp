// The leader's triggers: every cron and generator of the server, in memory, with the queue of
// arguments packed into each generator. The broker owns one Triggers under its lock, changes it
// with the same requests that write the changes to the store, and asks it each checker period
// which crons are due and which generator queues are ready to release.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/model/trigger.hpp"

namespace colonies::server::triggers {

// What a generator with `queue` (oldest first) releases at `now`: the number of args of each
// workflow to start, taken from the front of the queue in order. Full batches of `trigger` args
// first; then, when `timeout` > 0 and the oldest remaining arg has waited at least `timeout`
// seconds, one workflow with all remaining args. Pure, so the rule is tested on its own.
std::vector<int> generator_releases(const model::Generator& g, const std::deque<model::GeneratorArg>& queue,
                                    model::TimeNs now);

class Triggers {
 public:
  // --- crons ---
  const model::Cron* cron(const std::string& cronid) const;
  model::Cron* cron(const std::string& cronid);
  const model::Cron* cron_by_name(const std::string& colony, const std::string& name) const;
  std::vector<const model::Cron*> crons(const std::string& colony) const;  // by name
  // Inserts or replaces in place (pointers to the entry stay valid); keeps the due index in step
  // with `nextrun`.
  void put_cron(model::Cron cron);
  void remove_cron(const std::string& cronid);
  // Crons whose nextrun is set and <= now, earliest first.
  std::vector<std::string> due_crons(model::TimeNs now) const;

  // --- generators ---
  const model::Generator* generator(const std::string& generatorid) const;
  model::Generator* generator(const std::string& generatorid);
  const model::Generator* generator_by_name(const std::string& colony, const std::string& name) const;
  std::vector<const model::Generator*> generators(const std::string& colony) const;  // by name
  std::vector<const model::Generator*> all_generators() const;
  void put_generator(model::Generator generator);
  void remove_generator(const std::string& generatorid);  // and its queue

  // Queues an arg (restored from the store at start, or packed now: see next_seq).
  void enqueue(model::GeneratorArg arg);
  // The seq the next packed arg of this generator gets (after every queued or consumed one).
  std::int64_t next_seq(const std::string& generatorid) const;
  const std::deque<model::GeneratorArg>& queue(const std::string& generatorid) const;
  // Removes and returns the `n` oldest args of the generator's queue.
  std::vector<model::GeneratorArg> take(const std::string& generatorid, std::size_t n);
  // Puts args taken by take() back at the front of the queue, in their order (a release that
  // could not start its workflow).
  void give_back(const std::string& generatorid, std::vector<model::GeneratorArg> args);
  // The crons whose last started graph is `processgraphid`.
  std::vector<model::Cron*> crons_started(const std::string& processgraphid);

  // Forgets every cron and generator of the colony.
  void remove_colony(const std::string& colony);

 private:
  using NameKey = std::pair<std::string, std::string>;  // (colony, name)
  std::map<std::string, model::Cron> crons_;
  std::map<NameKey, std::string> cron_names_;
  std::set<std::pair<model::TimeNs, std::string>> cron_due_;  // (nextrun, cronid) for nextrun > 0
  std::map<std::string, model::Generator> generators_;
  std::map<NameKey, std::string> generator_names_;
  std::map<std::string, std::deque<model::GeneratorArg>> queues_;
  std::map<std::string, std::int64_t> last_seq_;  // highest seq ever queued, per generator
};

}  // namespace colonies::server::triggers
