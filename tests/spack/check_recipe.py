#!/usr/bin/env python3
"""Checks the Spack recipe (spack/packages/colonies/package.py) against the CMake build.

  check_recipe.py static REPO
      (ctest spack_recipe, unit) The recipe is valid Python; its variants are the CMake options
      COLONIES_WITH_* one to one (+postgres <-> COLONIES_WITH_POSTGRES, ...) with equal defaults,
      and allocator= is COLONIES_ALLOCATOR with the same values; loaded against a shim of Spack
      (spack_shim.py) under both import layouts (Spack 1.x and 0.2x), cmake_args() gives for
      several variant combinations only -D names the CMake files define, each feature option
      exactly once with the variant's value; every conditional dependency names a real variant
      and every variant pulls its libraries; the newest release is the project() version;
      check() runs the unit tier; spack/debian12/packages.yaml has an external for every
      dependency that satisfies the recipe's constraint. Then it checks itself: the same checks
      run against a copy of the top-level CMakeLists.txt with an extra COLONIES_WITH_* option
      must fail.

  check_recipe.py configure REPO BUILD_DIR CMAKE
      (ctest spack_recipe_configure, integration) Configures the source tree into a temporary
      directory with the recipe's cmake_args() for the features BUILD_DIR was configured with, and
      fails when CMake reports an error or a variable the project does not use.

  check_recipe.py smoke REPO BUILD_DIR CMAKE
      (ctest spack_recipe_smoke, integration) Installs BUILD_DIR into a temporary prefix with
      `cmake --install` and runs the recipe's install check and its stand-alone tests (test_*:
      coloniesd on 127.0.0.1 with SQLite, one process on a local executor) against that prefix,
      as `spack test run colonies` would.

Exit status 0 when every check passed, 1 with one line per failure otherwise, 77 (skipped) when
smoke finds BUILD_DIR without the programs it would install.
"""
import ast
import itertools
import pathlib
import re
import subprocess
import sys
import tempfile

# Loading the recipe and the shim must not leave __pycache__ directories in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import spack_shim  # noqa: E402

RECIPE = pathlib.Path("spack/packages/colonies/package.py")
# option(COLONIES_WITH_<NAME> "help" [ON|OFF]), the help text possibly over several lines.
WITH_OPTION = re.compile(
    r'\boption\(\s*(COLONIES_WITH_([A-Z0-9_]+))\s+"(?:[^"\\]|\\.)*"\s*(ON|OFF|TRUE|FALSE|YES|NO|1|0)?\s*\)',
    re.I)
# Any way of declaring a COLONIES_WITH_ cache entry, so that one WITH_OPTION cannot read is reported.
ANY_WITH = re.compile(r"\b(?:option|cmake_dependent_option|set)\(\s*COLONIES_WITH_([A-Z0-9_]+)\b", re.I)
ALLOCATOR_DEFAULT = re.compile(r'^\s*set\(\s*COLONIES_ALLOCATOR\s+"([^"]*)"\s+CACHE\s+STRING', re.M)
ALLOCATOR_VALUES = re.compile(
    r"^\s*set_property\(\s*CACHE\s+COLONIES_ALLOCATOR\s+PROPERTY\s+STRINGS\s+([^)]*)\)", re.M)
# Cache variables a -D on the command line can set: options, cached set()s, find_* results.
CACHE_VARIABLE = re.compile(
    r"^\s*(?:option|find_program|find_path|find_library|find_file)\(\s*([A-Za-z0-9_]+)"
    r"|^\s*set\(\s*([A-Za-z0-9_]+)\s+[^)]*\bCACHE\b",
    re.M,
)
DEFINE = re.compile(r"^-D([A-Za-z0-9_]+)(?::([A-Z]+))?=(.*)$")
# Variants without libraries of their own would be listed here.
VARIANTS_WITHOUT_DEPENDENCIES = set()
# Exit status of a run that could not happen (ctest SKIP_RETURN_CODE).
SKIPPED = 77
DEBIAN_EXTERNALS = pathlib.Path("spack/debian12/packages.yaml")
# One package of the externals file: "  name:\n    externals: [{spec: ..., prefix: ...}]".
EXTERNAL = re.compile(
    r"^  ([a-z0-9-]+):\n    externals: \[\{spec: ([^,]+), prefix: ([^}]+)\}\]\n    buildable: false$", re.M)
# Dependencies that are not packages of their own: compilers, and a virtual with its provider.
NOT_EXTERNAL = {"c", "cxx"}
PROVIDERS = {"pkgconfig": "pkgconf"}


class Failures(list):
    def append(self, message):
        if message not in self:  # one line per distinct problem, not one per variant combination
            super().append(message)

    def check(self, condition, message):
        if not condition:
            self.append(message)
        return condition


def cmake_files(repo):
    for path in repo.rglob("*"):
        rel = path.relative_to(repo)
        # Build trees (/build*/, as .gitignore has them), git's data, vendored JavaScript.
        if rel.parts[0].startswith("build") or ".git" in rel.parts or "node_modules" in rel.parts:
            continue
        if path.name == "CMakeLists.txt" or path.suffix == ".cmake":
            yield path


def cmake_options(repo, top_cmakelists, failures):
    """{variant name: default bool} of the COLONIES_WITH_* options of every CMake file, the
    allocator default and its values."""
    options = {}
    texts = [top_cmakelists] + [p.read_text() for p in cmake_files(repo) if p != repo / "CMakeLists.txt"]
    for text in texts:
        for m in WITH_OPTION.finditer(text):
            # option() without a value is OFF.
            options[m.group(2).lower()] = (m.group(3) or "OFF").upper() in ("ON", "TRUE", "YES", "1")
        for m in ANY_WITH.finditer(text):
            failures.check(m.group(1).lower() in options,
                           f"COLONIES_WITH_{m.group(1)} is declared in a form this check cannot read "
                           "(write it as option(COLONIES_WITH_<NAME> \"help\" OFF))")
    default = ALLOCATOR_DEFAULT.search(top_cmakelists)
    values = ALLOCATOR_VALUES.search(top_cmakelists)
    return options, (default.group(1) if default else None), (values.group(1).split() if values else [])


def cache_variables(repo, top_cmakelists):
    names = set()
    texts = [top_cmakelists] + [p.read_text() for p in cmake_files(repo) if p != repo / "CMakeLists.txt"]
    for text in texts:
        for m in CACHE_VARIABLE.finditer(text):
            names.add(m.group(1) or m.group(2))
    return names


def bool_variants(cls):
    return {d.args[0]: d.kwargs.get("default") for d in cls.declared("variant")
            if isinstance(d.kwargs.get("default"), bool)}


def variant_combinations(cls, allocators):
    """Defaults, everything on, everything on but one, each feature alone: with and without tests."""
    names = sorted(bool_variants(cls))
    combos = [{n: False for n in names}, {n: True for n in names}]
    combos += [{n: n != off for n in names} for off in names]
    combos += [{n: n == on for n in names} for on in names]
    for combo, allocator, run_tests in itertools.product(combos, allocators or ["system"], (False, True)):
        yield {**combo, "allocator": allocator}, run_tests


def check_static(repo, top_cmakelists, failures):
    source = (repo / RECIPE).read_text()
    try:
        ast.parse(source, filename=str(RECIPE))
        compile(source, str(RECIPE), "exec")
    except SyntaxError as e:
        failures.append(f"{RECIPE}:{e.lineno}: not valid Python: {e.msg}")
        return

    options, allocator_default, allocator_values = cmake_options(repo, top_cmakelists, failures)
    failures.check(options, "no option(COLONIES_WITH_<NAME> ...) found in CMakeLists.txt")
    known = cache_variables(repo, top_cmakelists)

    for spack_1x in (True, False):
        layout = "Spack 1.x" if spack_1x else "Spack 0.2x"
        try:
            module = spack_shim.load_recipe(repo / RECIPE, spack_1x=spack_1x)
        except Exception as e:  # the recipe must load under both layouts
            failures.append(f"{RECIPE} does not load as under {layout}: {type(e).__name__}: {e}")
            continue
        cls = getattr(module, "Colonies", None)
        if not failures.check(cls is not None and issubclass(cls, spack_shim.CMakePackage),
                              f"{RECIPE} defines no class Colonies(CMakePackage) under {layout}"):
            continue
        if spack_1x:
            check_recipe_class(module, cls, options, allocator_default, allocator_values, known,
                               top_cmakelists, failures)
            check_externals(repo, cls, failures)


def check_recipe_class(module, cls, options, allocator_default, allocator_values, known,
                       top_cmakelists, failures):
    variants = {d.args[0]: d for d in cls.declared("variant")}
    bools = bool_variants(cls)

    # One to one, both ways, with equal defaults.
    for name, default in sorted(options.items()):
        option = f"COLONIES_WITH_{name.upper()}"
        if failures.check(name in bools, f"CMake option {option} has no variant +{name} in {RECIPE}"):
            failures.check(bools[name] == default,
                           f"variant +{name} defaults to {bools[name]}, {option} to {default}")
    for name in sorted(bools):
        failures.check(name in options,
                       f"variant +{name} has no CMake option COLONIES_WITH_{name.upper()} in CMakeLists.txt")
    allocator = variants.get("allocator")
    if failures.check(allocator is not None, f"COLONIES_ALLOCATOR has no variant allocator= in {RECIPE}"):
        failures.check(allocator.kwargs.get("default") == allocator_default,
                       f"allocator= defaults to {allocator.kwargs.get('default')!r}, "
                       f"COLONIES_ALLOCATOR to {allocator_default!r}")
        failures.check(sorted(allocator.kwargs.get("values", ())) == sorted(allocator_values),
                       f"allocator= allows {allocator.kwargs.get('values')}, "
                       f"COLONIES_ALLOCATOR's STRINGS are {allocator_values}")
        failures.check(allocator.kwargs.get("multi") is False, "allocator= must be single-valued")
    for name in sorted(set(variants) - set(bools) - {"allocator"}):
        failures.append(f"variant {name}= has no CMake option behind it")

    # cmake_args(): known names only, each feature once with the variant's value.
    for values, run_tests in variant_combinations(cls, allocator_values):
        pkg = cls(spack_shim.FakeSpec(values), run_tests=run_tests)
        try:
            args = pkg.cmake_args()
        except Exception as e:
            failures.append(f"cmake_args() for {values} raised {type(e).__name__}: {e}")
            continue
        seen = {}
        for arg in args:
            if arg == "":
                continue  # Spack's define_from_variant for an inactive conditional variant
            m = DEFINE.match(arg)
            if not failures.check(m, f"cmake_args() gave {arg!r}, not a -DNAME[:TYPE]=VALUE"):
                continue
            name, _, value = m.groups()
            failures.check(name in known,
                           f"cmake_args() sets {name}, which no CMake file of the project defines")
            failures.check(name not in seen, f"cmake_args() sets {name} twice")
            seen[name] = value
        for name in options:
            if name not in values:
                continue  # reported above: no variant
            want = "ON" if values[name] else "OFF"
            got = seen.get(f"COLONIES_WITH_{name.upper()}")
            failures.check(got == want, f"with {'+' if values[name] else '~'}{name}, cmake_args() sets "
                                        f"COLONIES_WITH_{name.upper()}={got}, not {want}")
        got = seen.get("COLONIES_ALLOCATOR")
        failures.check(got == values["allocator"],
                       f"allocator={values['allocator']} gives COLONIES_ALLOCATOR={got}")
        got = seen.get("COLONIES_BUILD_TESTS")
        failures.check(got == ("ON" if run_tests else "OFF"),
                       f"run_tests={run_tests} gives COLONIES_BUILD_TESTS={got}")

    # Dependencies: conditions name real variants; every variant brings its libraries.
    conditioned = set()
    for dep in cls.declared("depends_on") + cls.declared("conflicts"):
        when = dep.kwargs.get("when", "")
        for term in when.split():
            name = re.sub(r"^[+~]", "", term).split("=")[0]
            if term[0] in "+~" or "=" in term:
                failures.check(name in variants, f"{dep} depends on variant {name}, which is not declared")
                conditioned.add(name)
    for name in sorted(variants):
        if name not in VARIANTS_WITHOUT_DEPENDENCIES:
            failures.check(name in conditioned,
                           f"variant {name} adds no dependency (depends_on(..., when=...))")

    # Versions: main from the branch, and the newest release is the CMake project() version.
    project = re.search(r"^\s*project\(\s*colonies\s+VERSION\s+([0-9.]+)", top_cmakelists, re.M | re.I)
    versions = {d.args[0]: d.kwargs for d in cls.declared("version")}
    failures.check(versions.get("main") == {"branch": "main"},
                   'the recipe lacks version("main", branch="main")')
    releases = [v for v in versions if re.fullmatch(r"\d+(\.\d+)*", v)]
    if project and failures.check(releases, "the recipe lists no release"):
        newest = max(releases, key=lambda v: tuple(int(p) for p in v.split(".")))
        failures.check(newest == project.group(1),
                       f"the newest release in the recipe is {newest}, CMakeLists.txt's project() "
                       f"is {project.group(1)} (docs/install.md, 'Cutting a release')")
        for release in releases:
            failures.check(versions[release].get("tag") == f"v{release}",
                           f"version {release} must be fetched from tag v{release}")

    # check(): the unit tier, in the build directory.
    calls = []
    module.ctest = lambda *args: calls.append(args)
    with tempfile.TemporaryDirectory() as build:
        cls(spack_shim.FakeSpec({**{n: False for n in bools}, "allocator": "system"}),
            run_tests=True, build_directory=build).check()
    failures.check(len(calls) == 1 and tuple(calls[0][:2]) == ("-L", "unit"),
                   f"check() should run `ctest -L unit ...` once, ran {calls}")


def parse_spec(text):
    """'boost@1.81: +json+url tzdb=system' -> ('boost', '1.81:', {'json': True, 'url': True,
    'tzdb': 'system'}): the subset of Spack's spec syntax the recipe and the externals use."""
    m = re.fullmatch(r"([a-z0-9-]+)(?:@(\S+?))?((?:\s*[+~][a-z0-9_]+|\s+[a-z0-9_]+=\S+)*)\s*", text.strip())
    if not m:
        raise ValueError(f"cannot read the spec {text!r}")
    variants = {}
    for flag in re.finditer(r"([+~])([a-z0-9_]+)|([a-z0-9_]+)=(\S+)", m.group(3)):
        if flag.group(1):
            variants[flag.group(2)] = flag.group(1) == "+"
        else:
            variants[flag.group(3)] = flag.group(4)
    return m.group(1), m.group(2), variants


def spell_variant(name, value):
    return f"+{name}" if value is True else f"~{name}" if value is False else f"{name}={value}"


def version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text))


def version_satisfies(version, constraint):
    """Spack's ranges: '1.81:' (at least), ':1.81', '1.2:1.4', or one version prefix '1.81'."""
    if constraint is None:
        return True
    have = version_tuple(version)
    if ":" not in constraint:
        want = version_tuple(constraint)
        return have[:len(want)] == want
    low, high = constraint.split(":", 1)
    if low and have < version_tuple(low):
        return False
    return not high or have[:len(version_tuple(high))] <= version_tuple(high)


def check_externals(repo, cls, failures):
    """Every dependency of the recipe has an external in spack/debian12/packages.yaml that meets
    its version and variant constraints (the file covers every variant, so `when=` is ignored)."""
    text = (repo / DEBIAN_EXTERNALS).read_text()
    externals = {}
    for m in EXTERNAL.finditer(text):
        failures.check(m.group(1) not in externals, f"{DEBIAN_EXTERNALS}: {m.group(1)} twice")
        externals[m.group(1)] = parse_spec(m.group(2))
        failures.check(externals[m.group(1)][0] == m.group(1),
                       f"{DEBIAN_EXTERNALS}: the entry {m.group(1)} holds a spec of "
                       f"{externals[m.group(1)][0]}")
    listed = re.findall(r"^  ([a-z0-9-]+):$", text, re.M)
    failures.check(sorted(listed) == sorted(externals),
                   f"{DEBIAN_EXTERNALS}: entries not in the form '  name:\\n    externals: [{{spec: ..., "
                   f"prefix: ...}}]\\n    buildable: false': {sorted(set(listed) - set(externals))}")
    for dep in cls.declared("depends_on"):
        name, constraint, variants = parse_spec(dep.args[0])
        if name in NOT_EXTERNAL:
            continue
        name = PROVIDERS.get(name, name)
        if not failures.check(name in externals,
                              f"{DEBIAN_EXTERNALS} has no external for {name} ({dep.args[0]})"):
            continue
        _, version, has = externals[name]
        failures.check(version is not None and version_satisfies(version, constraint),
                       f"{DEBIAN_EXTERNALS}: {name}@{version} does not satisfy {dep.args[0]}")
        for variant, value in variants.items():
            failures.check(has.get(variant) == value,
                           f"{DEBIAN_EXTERNALS}: the {name} external does not say "
                           f"{spell_variant(variant, value)}, which {dep.args[0]!r} asks for")


def run_static(repo):
    top = (repo / "CMakeLists.txt").read_text()
    failures = Failures()
    check_static(repo, top, failures)
    # The check must be able to fail: a new COLONIES_WITH_ option without a variant.
    extra = 'option(COLONIES_WITH_SELFTEST "added by check_recipe.py" OFF)\n'
    mutated = top.replace("option(COLONIES_WITH_POSTGRES", extra + "option(COLONIES_WITH_POSTGRES", 1)
    probe = Failures()
    check_static(repo, mutated, probe)
    failures.check(any("COLONIES_WITH_SELFTEST has no variant +selftest" in f for f in probe),
                   "self-test: an extra COLONIES_WITH_SELFTEST option without a variant went unnoticed")
    return failures


def configured_variants(build_dir):
    """The recipe's variant values for the features BUILD_DIR was configured with."""
    cache = (pathlib.Path(build_dir) / "CMakeCache.txt").read_text()
    values = {}
    for m in re.finditer(r"^COLONIES_WITH_([A-Z0-9_]+):BOOL=(\S+)$", cache, re.M):
        values[m.group(1).lower()] = m.group(2).upper() in ("ON", "TRUE", "1", "YES")
    allocator = re.search(r"^COLONIES_ALLOCATOR:STRING=(\S*)$", cache, re.M)
    values["allocator"] = allocator.group(1) if allocator else "system"
    return values


def run_configure(repo, build_dir, cmake):
    failures = Failures()
    cls = spack_shim.load_recipe(repo / RECIPE).Colonies
    spec = spack_shim.FakeSpec(configured_variants(build_dir))
    for run_tests in (False, True):  # `spack install` and `spack install --test=root`
        args = [a for a in cls(spec, run_tests=run_tests).cmake_args() if a]
        with tempfile.TemporaryDirectory(prefix="colonies-spack-configure-") as out:
            done = subprocess.run([cmake, "-S", str(repo), "-B", out, *args], capture_output=True,
                                  text=True, timeout=120, check=False)
        text = done.stdout + done.stderr
        failures.check(done.returncode == 0, f"cmake with the recipe's arguments {args} failed:\n{text}")
        failures.check("not used by the project" not in text,
                       f"cmake reports arguments of the recipe the project does not use:\n{text}")
        print(f"configured with {' '.join(args)}")
    return failures


def unbuilt_programs(build_dir, values):
    """The programs `cmake --install` needs that BUILD_DIR has not built (a partial build such as
    scripts/sanitize.sh's TSan tree builds only a few targets)."""
    programs = ["coloniesd", "colonies", "colonies-local-executor"]
    programs += [f"colonies-{name}-executor" for name in ("k8s", "slurm") if values.get(name)]
    return [p for p in programs if not (pathlib.Path(build_dir) / "bin" / p).is_file()]


def run_smoke(repo, build_dir, cmake):
    failures = Failures()
    module = spack_shim.load_recipe(repo / RECIPE)
    values = configured_variants(build_dir)
    missing = unbuilt_programs(build_dir, values)
    if missing:
        print(f"skipped: {build_dir} has not built {', '.join(missing)}, so it cannot be installed")
        raise SystemExit(SKIPPED)
    with tempfile.TemporaryDirectory(prefix="colonies-spack-smoke-") as tmp:
        prefix = pathlib.Path(tmp) / "prefix"
        stage = pathlib.Path(tmp) / "test-stage"
        stage.mkdir()
        done = subprocess.run([cmake, "--install", str(build_dir), "--prefix", str(prefix)],
                              capture_output=True, text=True, timeout=300, check=False)
        if not failures.check(done.returncode == 0, f"cmake --install failed:\n{done.stdout}{done.stderr}"):
            return failures
        for name in module.Colonies.sanity_check_is_file:
            failures.check((prefix / name).is_file(), f"the install lacks {name} (sanity_check_is_file)")
        for doc in ("share/doc/colonies/install.md",
                    "share/colonies/systemd/coloniesd-cluster-member.service"):
            failures.check((prefix / doc).is_file(), f"the install lacks {doc}")
        pkg = module.Colonies(spack_shim.FakeSpec(values, version="main"), prefix=str(prefix))
        try:
            pkg.check_executors_installed()
        except Exception as e:
            failures.append(f"check_executors_installed: {type(e).__name__}: {e}")
        tests = sorted(n for n in dir(module.Colonies) if n.startswith("test_"))
        failures.check(tests, "the recipe has no stand-alone test (test_* method)")
        with spack_shim.working_dir(stage):
            for name in tests:
                try:
                    getattr(pkg, name)()
                    print(f"PASSED: Colonies::{name}")
                except Exception as e:
                    failures.append(f"Colonies::{name}: {type(e).__name__}: {e}")
    return failures


def main(argv):
    if len(argv) < 3 or argv[1] not in ("static", "configure", "smoke") or \
            (argv[1] != "static" and len(argv) != 5):
        print(__doc__, file=sys.stderr)
        return 2
    repo = pathlib.Path(argv[2]).resolve()
    if argv[1] == "static":
        failures = run_static(repo)
    elif argv[1] == "configure":
        failures = run_configure(repo, pathlib.Path(argv[3]), argv[4])
    else:
        failures = run_smoke(repo, pathlib.Path(argv[3]), argv[4])
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print(f"check_recipe.py {argv[1]}: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
