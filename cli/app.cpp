// Builds the command tree, parses, and runs the chosen command.
#include "cli/app.hpp"

#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "cli/context.hpp"

namespace colonies::cli {

namespace {

constexpr const char* kFooter = R"(Environment (flags win over variables):
  COLONIES_SERVER_HOST       server host (default 127.0.0.1)
  COLONIES_SERVER_HTTP_PORT  server port (default 50080; legacy COLONIES_SERVER_PORT)
  COLONIES_TLS               true to use HTTPS
  COLONIES_TLS_CA_FILE       CA certificate (PEM) to trust for TLS (--tls-ca-file)
  COLONIES_PRVKEY            your private key (executor or user)
  COLONIES_COLONY_PRVKEY     the colony owner's key, for owner commands
  COLONIES_SERVER_PRVKEY     the server owner's key, for server-owner commands
  COLONIES_*_PRVKEY_FILE     each of the three keys read from a file instead (mode 0600)
  COLONIES_COLONY_NAME       the colony to work in
  COLONIES_EXECUTOR_TYPE     default --targettype of `function exec`
  COLONIES_FS_DIR            file storage directory of `fs` and `snapshot` (docs/files.md)
Exit codes: 0 ok, 1 the operation failed, 2 usage or configuration error.)";

}  // namespace

int run(const std::vector<std::string>& args, CliEnvironment& env) {
  CommandContext ctx(env);
  CLI::App app("colonies: submit, run and inspect work on a Colonies server", "colonies");
  app.require_subcommand(1);
  app.fallthrough();  // global flags may come after the subcommand: `colonies process ps --json`
  app.footer(kFooter);
  app.set_version_flag("--version", "colonies " COLONIES_VERSION);  // project(... VERSION) in CMake
  ctx.settings.add_options(app);

  add_security_commands(app, ctx);
  add_server_commands(app, ctx);
  add_cluster_commands(app, ctx);
  add_colony_commands(app, ctx);
  add_user_commands(app, ctx);
  add_executor_commands(app, ctx);
  add_function_commands(app, ctx);
  add_process_commands(app, ctx);
  add_log_commands(app, ctx);
  add_attribute_commands(app, ctx);
  add_location_commands(app, ctx);
  add_channel_commands(app, ctx);
  add_fs_commands(app, ctx);
  add_snapshot_commands(app, ctx);
  add_trigger_commands(app, ctx);
  add_workflow_commands(app, ctx);
  add_export_commands(app, ctx);
  add_audit_commands(app, ctx);

  try {
    // CLI11 wants the arguments in reverse order when given as a vector.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    *env.out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    *env.out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    *env.out << app.version() << '\n';
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    *env.err << e.what() << "\nRun with --help for usage.\n";
    return kExitUsage;
  }
  if (!ctx.action) {
    *env.err << "no command given; run with --help for usage\n";
    return kExitUsage;
  }
  return ctx.action();
}

}  // namespace colonies::cli
