// Human renderings of model entities shared by several command groups (processes appear under
// `process`, `function` and `log`; statistics under `server` and `colony`). Text only; the
// --json path prints the entities' JSON instead.
#pragma once

#include <string>
#include <vector>

#include "core/model/entities.hpp"
#include "core/model/executor.hpp"
#include "core/model/process.hpp"

namespace colonies::cli {

std::string render_process_table(const std::vector<model::Process>& processes, model::TimeNs now);
std::string render_process(const model::Process& process);
std::string render_statistics(const model::Statistics& statistics);
std::string render_executor(const model::Executor& executor);
std::string render_logs(const std::vector<model::Log>& logs);

}  // namespace colonies::cli
