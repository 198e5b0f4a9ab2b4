// The command groups of `colonies` (one file each) and the small glue they share. Each
// add_*_commands registers a group's subcommands on the root app; running them goes through
// CommandContext::action so parsing finishes before anything is sent.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "core/model/entities.hpp"
#include "core/model/executor.hpp"
#include "core/model/process.hpp"

namespace colonies::cli {

void add_security_commands(CLI::App& app, CommandContext& ctx);
void add_server_commands(CLI::App& app, CommandContext& ctx);
void add_cluster_commands(CLI::App& app, CommandContext& ctx);
void add_colony_commands(CLI::App& app, CommandContext& ctx);
void add_user_commands(CLI::App& app, CommandContext& ctx);
void add_executor_commands(CLI::App& app, CommandContext& ctx);
void add_function_commands(CLI::App& app, CommandContext& ctx);
void add_process_commands(CLI::App& app, CommandContext& ctx);
void add_log_commands(CLI::App& app, CommandContext& ctx);
void add_attribute_commands(CLI::App& app, CommandContext& ctx);
void add_location_commands(CLI::App& app, CommandContext& ctx);
void add_channel_commands(CLI::App& app, CommandContext& ctx);
void add_fs_commands(CLI::App& app, CommandContext& ctx);
void add_snapshot_commands(CLI::App& app, CommandContext& ctx);
void add_trigger_commands(CLI::App& app, CommandContext& ctx);  // cron, generator
void add_workflow_commands(CLI::App& app, CommandContext& ctx);
void add_export_commands(CLI::App& app, CommandContext& ctx);
void add_audit_commands(CLI::App& app, CommandContext& ctx);

// Makes `command` run `run` once the whole command line has parsed.
inline void on_run(CLI::App* command, CommandContext& ctx, std::function<int()> run) {
  command->callback([&ctx, run = std::move(run)] { ctx.action = run; });
}

// A group ("process", "colony", ...) that needs one of its subcommands.
inline CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& description) {
  CLI::App* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

// Connects as `role` and runs fn(client); a missing or bad key is a usage error.
template <class Fn>
int with_client(CommandContext& ctx, KeyRole role, Fn&& fn) {
  auto client = ctx.client(role);
  if (!client) return ctx.usage(client.error());
  return fn(*client);
}

// The same for commands that work in a colony: fn(client, colonyname).
template <class Fn>
int with_colony_client(CommandContext& ctx, KeyRole role, Fn&& fn) {
  auto colony = ctx.colonyname();
  if (!colony) return ctx.usage(colony.error());
  auto client = ctx.client(role);
  if (!client) return ctx.usage(client.error());
  return fn(*client, *colony);
}

// A --state word (waiting, running, successful, failed, cancelled) as a process state; "" is no
// filter. BadRequest names the word and the choices.
inline Result<std::optional<model::ProcessState>> parse_state(const std::string& word) {
  if (word.empty()) return std::optional<model::ProcessState>{};
  const std::pair<const char*, model::ProcessState> words[] = {
      {"waiting", model::ProcessState::Waiting}, {"running", model::ProcessState::Running},
      {"successful", model::ProcessState::Success}, {"failed", model::ProcessState::Failed},
      {"cancelled", model::ProcessState::Cancelled}};
  for (const auto& [name, state] : words) {
    if (word == name) return std::optional<model::ProcessState>{state};
  }
  return fail(ErrorCode::BadRequest, "--state '{}' is not one of waiting, running, successful, failed, cancelled",
              word);
}

// Prints a list as a JSON array of to_json(item).
template <class T>
int print_json_list(CommandContext& ctx, const std::vector<T>& items) {
  boost::json::array array;
  array.reserve(items.size());
  for (const auto& item : items) array.push_back(model::to_json(item));
  return ctx.print_json(array);
}

// Prints the confirmation of a command that returns nothing: {} with --json, `text` otherwise.
inline int print_done(CommandContext& ctx, const std::string& text) {
  if (ctx.settings.json) return ctx.print_json(boost::json::object{});
  return ctx.print(text + "\n");
}

}  // namespace colonies::cli
