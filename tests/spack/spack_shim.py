"""A test double of the few Spack names spack/packages/colonies/package.py uses.

Spack itself cannot be installed here (no Debian package, no PyPI), so check_recipe.py loads the
recipe against this shim: the directives record what they declare, CMakePackage formats -D
arguments the way Spack's CMakeBuilder does (define / define_from_variant), and a FakeSpec
answers the variant and version questions the recipe asks. A name the recipe uses that is not
here makes loading fail, so the shim has to follow the recipe, not the other way round.
"""
import contextlib
import importlib.util
import os
import sys
import types


class Directive:
    def __init__(self, kind, args, kwargs):
        self.kind, self.args, self.kwargs = kind, args, kwargs

    def __repr__(self):
        return f"{self.kind}{self.args}{self.kwargs}"


_pending = []


def _directive(kind):
    def record(*args, **kwargs):
        _pending.append(Directive(kind, args, kwargs))

    record.__name__ = kind
    return record


version = _directive("version")
variant = _directive("variant")
depends_on = _directive("depends_on")
conflicts = _directive("conflicts")


def run_after(*phases):
    def mark(method):
        method.run_after = phases
        return method

    return mark


class InstallError(Exception):
    pass


class Prefix(str):
    """Spack's Prefix: a path whose attributes are sub-paths (prefix.bin == <prefix>/bin)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Prefix(os.path.join(self, name))


@contextlib.contextmanager
def working_dir(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


class FakeSpec:
    """Variant values and a version; satisfies() understands the constraint forms the recipe
    uses: '+name', '~name', 'name=value' and '@version', space-separated."""

    def __init__(self, variants, version="main"):
        self.variants = {name: types.SimpleNamespace(value=value) for name, value in variants.items()}
        self.version = version

    def satisfies(self, constraint):
        for term in constraint.split():
            if term.startswith("+") or term.startswith("~"):
                if self.variants[term[1:]].value is not (term[0] == "+"):
                    return False
            elif term.startswith("@"):
                if str(self.version) != term[1:]:
                    return False
            elif "=" in term:
                name, value = term.split("=", 1)
                if str(self.variants[name].value) != value:
                    return False
            else:
                raise ValueError(f"the shim does not understand the constraint {term!r}")
        return True


def _define(name, value):
    # Spack's CMakeBuilder.define: booleans as BOOL ON/OFF, lists joined with ';', else STRING.
    if isinstance(value, bool):
        return f"-D{name}:BOOL={'ON' if value else 'OFF'}"
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    return f"-D{name}:STRING={value}"


class CMakePackage:
    """Collects the directives of a subclass body; instances carry a FakeSpec."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.directives = list(_pending)
        _pending.clear()

    def __init__(self, spec, prefix="/nonexistent", run_tests=False, build_directory="."):
        self.spec = spec
        self.prefix = Prefix(prefix)
        self.run_tests = run_tests
        self.build_directory = build_directory

    @classmethod
    def declared(cls, kind):
        return [d for d in cls.directives if d.kind == kind]

    @classmethod
    def variant_names(cls):
        return {d.args[0] for d in cls.declared("variant")}

    def define(self, name, value):
        return _define(name, value)

    def define_from_variant(self, name, variant_name=None):
        variant_name = variant_name or name.lower()
        if variant_name not in self.variant_names():
            raise KeyError(f'"{variant_name}" is not a variant of "{type(self).__name__}"')
        return _define(name, self.spec.variants[variant_name].value)


def _spack_modules(with_spack_repo):
    """Fresh `spack`, `spack.package` and, for Spack 1.x, `spack_repo...cmake` modules."""
    package = types.ModuleType("spack.package")
    for name in ("version", "variant", "depends_on", "conflicts", "run_after", "InstallError",
                 "working_dir", "Prefix"):
        setattr(package, name, globals()[name])
    package.__all__ = [n for n in vars(package) if not n.startswith("_")]
    modules = {"spack": types.ModuleType("spack"), "spack.package": package}
    modules["spack"].package = package
    if with_spack_repo:
        # Spack 1.x: CMakePackage comes from the builtin repository, not from spack.package.
        cmake = types.ModuleType("spack_repo.builtin.build_systems.cmake")
        cmake.CMakePackage = CMakePackage
        for name in ("spack_repo", "spack_repo.builtin", "spack_repo.builtin.build_systems"):
            modules[name] = types.ModuleType(name)
        modules[cmake.__name__] = cmake
    else:
        # Spack 0.2x: spack.package exports the build systems.
        package.CMakePackage = CMakePackage
        package.__all__.append("CMakePackage")
    return modules


def load_recipe(path, spack_1x=True):
    """Imports the recipe at `path` against the shim; returns its module. `spack_1x` chooses
    where CMakePackage comes from (spack_repo for Spack 1.x, spack.package for 0.2x)."""
    saved = {name: sys.modules.get(name) for name in _spack_modules(True)}
    sys.modules.update(_spack_modules(spack_1x))
    if not spack_1x:
        for name in ("spack_repo", "spack_repo.builtin", "spack_repo.builtin.build_systems",
                     "spack_repo.builtin.build_systems.cmake"):
            sys.modules.pop(name, None)
    try:
        spec = importlib.util.spec_from_file_location(f"colonies_recipe_{id(path)}_{spack_1x}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
    return module
