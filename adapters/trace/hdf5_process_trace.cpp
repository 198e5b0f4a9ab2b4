// The HDF5 C API behind Hdf5ProcessTrace. The table is one extendible, chunked dataset of a
// compound type; ids are fixed 64-byte strings, names variable-length UTF-8 strings, the state an
// HDF5 enum, so h5py/pandas show names instead of numbers.
#include "adapters/trace/hdf5_process_trace.hpp"

#include <hdf5.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace colonies::trace {

namespace {

constexpr std::size_t kIdSize = 64;
constexpr hsize_t kChunkRows = 4096;
constexpr const char* kTable = "processes";

// One row in memory, in the layout the compound type describes.
struct RowMem {
  char processid[kIdSize];
  char executorid[kIdSize];
  char* colonyname;
  char* funcname;
  char* executortype;
  char* executorname;
  char* initiatorname;
  char* processgraphid;
  std::int8_t state;
  std::int32_t priority;
  std::int32_t retries;
  std::int64_t submitted_ns;
  std::int64_t started_ns;
  std::int64_t ended_ns;
};

// Closes an HDF5 handle with the function for its kind.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and reports whether HDF5 accepted the close (a file's close flushes).
  bool close() {
    if (!valid()) return true;
    const bool ok = closer_(std::exchange(id_, H5I_INVALID_HID)) >= 0;
    return ok;
  }

 private:
  void reset() {
    if (valid()) closer_(std::exchange(id_, H5I_INVALID_HID));
  }
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

void quiet_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// The innermost message of HDF5's error stack (the most specific reason), then clears it.
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "unknown HDF5 error" : reason;
}

std::unexpected<Error> hdf5_fail(ErrorCode code, const std::string& what, const std::string& path) {
  return fail(code, "{} {}: {}", what, path, hdf5_reason());
}

Handle string_type(std::size_t size) {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), size);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  if (size != H5T_VARIABLE) H5Tset_strpad(t.get(), H5T_STR_NULLPAD);
  return t;
}

Handle state_type() {
  Handle t(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
  for (auto s : {model::ProcessState::Waiting, model::ProcessState::Running, model::ProcessState::Success,
                 model::ProcessState::Failed, model::ProcessState::Cancelled}) {
    const auto v = static_cast<std::int8_t>(s);
    std::string name(model::to_string(s));
    H5Tenum_insert(t.get(), name.c_str(), &v);
  }
  return t;
}

// The compound type of RowMem, used in memory and in the file.
Handle row_type() {
  Handle t(H5Tcreate(H5T_COMPOUND, sizeof(RowMem)), H5Tclose);
  Handle id = string_type(kIdSize), text = string_type(H5T_VARIABLE), state = state_type();
  H5Tinsert(t.get(), "processid", HOFFSET(RowMem, processid), id.get());
  H5Tinsert(t.get(), "colonyname", HOFFSET(RowMem, colonyname), text.get());
  H5Tinsert(t.get(), "funcname", HOFFSET(RowMem, funcname), text.get());
  H5Tinsert(t.get(), "executortype", HOFFSET(RowMem, executortype), text.get());
  H5Tinsert(t.get(), "executorid", HOFFSET(RowMem, executorid), id.get());
  H5Tinsert(t.get(), "executorname", HOFFSET(RowMem, executorname), text.get());
  H5Tinsert(t.get(), "initiatorname", HOFFSET(RowMem, initiatorname), text.get());
  H5Tinsert(t.get(), "processgraphid", HOFFSET(RowMem, processgraphid), text.get());
  H5Tinsert(t.get(), "state", HOFFSET(RowMem, state), state.get());
  H5Tinsert(t.get(), "priority", HOFFSET(RowMem, priority), H5T_NATIVE_INT32);
  H5Tinsert(t.get(), "retries", HOFFSET(RowMem, retries), H5T_NATIVE_INT32);
  H5Tinsert(t.get(), "submitted_ns", HOFFSET(RowMem, submitted_ns), H5T_NATIVE_INT64);
  H5Tinsert(t.get(), "started_ns", HOFFSET(RowMem, started_ns), H5T_NATIVE_INT64);
  H5Tinsert(t.get(), "ended_ns", HOFFSET(RowMem, ended_ns), H5T_NATIVE_INT64);
  return t;
}

void copy_id(char (&to)[kIdSize], const std::string& from) {
  std::memset(to, 0, kIdSize);
  std::memcpy(to, from.data(), std::min(from.size(), kIdSize));
}

std::string id_of(const char (&from)[kIdSize]) { return std::string(from, strnlen(from, kIdSize)); }

std::string text_of(const char* s) { return s ? std::string(s) : std::string(); }

bool write_string_attribute(hid_t file, const std::string& name, const std::string& value) {
  if (H5Aexists(file, name.c_str()) > 0 && H5Adelete(file, name.c_str()) < 0) return false;
  Handle type = string_type(H5T_VARIABLE);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return false;
  const char* data = value.c_str();
  return H5Awrite(attr.get(), type.get(), &data) >= 0;
}

}  // namespace

ExecutorNames executor_names(const std::vector<model::Executor>& executors) {
  ExecutorNames names;
  for (const auto& e : executors) names[e.executorid] = e.executorname;
  return names;
}

TraceRow row_of(const model::Process& p, const ExecutorNames& names) {
  TraceRow row;
  row.processid = p.processid;
  row.colonyname = p.spec.conditions.colonyname;
  row.funcname = p.spec.funcname;
  row.executortype = p.spec.conditions.executortype;
  row.executorid = p.assignedexecutorid;
  if (auto it = names.find(p.assignedexecutorid); it != names.end()) row.executorname = it->second;
  row.initiatorname = p.initiatorname;
  row.processgraphid = p.processgraphid;
  row.state = p.state;
  row.priority = p.spec.priority;
  row.retries = p.retries;
  row.submitted_ns = p.submissiontime;
  row.started_ns = p.starttime;
  row.ended_ns = p.endtime;
  return row;
}

struct Hdf5ProcessTrace::Handles {
  Handle file, type, dataset;
};

Hdf5ProcessTrace::Hdf5ProcessTrace(std::string path, std::unique_ptr<Handles> handles)
    : path_(std::move(path)), h_(std::move(handles)) {}

Hdf5ProcessTrace::~Hdf5ProcessTrace() = default;

Result<std::unique_ptr<Hdf5ProcessTrace>> Hdf5ProcessTrace::create(const std::string& path,
                                                                   const TraceAttributes& attributes) {
  quiet_hdf5();
  auto h = std::make_unique<Handles>();
  h->file = Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!h->file.valid()) return hdf5_fail(ErrorCode::BadRequest, "cannot create the HDF5 file", path);
  if (!write_string_attribute(h->file.get(), "schema", kSchema))
    return hdf5_fail(ErrorCode::Internal, "cannot write attributes to", path);
  for (const auto& [name, value] : attributes) {
    if (name == "schema") continue;
    if (!write_string_attribute(h->file.get(), name, value))
      return hdf5_fail(ErrorCode::Internal, "cannot write attribute '" + name + "' to", path);
  }
  h->type = row_type();
  const hsize_t start = 0, unlimited = H5S_UNLIMITED, chunk = kChunkRows;
  Handle space(H5Screate_simple(1, &start, &unlimited), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) H5Pset_deflate(dcpl.get(), 1);
  h->dataset = Handle(H5Dcreate2(h->file.get(), kTable, h->type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                      H5Dclose);
  if (!h->dataset.valid()) return hdf5_fail(ErrorCode::Internal, "cannot create the process table in", path);
  return std::unique_ptr<Hdf5ProcessTrace>(new Hdf5ProcessTrace(path, std::move(h)));
}

Status Hdf5ProcessTrace::append(std::span<const TraceRow> rows) {
  if (!h_->dataset.valid()) return fail(ErrorCode::Internal, "HDF5 trace {} is already closed", path_);
  if (rows.empty()) return ok();
  std::vector<RowMem> mem(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const TraceRow& r = rows[i];
    RowMem& m = mem[i];
    copy_id(m.processid, r.processid);
    copy_id(m.executorid, r.executorid);
    // HDF5 only reads these while writing; the pointers live as long as `rows`.
    m.colonyname = const_cast<char*>(r.colonyname.c_str());
    m.funcname = const_cast<char*>(r.funcname.c_str());
    m.executortype = const_cast<char*>(r.executortype.c_str());
    m.executorname = const_cast<char*>(r.executorname.c_str());
    m.initiatorname = const_cast<char*>(r.initiatorname.c_str());
    m.processgraphid = const_cast<char*>(r.processgraphid.c_str());
    m.state = static_cast<std::int8_t>(r.state);
    m.priority = r.priority;
    m.retries = r.retries;
    m.submitted_ns = r.submitted_ns;
    m.started_ns = r.started_ns;
    m.ended_ns = r.ended_ns;
  }
  const hsize_t offset = rows_, count = rows.size(), total = rows_ + rows.size();
  if (H5Dset_extent(h_->dataset.get(), &total) < 0) return hdf5_fail(ErrorCode::Internal, "cannot grow the table of", path_);
  Handle file_space(H5Dget_space(h_->dataset.get()), H5Sclose);
  Handle mem_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &offset, nullptr, &count, nullptr) < 0 ||
      H5Dwrite(h_->dataset.get(), h_->type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, mem.data()) < 0)
    return hdf5_fail(ErrorCode::Internal, "cannot write rows to", path_);
  rows_ = total;
  return ok();
}

Status Hdf5ProcessTrace::append(std::span<const model::Process> processes, const ExecutorNames& names) {
  std::vector<TraceRow> rows;
  rows.reserve(processes.size());
  for (const auto& p : processes) rows.push_back(row_of(p, names));
  return append(rows);
}

Status Hdf5ProcessTrace::set_attribute(const std::string& name, const std::string& value) {
  if (!h_->file.valid()) return fail(ErrorCode::Internal, "HDF5 trace {} is already closed", path_);
  if (name == "schema") return fail(ErrorCode::BadRequest, "the attribute 'schema' is the trace's own");
  if (!write_string_attribute(h_->file.get(), name, value))
    return hdf5_fail(ErrorCode::Internal, "cannot write attribute '" + name + "' to", path_);
  return ok();
}

Status Hdf5ProcessTrace::close() {
  if (!h_->file.valid()) return fail(ErrorCode::Internal, "HDF5 trace {} is already closed", path_);
  bool ok_close = h_->dataset.close();
  ok_close = h_->type.close() && ok_close;
  if (H5Fflush(h_->file.get(), H5F_SCOPE_GLOBAL) < 0) ok_close = false;
  ok_close = h_->file.close() && ok_close;
  if (!ok_close) return hdf5_fail(ErrorCode::Internal, "cannot close", path_);
  return ok();
}

Result<TraceFile> read_hdf5_trace(const std::string& path) {
  quiet_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail(ErrorCode::NotFound, "no such file: {}", path);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) return hdf5_fail(ErrorCode::BadRequest, "not an HDF5 file:", path);
  TraceFile out;
  // Every attribute, read as a variable-length string (the only kind this schema writes).
  struct Ctx {
    std::map<std::string, std::string>* attrs;
    bool ok = true;
  } ctx{&out.attributes};
  H5Aiterate2(
      file.get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr,
      [](hid_t loc, const char* name, const H5A_info_t*, void* data) -> herr_t {
        auto* c = static_cast<Ctx*>(data);
        Handle attr(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
        Handle type = string_type(H5T_VARIABLE);
        char* value = nullptr;
        if (!attr.valid() || H5Aread(attr.get(), type.get(), &value) < 0) {
          c->ok = false;
          return 0;
        }
        (*c->attrs)[name] = text_of(value);
        H5free_memory(value);
        return 0;
      },
      &ctx);
  auto schema = out.attributes.find("schema");
  if (!ctx.ok || schema == out.attributes.end() || schema->second != kSchema) {
    H5Eclear2(H5E_DEFAULT);
    return fail(ErrorCode::BadRequest, "{} is not a Colonies process trace (no schema attribute \"{}\")", path, kSchema);
  }
  Handle dataset(H5Dopen2(file.get(), kTable, H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) return hdf5_fail(ErrorCode::BadRequest, "no process table in", path);
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  if (n == 0) return out;
  Handle type = row_type();
  std::vector<RowMem> mem(n);
  if (H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, mem.data()) < 0)
    return hdf5_fail(ErrorCode::BadRequest, "cannot read the process table of", path);
  out.rows.reserve(n);
  for (const RowMem& m : mem) {
    TraceRow r;
    r.processid = id_of(m.processid);
    r.executorid = id_of(m.executorid);
    r.colonyname = text_of(m.colonyname);
    r.funcname = text_of(m.funcname);
    r.executortype = text_of(m.executortype);
    r.executorname = text_of(m.executorname);
    r.initiatorname = text_of(m.initiatorname);
    r.processgraphid = text_of(m.processgraphid);
    r.state = static_cast<model::ProcessState>(m.state);
    r.priority = m.priority;
    r.retries = m.retries;
    r.submitted_ns = m.submitted_ns;
    r.started_ns = m.started_ns;
    r.ended_ns = m.ended_ns;
    out.rows.push_back(std::move(r));
  }
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, mem.data());
  return out;
}

}  // namespace colonies::trace
