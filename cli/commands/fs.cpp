// `colonies fs sync|ls|info|get|remove|gc|label ls` and `colonies snapshot create|ls|get|download|
// remove|removeall`: ColonyFS from the command line. Metadata goes through the server; bytes go
// straight between this machine and the storage directory (--fs-dir / COLONIES_FS_DIR), which is
// typically a file system shared with the executors. See docs/files.md.
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "adapters/blob/directory_blob_store.hpp"
#include "cli/commands/commands.hpp"
#include "cli/table.hpp"
#include "client/file_sync.hpp"

namespace colonies::cli {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct FsOptions {
  std::string fs_dir;  // --fs-dir, else COLONIES_FS_DIR
  std::string label;
  std::string name;
  std::string fileid;
  std::string snapshotid;
  std::string dir;
  bool dry = false;
  bool keeplocal = false;
  bool recursive = false;
  bool exact = false;
  std::int64_t grace_s = 3600;
};

// The colony's blob store under the configured root, or a usage error saying how to configure it.
Result<std::unique_ptr<blob::DirectoryBlobStore>> open_blobs(const FsOptions& o, const std::string& colony) {
  std::string root = o.fs_dir.empty() ? env_or_empty("COLONIES_FS_DIR") : o.fs_dir;
  if (root.empty()) {
    return fail(ErrorCode::BadRequest,
                "file storage is not configured: set COLONIES_FS_DIR or pass --fs-dir (a directory shared with the "
                "executors, where file contents are kept)");
  }
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_directory(root, ec)) {
    return fail(ErrorCode::BadRequest, "file storage directory {} is not a directory (COLONIES_FS_DIR / --fs-dir)", root);
  }
  auto opened = blob::DirectoryBlobStore::open(blob::DirectoryBlobStore::colony_root(root, colony));
  if (!opened) return fail(ErrorCode::BadRequest, "file storage directory: {}", opened.error().message);
  return opened;
}

// Runs fn(client, colony, blobs, sync) with the file storage opened.
template <class Fn>
int with_files(CommandContext& ctx, const FsOptions& o, Fn&& fn) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto blobs = open_blobs(o, colony);
    if (!blobs) return ctx.usage(blobs.error());
    client::FileSync sync(c, **blobs, colony);
    return fn(c, colony, **blobs, sync);
  });
}

std::string human_size(std::int64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
  if (n < 1024LL * 1024 * 1024) return fmt::format("{:.1f} MiB", n / (1024.0 * 1024));
  return fmt::format("{:.1f} GiB", n / (1024.0 * 1024 * 1024));
}

json::object plan_json(const client::SyncPlan& plan, bool executed) {
  auto items = [](const std::vector<client::SyncItem>& list) {
    json::array a;
    for (const auto& i : list) {
      a.push_back(json::object{{"path", i.path}, {"label", i.label}, {"name", i.name}, {"size", i.size},
                               {"localchecksum", i.local_checksum}, {"remotechecksum", i.remote_checksum}});
    }
    return a;
  };
  return {{"label", plan.label},           {"dir", plan.dir.string()},         {"keeplocal", plan.keeplocal},
          {"upload", items(plan.upload)},  {"download", items(plan.download)}, {"conflicts", items(plan.conflicts)},
          {"unchanged", plan.unchanged},   {"executed", executed}};
}

int sync(CommandContext& ctx, const FsOptions& o) {
  return with_files(ctx, o, [&](client::Client& c, const std::string&, ports::BlobStore&, client::FileSync& s) {
    auto plan = s.plan(o.label, o.dir, o.keeplocal);
    if (!plan) return ctx.report(plan.error(), c);
    if (!o.dry && !plan->in_sync()) {
      auto done = s.execute(*plan);
      if (!done) return ctx.report(done.error(), c);
    }
    if (ctx.settings.json) return ctx.print_json(plan_json(*plan, !o.dry));
    std::string text;
    for (const auto& line : client::describe(*plan)) text += (o.dry ? "would " : "") + line + "\n";
    if (plan->in_sync()) {
      text += fmt::format("{} and {} are in sync ({} files)\n", o.dir, plan->label, plan->unchanged);
    } else {
      text += fmt::format("{}{} uploads, {} downloads, {} conflicts, {} unchanged\n", o.dry ? "dry run: " : "",
                          plan->upload.size(), plan->download.size(), plan->conflicts.size(), plan->unchanged);
    }
    return ctx.print(text);
  });
}

int list(CommandContext& ctx, const FsOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto files = c.get_files(colony, o.label, o.recursive);
    if (!files) return ctx.report(files.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *files);
    if (files->empty()) return ctx.print(fmt::format("no files under label {}\n", o.label));
    Table table({"LABEL", "NAME", "SIZE", "SEQ", "ADDED", "CHECKSUM"});
    for (const auto& f : *files) {
      table.add_row({f.label, f.name, human_size(f.size), std::to_string(f.sequencenr), model::format_time(f.added),
                     f.checksum.substr(0, 12)});
    }
    return ctx.print(table.render());
  });
}

int info(CommandContext& ctx, const FsOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto revisions = c.get_file_revisions(colony, o.label, o.name);
    if (!revisions) return ctx.report(revisions.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *revisions);
    Table table({"FILEID", "SEQ", "SIZE", "ADDED", "CHECKSUM"});
    for (const auto& f : *revisions) {
      table.add_row({f.fileid, std::to_string(f.sequencenr), human_size(f.size), model::format_time(f.added), f.checksum});
    }
    return ctx.print(table.render());
  });
}

int get(CommandContext& ctx, const FsOptions& o) {
  if (o.fileid.empty() == (o.label.empty() || o.name.empty())) {
    return ctx.usage("give --fileid, or --label and --name");
  }
  return with_files(ctx, o, [&](client::Client& c, const std::string& colony, ports::BlobStore&, client::FileSync& s) {
    model::File file;
    if (!o.fileid.empty()) {
      auto f = c.get_file(colony, o.fileid);
      if (!f) return ctx.report(f.error(), c);
      file = std::move(*f);
    } else {
      auto latest = c.get_file_revisions(colony, o.label, o.name, /*latest=*/true);
      if (!latest) return ctx.report(latest.error(), c);
      if (latest->empty()) return ctx.report(Error{ErrorCode::NotFound, "no such file"}, c);
      file = std::move(latest->front());
    }
    const fs::path dest = fs::path(o.dir) / file.name;
    if (auto got = s.download(file, dest); !got) return ctx.report(got.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(file));
    return ctx.print(fmt::format("{}/{} ({}) written to {}\n", file.label, file.name, human_size(file.size), dest.string()));
  });
}

int remove(CommandContext& ctx, const FsOptions& o) {
  if (o.fileid.empty() == (o.label.empty() || o.name.empty())) {
    return ctx.usage("give --fileid, or --label and --name");
  }
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto removed = o.fileid.empty() ? c.remove_file_revisions(colony, o.label, o.name) : c.remove_file(colony, o.fileid);
    if (!removed) return ctx.report(removed.error(), c);
    if (ctx.settings.json) return ctx.print_json(json::object{{"revisions", *removed}});
    return ctx.print(fmt::format("{} revision(s) removed; their bytes stay until `colonies fs gc`\n", *removed));
  });
}

int labels(CommandContext& ctx, const FsOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto labels = c.get_file_labels(colony, o.label, o.exact);
    if (!labels) return ctx.report(labels.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *labels);
    if (labels->empty()) return ctx.print(fmt::format("no labels with files in colony {}\n", colony));
    Table table({"LABEL", "FILES"});
    for (const auto& l : *labels) table.add_row({l.name, std::to_string(l.files)});
    return ctx.print(table.render());
  });
}

// Removes blobs that no file revision or snapshot of the colony references and that were not
// written within the grace period (an upload stores its bytes before it adds the metadata).
int gc(CommandContext& ctx, const FsOptions& o) {
  return with_files(ctx, o, [&](client::Client& c, const std::string& colony, ports::BlobStore& blobs, client::FileSync&) {
    // Metadata first, then the blobs: a blob written after the listing is protected by the grace.
    auto files = c.get_files(colony, "/", /*recursive=*/true, /*all_revisions=*/true);
    if (!files) return ctx.report(files.error(), c);
    auto snapshots = c.get_snapshots(colony);
    if (!snapshots) return ctx.report(snapshots.error(), c);
    std::set<std::string> referenced;
    for (const auto& f : *files) referenced.insert(f.ref.object);
    for (const auto& s : *snapshots) {
      for (const auto& f : s.files) referenced.insert(f.ref.object);
    }
    auto stored = blobs.list();
    if (!stored) return ctx.report(stored.error(), c);
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    std::int64_t removed = 0, bytes = 0, kept_recent = 0;
    for (const auto& b : *stored) {
      if (referenced.contains(b.key)) continue;
      if (now_s - b.modified_unix_s < o.grace_s) {
        ++kept_recent;
        continue;
      }
      if (!o.dry) {
        if (auto r = blobs.remove(b.key); !r) return ctx.report(r.error(), c);
      }
      ++removed;
      bytes += b.size;
    }
    if (ctx.settings.json) {
      return ctx.print_json(json::object{{"removed", removed}, {"bytes", bytes}, {"keptrecent", kept_recent},
                                         {"referenced", static_cast<std::int64_t>(referenced.size())}, {"dry", o.dry}});
    }
    return ctx.print(fmt::format("{}{} unreferenced blob(s), {} freed; {} newer than the grace period kept\n",
                                 o.dry ? "would remove " : "removed ", removed, human_size(bytes), kept_recent));
  });
}

int snapshot_create(CommandContext& ctx, const FsOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto s = c.create_snapshot(colony, o.label, o.name);
    if (!s) return ctx.report(s.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*s));
    return ctx.print(fmt::format("snapshot {} ({}) of {} with {} files\n", s->name, s->snapshotid, s->label,
                                 s->fileids.size()));
  });
}

Result<model::Snapshot> find_snapshot(client::Client& c, const std::string& colony, const FsOptions& o) {
  if (o.snapshotid.empty() == o.name.empty()) return fail(ErrorCode::BadRequest, "give --name or --snapshotid");
  return o.snapshotid.empty() ? c.get_snapshot_by_name(colony, o.name) : c.get_snapshot(colony, o.snapshotid);
}

int snapshot_list(CommandContext& ctx) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto snapshots = c.get_snapshots(colony);
    if (!snapshots) return ctx.report(snapshots.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *snapshots);
    if (snapshots->empty()) return ctx.print(fmt::format("no snapshots in colony {}\n", colony));
    Table table({"NAME", "SNAPSHOTID", "LABEL", "FILES", "ADDED"});
    for (const auto& s : *snapshots) {
      table.add_row({s.name, s.snapshotid, s.label, std::to_string(s.fileids.size()), model::format_time(s.added)});
    }
    return ctx.print(table.render());
  });
}

int snapshot_get(CommandContext& ctx, const FsOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto s = find_snapshot(c, colony, o);
    if (!s) return s.error().code == ErrorCode::BadRequest && c.last_reply_status() == 0 ? ctx.usage(s.error())
                                                                                         : ctx.report(s.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*s));
    KeyValues kv;
    kv.add("name", s->name);
    kv.add("snapshotid", s->snapshotid);
    kv.add("label", s->label);
    kv.add("added", model::format_time(s->added));
    std::string text = kv.render() + "\n";
    Table table({"PATH", "SIZE", "FILEID"});
    for (const auto& f : s->files) {
      table.add_row({client::path_under(s->label, f), human_size(f.size), f.fileid});
    }
    return ctx.print(text + table.render());
  });
}

int snapshot_download(CommandContext& ctx, const FsOptions& o) {
  return with_files(ctx, o, [&](client::Client& c, const std::string& colony, ports::BlobStore&, client::FileSync& sync) {
    auto s = find_snapshot(c, colony, o);
    if (!s) return ctx.report(s.error(), c);
    auto n = sync.download_snapshot(*s, o.dir);
    if (!n) return ctx.report(n.error(), c);
    if (ctx.settings.json) return ctx.print_json(json::object{{"snapshotid", s->snapshotid}, {"files", *n}, {"dir", o.dir}});
    return ctx.print(fmt::format("snapshot {}: {} files written to {}\n", s->name, *n, o.dir));
  });
}

int snapshot_remove(CommandContext& ctx, const FsOptions& o) {
  if (o.snapshotid.empty() == o.name.empty()) return ctx.usage("give --name or --snapshotid");
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto removed = o.snapshotid.empty() ? c.remove_snapshot_by_name(colony, o.name) : c.remove_snapshot(colony, o.snapshotid);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("snapshot {} removed", o.snapshotid.empty() ? o.name : o.snapshotid));
  });
}

int snapshot_remove_all(CommandContext& ctx) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto removed = c.remove_all_snapshots(colony);
    if (!removed) return ctx.report(removed.error(), c);
    if (ctx.settings.json) return ctx.print_json(json::object{{"removed", *removed}});
    return ctx.print(fmt::format("{} snapshot(s) removed from colony {}\n", *removed, colony));
  });
}

void add_fs_dir(CLI::App* cmd, FsOptions& o) {
  cmd->add_option("--fs-dir", o.fs_dir, "file storage directory (default: $COLONIES_FS_DIR)");
}

}  // namespace

void add_fs_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "fs", "Files: sync directories with labels, list, get and remove files");
  auto o = std::make_shared<FsOptions>();

  CLI::App* sync_cmd = group->add_subcommand("sync", "Sync a local directory with a label (both ways)");
  sync_cmd->add_option("-l,--label", o->label, "label, e.g. /data/run1")->required();
  sync_cmd->add_option("-d,--dir", o->dir, "local directory")->required();
  sync_cmd->add_flag("--dry", o->dry, "print the plan, change nothing");
  sync_cmd->add_flag("--keeplocal", o->keeplocal, "on conflicts upload the local file (default: download the remote one)");
  add_fs_dir(sync_cmd, *o);
  on_run(sync_cmd, ctx, [&ctx, o] { return sync(ctx, *o); });

  CLI::App* ls_cmd = group->add_subcommand("ls", "List the latest revision of the files under a label");
  ls_cmd->add_option("-l,--label", o->label, "label")->required();
  ls_cmd->add_flag("-r,--recursive", o->recursive, "include sub-labels");
  on_run(ls_cmd, ctx, [&ctx, o] { return list(ctx, *o); });

  CLI::App* info_cmd = group->add_subcommand("info", "Every revision of one file, newest first");
  info_cmd->add_option("-l,--label", o->label, "label")->required();
  info_cmd->add_option("-n,--name", o->name, "file name")->required();
  on_run(info_cmd, ctx, [&ctx, o] { return info(ctx, *o); });

  CLI::App* get_cmd = group->add_subcommand("get", "Download a file (its latest revision, or --fileid)");
  get_cmd->add_option("-l,--label", o->label, "label");
  get_cmd->add_option("-n,--name", o->name, "file name");
  get_cmd->add_option("--fileid", o->fileid, "a specific revision");
  get_cmd->add_option("-d,--dir", o->dir, "directory to write it to")->required();
  add_fs_dir(get_cmd, *o);
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove every revision of a file (or one, with --fileid)");
  remove_cmd->add_option("-l,--label", o->label, "label");
  remove_cmd->add_option("-n,--name", o->name, "file name");
  remove_cmd->add_option("--fileid", o->fileid, "one revision");
  on_run(remove_cmd, ctx, [&ctx, o] { return remove(ctx, *o); });

  CLI::App* gc_cmd = group->add_subcommand("gc", "Delete stored bytes no file or snapshot of the colony uses");
  gc_cmd->add_option("--grace", o->grace_s, "keep unreferenced blobs younger than this many seconds")->capture_default_str();
  gc_cmd->add_flag("--dry", o->dry, "only count what would be removed");
  add_fs_dir(gc_cmd, *o);
  on_run(gc_cmd, ctx, [&ctx, o] { return gc(ctx, *o); });

  CLI::App* label = add_group(*group, "label", "Labels that hold files");
  CLI::App* label_ls = label->add_subcommand("ls", "List labels with their number of files");
  label_ls->add_option("-l,--label", o->label, "only this label and those below it");
  label_ls->add_flag("--exact", o->exact, "only the label itself");
  on_run(label_ls, ctx, [&ctx, o] { return labels(ctx, *o); });
}

void add_snapshot_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "snapshot", "Snapshots: frozen sets of file revisions under a label");
  auto o = std::make_shared<FsOptions>();

  CLI::App* create = group->add_subcommand("create", "Freeze the latest files under a label and its sub-labels");
  create->add_option("-l,--label", o->label, "label")->required();
  create->add_option("-n,--name", o->name, "snapshot name, unique in the colony")->required();
  on_run(create, ctx, [&ctx, o] { return snapshot_create(ctx, *o); });

  on_run(group->add_subcommand("ls", "List the snapshots of the colony"), ctx, [&ctx] { return snapshot_list(ctx); });

  CLI::App* get_cmd = group->add_subcommand("get", "Show a snapshot and its files");
  get_cmd->add_option("-n,--name", o->name, "snapshot name");
  get_cmd->add_option("--snapshotid", o->snapshotid, "snapshot ID");
  on_run(get_cmd, ctx, [&ctx, o] { return snapshot_get(ctx, *o); });

  CLI::App* download = group->add_subcommand("download", "Write a snapshot's files into a directory");
  download->add_option("-n,--name", o->name, "snapshot name");
  download->add_option("--snapshotid", o->snapshotid, "snapshot ID");
  download->add_option("-d,--dir", o->dir, "directory")->required();
  add_fs_dir(download, *o);
  on_run(download, ctx, [&ctx, o] { return snapshot_download(ctx, *o); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a snapshot (its files stay)");
  remove_cmd->add_option("-n,--name", o->name, "snapshot name");
  remove_cmd->add_option("--snapshotid", o->snapshotid, "snapshot ID");
  on_run(remove_cmd, ctx, [&ctx, o] { return snapshot_remove(ctx, *o); });

  on_run(group->add_subcommand("removeall", "Remove every snapshot of the colony"), ctx,
         [&ctx] { return snapshot_remove_all(ctx); });
}

}  // namespace colonies::cli
