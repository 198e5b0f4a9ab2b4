// Renderings of processes, executors, statistics and logs for people.
#include "cli/commands/render.hpp"

#include <fmt/format.h>

#include "cli/table.hpp"

namespace colonies::cli {

namespace {

constexpr std::size_t kArgsWidth = 30;

// The time that matters for a process in its state: when it ended, started or was submitted.
std::pair<std::string, model::TimeNs> relevant_time(const model::Process& p) {
  if (model::is_final(p.state)) return {"ENDED", p.endtime};
  if (p.state == model::ProcessState::Running) return {"STARTED", p.starttime};
  return {"SUBMITTED", p.submissiontime};
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

}  // namespace

std::string render_process_table(const std::vector<model::Process>& processes, model::TimeNs now) {
  std::string time_header = processes.empty() ? "TIME" : relevant_time(processes.front()).first;
  Table table({"PROCESSID", "FUNCNAME", "ARGS", "STATE", "EXECUTORTYPE", time_header, "INITIATOR"});
  for (const auto& p : processes) {
    table.add_row({p.processid, p.spec.funcname, truncate(plain_list(p.spec.args), kArgsWidth), state_word(p.state),
                   p.spec.conditions.executortype, short_time(relevant_time(p).second, now), p.initiatorname});
  }
  return table.render();
}

std::string render_process(const model::Process& p) {
  KeyValues kv;
  kv.add("processid", p.processid);
  kv.add("state", state_word(p.state));
  kv.add("funcname", p.spec.funcname);
  kv.add("args", plain_list(p.spec.args));
  if (!p.spec.kwargs.empty()) kv.add("kwargs", boost::json::serialize(p.spec.kwargs));
  kv.add("colony", p.spec.conditions.colonyname);
  kv.add("executortype", p.spec.conditions.executortype);
  if (!p.spec.conditions.executornames.empty()) kv.add("executornames", join(p.spec.conditions.executornames, ", "));
  if (!p.spec.conditions.locationname.empty()) kv.add("location", p.spec.conditions.locationname);
  if (!p.spec.conditions.fallback.empty()) {
    std::vector<std::string> fallbacks;
    for (const auto& f : p.spec.conditions.fallback) {
      std::string text = fmt::format("{} after {} s", f.executortype, f.after);
      if (f.locationname) text += f.locationname->empty() ? " (anywhere)" : fmt::format(" at {}", *f.locationname);
      fallbacks.push_back(std::move(text));
    }
    kv.add("fallback", join(fallbacks, ", "));
  }
  if (!p.spec.label.empty()) kv.add("label", p.spec.label);
  kv.add("priority", std::to_string(p.spec.priority));
  kv.add("initiator", p.initiatorname.empty() ? p.initiatorid : p.initiatorname);
  kv.add("assignedexecutorid", p.assignedexecutorid.empty() ? "-" : p.assignedexecutorid);
  kv.add("submitted", local_time(p.submissiontime));
  kv.add("started", local_time(p.starttime));
  kv.add("ended", local_time(p.endtime));
  kv.add("retries", fmt::format("{} (max {})", p.retries, p.spec.maxretries));
  if (!p.processgraphid.empty()) kv.add("workflow", p.processgraphid);
  if (!p.waitreason.empty()) kv.add("waiting because", p.waitreason);
  if (!p.out.empty()) kv.add("output", plain_list(p.out));
  if (!p.errors.empty()) kv.add("errors", join(p.errors, "; "));
  for (const auto& a : p.attributes) kv.add(fmt::format("attribute {}", a.key), a.value);
  return kv.render();
}

std::string render_statistics(const model::Statistics& s) {
  Table table({"", "WAITING", "RUNNING", "SUCCESSFUL", "FAILED", "CANCELLED"});
  table.add_row({"processes", std::to_string(s.waitingprocesses), std::to_string(s.runningprocesses),
                 std::to_string(s.successfulprocesses), std::to_string(s.failedprocesses),
                 std::to_string(s.cancelledprocesses)});
  table.add_row({"workflows", std::to_string(s.waitingworkflows), std::to_string(s.runningworkflows),
                 std::to_string(s.successfulworkflows), std::to_string(s.failedworkflows),
                 std::to_string(s.cancelledworkflows)});
  KeyValues kv;
  kv.add("colonies", std::to_string(s.colonies));
  kv.add("executors", fmt::format("{} ({} active, {} unregistered)", s.executors, s.activeexecutors,
                                  s.unregisteredexecutors));
  return kv.render() + "\n" + table.render();
}

std::string render_executor(const model::Executor& e) {
  KeyValues kv;
  kv.add("name", e.executorname);
  kv.add("executorid", e.executorid);
  kv.add("type", e.executortype);
  kv.add("colony", e.colonyname);
  kv.add("state", state_word(e.state));
  kv.add("location", e.locationname.empty() ? "-" : e.locationname);
  kv.add("commissioned", local_time(e.commissiontime));
  kv.add("last heard from", local_time(e.lastheardfromtime));
  for (std::size_t i = 0; i < e.capabilities.hardware.size(); ++i) {
    const auto& h = e.capabilities.hardware[i];
    kv.add(fmt::format("hardware {}", i),
           fmt::format("{} nodes={} cpu={} mem={} gpu={}x{}", h.model.empty() ? "-" : h.model, h.nodes,
                       h.cpu.empty() ? "-" : h.cpu, h.mem.empty() ? "-" : h.mem, h.gpu.count,
                       h.gpu.name.empty() ? "-" : h.gpu.name));
  }
  for (const auto& s : e.capabilities.software) kv.add("software", fmt::format("{} {} {}", s.name, s.type, s.version));
  return kv.render();
}

std::string render_logs(const std::vector<model::Log>& logs) {
  std::string text;
  for (const auto& log : logs) {
    text += log.message;
    if (text.empty() || text.back() != '\n') text += '\n';
  }
  return text;
}

}  // namespace colonies::cli
