// Built into every program of a sanitizer build (COLONIES_SANITIZE; scripts/sanitize.sh): the
// sanitizers' default options and the leak suppressions. Compiled in rather than passed in the
// environment because the tests start programs (coloniesd, executors, the CLI) with environments
// of their own, and those must be checked exactly like the test that started them. *_OPTIONS
// variables still override these.
//
// Suppressions are for third-party code only, each with its reason; a leak or race of our own
// code is a bug to fix, never a line here.

#include <dlfcn.h>

namespace {
// hwloc's PCI discovery plugin (hwloc_pci.so) opens libpciaccess, which keeps about 1 KB reachable
// from its globals for the life of the library. hwloc unloads the plugin when a topology is
// destroyed and libpciaccess goes with it, so LSan finds those blocks unreachable, in a module it
// can no longer name (no suppression can match "<unknown module>"). Keeping libpciaccess loaded
// for the process's life keeps them reachable. Every program that reads the host's topology
// (the local executor, even for --help) needs this; where the library is absent, nothing is done.
[[maybe_unused]] void* const pinned_pciaccess = dlopen("libpciaccess.so.0", RTLD_NOW | RTLD_NODELETE);
}  // namespace

extern "C" {

// Every error stops the program (as -fno-sanitize-recover does for UBSan), so that no test can
// pass past one.
const char* __asan_default_options() {
  return "abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1";
}

const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

const char* __tsan_default_options() { return "halt_on_error=1:second_deadlock_stack=1"; }

// libcares.so: gRPC resolves a host name through c-ares, which keeps a 10-byte allocation (a copy
// of the name server configuration) for the life of the process; gRPC's client channels (the
// SDK's --transport grpc, the TLS host-name tests) trigger it.
const char* __lsan_default_suppressions() { return "leak:libcares.so\n"; }

}  // extern "C"
