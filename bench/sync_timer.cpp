// The timing VFS of sync_timer.h: a shim file holds the real file right after itself.
#include "sync_timer.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <new>
#include <vector>

namespace bench {
namespace {

struct State {
  sqlite3_vfs* root = nullptr;
  sqlite3_vfs vfs{};
  std::mutex mutex;
  std::vector<double> sync_ms;
};

State& state() {
  static State s;
  return s;
}

struct ShimFile {
  sqlite3_file base;  // first: SQLite sees a ShimFile as a sqlite3_file
  sqlite3_file* real;
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

int x_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int x_read(sqlite3_file* f, void* out, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), out, n, off);
}
int x_write(sqlite3_file* f, const void* in, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xWrite(real(f), in, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  const auto begin = std::chrono::steady_clock::now();
  const int rc = real(f)->pMethods->xSync(real(f), flags);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  std::lock_guard lock(state().mutex);
  state().sync_ms.push_back(ms);
  return rc;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* out) {
  return real(f)->pMethods->xFileSize(real(f), out);
}
int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
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
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real(f)->pMethods->xFetch(real(f), off, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), off, p);
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
  sqlite3_vfs* root = state().root;
  auto* s = new (f) ShimFile{};
  s->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(ShimFile));
  const int rc = root->xOpen(root, name, s->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set; the real file may have set its own.
  f->pMethods = s->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}

}  // namespace

void SyncTimer::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    State& st = state();
    st.root = sqlite3_vfs_find(nullptr);
    st.vfs = *st.root;  // every other call goes straight to the default VFS
    st.vfs.zName = "bench_sync_timer";
    st.vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + st.root->szOsFile;
    st.vfs.pNext = nullptr;
    st.vfs.xOpen = v_open;
    sqlite3_vfs_register(&st.vfs, /*makeDflt=*/1);
  });
}

void SyncTimer::reset() {
  std::lock_guard lock(state().mutex);
  state().sync_ms.clear();
}

SyncStats SyncTimer::stats() {
  std::vector<double> ms;
  {
    std::lock_guard lock(state().mutex);
    ms = state().sync_ms;
  }
  SyncStats s;
  s.syncs = ms.size();
  if (ms.empty()) return s;
  for (double m : ms) s.total_ms += m;
  std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
  s.median_ms = ms[ms.size() / 2];
  return s;
}

}  // namespace bench
