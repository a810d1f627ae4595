// The fault-injecting VFS (fault_vfs.h): a shim over the default VFS. Every file method is
// forwarded to the real file that follows the shim's own struct in the sqlite3_file block;
// xWrite, xTruncate, xSync, xLock and xShmLock look at the armed fault and keep what an unsynced
// write overwrote, so that a crash can put it back.
#include "saga/testing/fault_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace saga::testing {

// What one file looked like at its last sync, and what was overwritten since.
struct PreImage {
  sqlite3_int64 offset = 0;
  std::string bytes;  // the old contents of [offset, offset + bytes.size())
};

struct TrackedFile {
  sqlite3_int64 synced_size = 0;
  std::vector<PreImage> unsynced;
  bool main_db = false;
  bool wal = false;
};

class FaultVfs::State {
 public:
  std::mutex mutex;
  sqlite3_vfs* root = nullptr;
  sqlite3_vfs vfs{};
  std::map<std::string, TrackedFile> files;
  VfsFault fault;
  bool fault_on = false;
  std::uint64_t commits_at_arm = 0;
  std::uint64_t skipped = 0;
  std::int64_t failed_this_fault = 0;
  std::uint64_t failures = 0;
  std::uint64_t commits = 0;
  bool crashed = false;

  // The code to fail a call of `op` with, or SQLITE_OK. Caller holds the mutex.
  int check(VfsOp op) {
    if (!fault_on || fault.op != op) return SQLITE_OK;
    if (commits - commits_at_arm < fault.after_commits) return SQLITE_OK;
    if (skipped < fault.skip) {
      ++skipped;
      return SQLITE_OK;
    }
    if (fault.times >= 0 && failed_this_fault >= fault.times) return SQLITE_OK;
    ++failed_this_fault;
    ++failures;
    return code(op);
  }

  int code(VfsOp op) const {
    switch (fault.error) {
      case VfsError::kFull:
        return SQLITE_FULL;
      case VfsError::kBusy:
        return SQLITE_BUSY;
      case VfsError::kReadOnly:
        return SQLITE_READONLY;
      case VfsError::kIoError:
        break;
    }
    switch (op) {
      case VfsOp::kWrite:
        return SQLITE_IOERR_WRITE;
      case VfsOp::kSync:
        return SQLITE_IOERR_FSYNC;
      case VfsOp::kLock:
        return SQLITE_IOERR_LOCK;
    }
    return SQLITE_IOERR;
  }

  bool lock_fault_armed() const {
    return fault_on && fault.op == VfsOp::kLock &&
           (fault.times < 0 || failed_this_fault < fault.times);
  }
};

namespace {

using State = FaultVfs::State;

State& state() {
  static State s;
  return s;
}

// The shim's file: its sqlite3_file header, then the real file (root->szOsFile bytes).
struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;
  TrackedFile* tracked;  // null: not tracked (temp files); nodes of State::files are stable
};

ShimFile* shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return shim(f)->real; }

sqlite3_int64 file_size(sqlite3_file* r) {
  sqlite3_int64 size = 0;
  return r->pMethods->xFileSize(r, &size) == SQLITE_OK ? size : 0;
}

// Keeps what [offset, offset + amount) holds now (the part inside the file).
void keep_pre_image(ShimFile* f, sqlite3_int64 offset, sqlite3_int64 amount) {
  const sqlite3_int64 size = file_size(f->real);
  const sqlite3_int64 valid = std::min(amount, size - offset);
  if (valid <= 0) return;
  PreImage p;
  p.offset = offset;
  p.bytes.resize(static_cast<std::size_t>(valid));
  if (f->real->pMethods->xRead(f->real, p.bytes.data(), static_cast<int>(valid), offset) !=
      SQLITE_OK) {
    return;
  }
  f->tracked->unsynced.push_back(std::move(p));
}

int x_close(sqlite3_file* f) {
  const int rc = real(f)->pMethods->xClose(real(f));
  shim(f)->~ShimFile();
  return rc;
}
int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return real(f)->pMethods->xRead(real(f), buf, amount, offset);
}
int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  ShimFile* s = shim(f);
  if (s->tracked != nullptr) {
    std::lock_guard lock(state().mutex);
    if (state().crashed) return SQLITE_IOERR_WRITE;
    if (int rc = state().check(VfsOp::kWrite); rc != SQLITE_OK) return rc;
    keep_pre_image(s, offset, amount);
  }
  return s->real->pMethods->xWrite(s->real, buf, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  ShimFile* s = shim(f);
  if (s->tracked != nullptr) {
    std::lock_guard lock(state().mutex);
    if (state().crashed) return SQLITE_IOERR_TRUNCATE;
    const sqlite3_int64 now = file_size(s->real);
    if (now > size) keep_pre_image(s, size, now - size);
  }
  return s->real->pMethods->xTruncate(s->real, size);
}
int x_sync(sqlite3_file* f, int flags) {
  ShimFile* s = shim(f);
  if (s->tracked == nullptr) return s->real->pMethods->xSync(s->real, flags);
  std::lock_guard lock(state().mutex);
  if (state().crashed) return SQLITE_IOERR_FSYNC;
  if (int rc = state().check(VfsOp::kSync); rc != SQLITE_OK) return rc;
  const int rc = s->real->pMethods->xSync(s->real, flags);
  if (rc != SQLITE_OK) return rc;
  s->tracked->unsynced.clear();
  s->tracked->synced_size = file_size(s->real);
  if (s->tracked->wal) ++state().commits;
  return rc;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int x_lock(sqlite3_file* f, int level) {
  if (shim(f)->tracked != nullptr && level >= SQLITE_LOCK_RESERVED) {
    std::lock_guard lock(state().mutex);
    if (int rc = state().check(VfsOp::kLock); rc != SQLITE_OK) return rc;
  }
  return real(f)->pMethods->xLock(real(f), level);
}
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  const bool write_lock =
      offset == 0 && (flags & SQLITE_SHM_LOCK) != 0 && (flags & SQLITE_SHM_EXCLUSIVE) != 0;
  if (write_lock && shim(f)->tracked != nullptr) {
    std::lock_guard lock(state().mutex);
    if (int rc = state().check(VfsOp::kLock); rc != SQLITE_OK) return rc;
  }
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real(f)->pMethods->xFetch(real(f), offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), offset, p);
}

const sqlite3_io_methods kMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

int v_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  State& st = state();
  auto* s = new (f) ShimFile{};
  s->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(ShimFile));
  const int rc = st.root->xOpen(st.root, name, s->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    s->~ShimFile();
    f->pMethods = nullptr;
    return rc;
  }
  constexpr int kTracked = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL;
  if (name != nullptr && (flags & kTracked) != 0) {
    std::lock_guard lock(st.mutex);
    auto [it, inserted] = st.files.try_emplace(name);
    if (inserted) it->second.synced_size = file_size(s->real);
    it->second.main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    it->second.wal = (flags & SQLITE_OPEN_WAL) != 0;
    s->tracked = &it->second;
  }
  f->pMethods = &kMethods;
  return SQLITE_OK;
}

int v_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  State& st = state();
  {
    std::lock_guard lock(st.mutex);
    if (st.crashed) return SQLITE_IOERR_DELETE;
    // A deleted file is gone for good (its node stays: a handle may still point to it).
    if (auto it = st.files.find(name); it != st.files.end()) {
      it->second.unsynced.clear();
      it->second.synced_size = 0;
    }
  }
  return st.root->xDelete(st.root, name, sync_dir);
}
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return state().root->xAccess(state().root, name, flags, out);
}
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return state().root->xFullPathname(state().root, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) {
  return state().root->xDlOpen(state().root, name);
}
void v_dl_error(sqlite3_vfs*, int n, char* out) { state().root->xDlError(state().root, n, out); }
void (*v_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return state().root->xDlSym(state().root, h, sym);
}
void v_dl_close(sqlite3_vfs*, void* h) { state().root->xDlClose(state().root, h); }
int v_randomness(sqlite3_vfs*, int n, char* out) {
  return state().root->xRandomness(state().root, n, out);
}
int v_sleep(sqlite3_vfs*, int micros) {
  {
    std::lock_guard lock(state().mutex);
    if (state().lock_fault_armed()) return micros;  // busy_timeout runs out at once
  }
  return state().root->xSleep(state().root, micros);
}
int v_current_time(sqlite3_vfs*, double* out) {
  return state().root->xCurrentTime(state().root, out);
}
int v_get_last_error(sqlite3_vfs*, int n, char* out) {
  return state().root->xGetLastError(state().root, n, out);
}
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return state().root->xCurrentTimeInt64(state().root, out);
}

// Puts back what the unsynced writes overwrote (newest first) and the size at the last sync.
void restore(const std::string& path, TrackedFile& file) {
  const int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) return;
  for (auto it = file.unsynced.rbegin(); it != file.unsynced.rend(); ++it) {
    (void)!::pwrite(fd, it->bytes.data(), it->bytes.size(), static_cast<off_t>(it->offset));
  }
  (void)!::ftruncate(fd, static_cast<off_t>(file.synced_size));
  ::close(fd);
  file.unsynced.clear();
}

}  // namespace

FaultVfs& FaultVfs::install() {
  static FaultVfs vfs;
  static std::once_flag once;
  std::call_once(once, [] {
    State& st = state();
    st.root = sqlite3_vfs_find(nullptr);
    sqlite3_vfs& v = st.vfs;
    v.iVersion = 2;
    v.szOsFile = static_cast<int>(sizeof(ShimFile)) + st.root->szOsFile;
    v.mxPathname = st.root->mxPathname;
    v.zName = kName;
    v.xOpen = v_open;
    v.xDelete = v_delete;
    v.xAccess = v_access;
    v.xFullPathname = v_full_pathname;
    v.xDlOpen = v_dl_open;
    v.xDlError = v_dl_error;
    v.xDlSym = v_dl_sym;
    v.xDlClose = v_dl_close;
    v.xRandomness = v_randomness;
    v.xSleep = v_sleep;
    v.xCurrentTime = v_current_time;
    v.xGetLastError = v_get_last_error;
    v.xCurrentTimeInt64 = v_current_time_int64;
    sqlite3_vfs_register(&v, 0);
  });
  return vfs;
}

void FaultVfs::arm(const VfsFault& fault) {
  State& st = state();
  std::lock_guard lock(st.mutex);
  st.fault = fault;
  st.fault_on = true;
  st.commits_at_arm = st.commits;
  st.skipped = 0;
  st.failed_this_fault = 0;
}

void FaultVfs::clear() {
  std::lock_guard lock(state().mutex);
  state().fault_on = false;
}

bool FaultVfs::armed() const {
  State& st = state();
  std::lock_guard lock(st.mutex);
  return st.fault_on && (st.fault.times < 0 || st.failed_this_fault < st.fault.times);
}

std::uint64_t FaultVfs::failures() const {
  std::lock_guard lock(state().mutex);
  return state().failures;
}

std::uint64_t FaultVfs::commits() const {
  std::lock_guard lock(state().mutex);
  return state().commits;
}

void FaultVfs::crash() {
  std::lock_guard lock(state().mutex);
  state().crashed = true;
}

void FaultVfs::drop_unsynced() {
  State& st = state();
  std::lock_guard lock(st.mutex);
  for (auto& [path, file] : st.files) {
    restore(path, file);
    if (file.main_db) ::unlink((path + "-shm").c_str());
  }
  st.crashed = false;
}

void FaultVfs::reset() {
  State& st = state();
  std::lock_guard lock(st.mutex);
  st.files.clear();
  st.fault_on = false;
  st.failures = 0;
  st.commits = 0;
  st.crashed = false;
}

}  // namespace saga::testing
