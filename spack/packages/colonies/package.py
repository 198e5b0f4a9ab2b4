# Spack recipe for Colonies: coloniesd, the colonies CLI and the executors (docs/install.md).
#
# Where the source comes from: this recipe lives in the Colonies repository (<clone>/spack/...) and
# fetches from the clone that holds it, so `spack install colonies@main` builds that clone's
# committed main branch and `colonies@X.Y.Z` its tag vX.Y.Z. A site that mirrors Colonies
# elsewhere points the recipe there in packages.yaml
#     packages:
#       colonies:
#         package_attributes:
#           git: https://git.example.org/hpc/colonies.git
# and `spack develop colonies@main` builds a working tree with uncommitted changes instead.
#
# Variants are the CMake options one to one: +<name> is COLONIES_WITH_<NAME>, allocator= is
# COLONIES_ALLOCATOR, with the same defaults. tests/spack/check_recipe.py (ctest spack_recipe)
# fails when the two drift apart.

import json
import os
import pathlib
import re
import signal
import subprocess
import tempfile
import time

from spack.package import *

try:  # Spack 1.x keeps the build systems in its builtin package repository
    from spack_repo.builtin.build_systems.cmake import CMakePackage
except ImportError:  # Spack 0.2x: spack.package exports CMakePackage itself
    pass

#: The Colonies clone this file sits in: <clone>/spack/packages/colonies/package.py.
_CLONE = pathlib.Path(__file__).resolve().parents[3]


class Colonies(CMakePackage):
    """Colonies brokers signed batch work between the people who submit it and the machines that
    run it: coloniesd (the server, on an embedded SQLite or on PostgreSQL), the colonies CLI, and
    executors for the local host (with Open MPI), Slurm and Kubernetes."""

    git = _CLONE.as_uri()

    version("main", branch="main")
    # Releases, newest first: each a tag vX.Y.Z on main (docs/install.md, "Cutting a release").
    version("0.1.0", tag="v0.1.0")

    variant("postgres", default=False, description="PostgreSQL store for coloniesd (libpq)")
    variant(
        "slurm",
        default=False,
        description="Slurm executor, linked against the site's libslurm (use the site's Slurm as "
        "an external: the library must be the release slurmctld runs)",
    )
    variant("k8s", default=False, description="Kubernetes executor (HTTPS to the API server)")
    variant("mpi", default=False, description="Open MPI launch (mpirun) in the local executor")
    variant("hdf5", default=False, description="HDF5 traces: colonies export --format hdf5")
    variant("grpc", default=False, description="gRPC transport next to HTTP")
    variant(
        "allocator",
        default="system",
        values=("system", "jemalloc"),
        multi=False,
        description="Allocator linked into coloniesd",
    )

    depends_on("c", type="build")
    depends_on("cxx", type="build")
    depends_on("cmake@3.25:", type="build")
    depends_on("pkgconfig", type="build")

    # Boost.Beast/Asio (HTTP, WebSocket), Boost.JSON (which needs Boost.Container) and Boost.URL.
    depends_on("boost@1.81: +json+url+system+container")
    depends_on("libsodium")
    depends_on("openssl")
    depends_on("sqlite@3.24:")  # upserts (ON CONFLICT ... DO UPDATE)
    depends_on("cli11@2:")
    depends_on("fmt@9:")
    depends_on("spdlog")
    # Cron time zones: date/tz over the system's zoneinfo.
    depends_on("date+tz tzdb=system")
    # The local executor's topology (always built).
    depends_on("hwloc@2:")

    depends_on("postgresql@14:", when="+postgres")  # libpq's pipeline mode
    depends_on("slurm", when="+slurm")
    depends_on("yaml-cpp", when="+k8s")  # kubeconfig files
    # mpirun at run time; the MPI test program is built against it with --test.
    depends_on("openmpi", type=("build", "run"), when="+mpi")
    depends_on("hdf5@1.10:", when="+hdf5")
    # Without +mpi, do not let HDF5's default +mpi pull an MPI library into the build.
    depends_on("hdf5~mpi", when="+hdf5 ~mpi")
    depends_on("grpc+codegen", when="+grpc")  # codegen: grpc_cpp_plugin generates the stubs
    depends_on("protobuf", when="+grpc")
    depends_on("jemalloc", when="allocator=jemalloc")

    # The unit tier of `spack install --test=root` (check below).
    depends_on("googletest+gmock", type="test")
    depends_on("python@3.9:", type="test")

    conflicts("%gcc@:11", msg="Colonies is C++23 (std::expected): GCC 12 or newer")
    conflicts("%clang@:15", msg="Colonies is C++23 (std::expected): Clang 16 or newer")
    # The local executor uses prctl, pidfd and /proc.
    conflicts("platform=darwin", msg="Colonies runs on Linux only")
    conflicts("platform=windows", msg="Colonies runs on Linux only")

    sanity_check_is_file = [
        os.path.join("bin", "coloniesd"),
        os.path.join("bin", "colonies"),
        os.path.join("bin", "colonies-local-executor"),
    ]

    def cmake_args(self):
        return [
            self.define_from_variant("COLONIES_WITH_POSTGRES", "postgres"),
            self.define_from_variant("COLONIES_WITH_SLURM", "slurm"),
            self.define_from_variant("COLONIES_WITH_K8S", "k8s"),
            self.define_from_variant("COLONIES_WITH_MPI", "mpi"),
            self.define_from_variant("COLONIES_WITH_HDF5", "hdf5"),
            self.define_from_variant("COLONIES_WITH_GRPC", "grpc"),
            self.define_from_variant("COLONIES_ALLOCATOR", "allocator"),
            # Tests only for `spack install --test`; never the benchmarks or fuzzers.
            self.define("COLONIES_BUILD_TESTS", self.run_tests),
            self.define("COLONIES_BUILD_BENCHMARKS", False),
            self.define("COLONIES_BUILD_FUZZERS", False),
            # Spack has its own compiler cache setting (config:ccache).
            self.define("COLONIES_USE_CCACHE", False),
        ]

    def check(self):
        """The unit tier (docs/testing.md); the other tiers need services (PostgreSQL, etcd,
        a Slurm) that a package build does not have."""
        with working_dir(self.build_directory):
            ctest("-L", "unit", "--output-on-failure")

    @run_after("install")
    def check_executors_installed(self):
        """The executors of the enabled platforms were installed."""
        for name in ("k8s", "slurm"):
            path = os.path.join(self.prefix.bin, f"colonies-{name}-executor")
            if self.spec.satisfies("+" + name) and not os.path.isfile(path):
                raise InstallError(f"+{name} is set but {path} was not installed")

    # Stand-alone tests (`spack test run colonies`). The server and the executor run in the
    # background, which Spack's Executable does not do, so these use subprocess with time limits.

    def test_version(self):
        """colonies --version reports the packaged version"""
        colonies = os.path.join(self.prefix.bin, "colonies")
        out = _call([colonies, "--version"], dict(os.environ), 30, "colonies --version")
        assert re.fullmatch(r"colonies \S+\n?", out), f"unexpected `colonies --version`: {out!r}"
        packaged = str(self.spec.version)
        if re.fullmatch(r"\d+(\.\d+)*", packaged):  # a release, not a branch
            reported = out.split()[1]
            assert reported == packaged, f"colonies --version says {reported}, the spec {packaged}"

    def test_run_process(self):
        """coloniesd (SQLite) on 127.0.0.1 runs one process on a local executor, then stops"""
        _SmokeRun(pathlib.Path(self.prefix.bin), pathlib.Path(os.getcwd())).run()


# ---------------------------------------------------------------------------------------------
# The stand-alone end-to-end test: the README's five-minute tour in miniature, on loopback only.


def _call(argv, env, timeout, what):
    """Runs one command to completion and returns its stdout; fails the test with its output
    when it exits non-zero or outlives `timeout` seconds."""
    argv = [str(a) for a in argv]
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{what}: `{' '.join(argv)}` did not finish within {timeout} s")
    if done.returncode != 0:
        raise AssertionError(
            f"{what}: `{' '.join(argv)}` exited with {done.returncode}\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def _tail(path, lines=40):
    try:
        return "".join(pathlib.Path(path).read_text(errors="replace").splitlines(True)[-lines:])
    except OSError as e:
        return f"(cannot read {path}: {e})\n"


def _stop(proc, seconds):
    """SIGTERM, then SIGKILL after `seconds`. Returns the exit status, None when it had to be
    killed."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


class _SmokeRun:
    """Keys from `colonies security generate`; coloniesd on 127.0.0.1, an ephemeral port and a
    fresh SQLite directory; a colony, a user and a self-registering local executor; one
    `colonies function exec --wait`; then both daemons stopped with SIGTERM. Every file stays
    under `stage` (Spack's test stage directory)."""

    _SERVING = re.compile(r"serving on http://127\.0\.0\.1:(\d+)")

    def __init__(self, bindir, stage):
        self.bin = bindir
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="colonies-smoke-", dir=stage))
        # Nothing from the caller's Colonies settings may leak in (server address, keys).
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")}
        self.env.update(HOME=str(self.work), XDG_STATE_HOME=str(self.work / "state"))
        self.server_log = self.work / "coloniesd.log"
        self.executor_log = self.work / "executor.log"

    def colonies(self, *args, timeout=60, what="colonies"):
        return _call([self.bin / "colonies", *args], self.env, timeout, what)

    def key(self):
        return json.loads(self.colonies("--json", "security", "generate", what="making a key"))

    def wait_for_port(self, server, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = self._SERVING.search(self.server_log.read_text(errors="replace"))
            if found:
                return int(found.group(1))
            if server.poll() is not None:
                raise AssertionError(f"coloniesd exited with {server.returncode} before serving")
            time.sleep(0.1)
        raise AssertionError(f"coloniesd did not report its port within {seconds} s")

    def run(self):
        server_key, colony_key, user_key, executor_key = (self.key() for _ in range(4))
        server = executor = None
        server_status = executor_status = None
        ok = False
        try:
            with open(self.server_log, "w") as log:
                server = subprocess.Popen(
                    [str(self.bin / "coloniesd"), "--host", "127.0.0.1", "--port", "0",
                     "--data-dir", str(self.work / "data"), "--server-id", server_key["id"],
                     "--threads", "2"],
                    env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                )
            port = self.wait_for_port(server, 60)
            self.env.update(
                COLONIES_SERVER_HOST="127.0.0.1",
                COLONIES_SERVER_HTTP_PORT=str(port),
                COLONIES_SERVER_PRVKEY=server_key["prvkey"],
                COLONIES_COLONY_NAME="smoke",
                COLONIES_COLONY_PRVKEY=colony_key["prvkey"],
                COLONIES_PRVKEY=user_key["prvkey"],
                COLONIES_EXECUTOR_TYPE="local",
            )
            self.colonies("colony", "add", "--name", "smoke", what="adding the colony")
            self.colonies("user", "add", "--name", "smoke-user", "--userid", user_key["id"],
                          what="adding the user")
            with open(self.executor_log, "w") as log:
                executor = subprocess.Popen(
                    [str(self.bin / "colonies-local-executor"), "--name", "smoke-local",
                     "--max-jobs", "1", "--poll-timeout", "2", "--grace", "5",
                     "--workdir", str(self.work / "jobs"),
                     "--spool-dir", str(self.work / "spool")],
                    env={**self.env, "COLONIES_EXECUTOR_PRVKEY": executor_key["prvkey"]},
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                )
            token = f"colonies-smoke-{os.getpid()}"
            out = self.colonies("function", "exec", "--func", "echo", "--args", token, "--wait",
                                timeout=120, what="running a process on the local executor")
            assert token in out, f"the process's output lacks {token!r}:\n{out}"
            status = json.loads(self.colonies("--json", "server", "status", what="server status"))
            version = self.colonies("--version", what="colonies --version").split()[-1]
            assert status.get("buildversion") == version, (
                f"coloniesd reports version {status.get('buildversion')!r}, the CLI {version!r}"
            )
            ok = True
        finally:
            if executor is not None:
                executor_status = _stop(executor, 30)
            if server is not None:
                server_status = _stop(server, 30)
            if not ok:
                print(f"--- {self.server_log}\n{_tail(self.server_log)}")
                print(f"--- {self.executor_log}\n{_tail(self.executor_log)}")
        assert executor_status == 0, (
            f"the local executor did not stop cleanly ({executor_status}):\n"
            f"{_tail(self.executor_log)}"
        )
        assert server_status == 0, (
            f"coloniesd did not stop cleanly ({server_status}):\n{_tail(self.server_log)}"
        )
