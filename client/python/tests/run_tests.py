#!/usr/bin/env python3
"""Runs the Python SDK's tests with unittest; ctest calls it (tests/CMakeLists.txt).

    run_tests.py unit
    run_tests.py integration --coloniesd build/bin/coloniesd --colonies build/bin/colonies

``unit`` runs tests/test_unit_*.py (no server); ``integration`` runs tests/test_integration_*.py
against a real coloniesd each test module starts. Extra arguments after ``--`` go to unittest
(e.g. ``-- -k Replay``).
"""

import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", choices=["unit", "integration"], help="which tests to run")
    parser.add_argument("--coloniesd", help="path of the coloniesd binary (integration)")
    parser.add_argument("--colonies", help="path of the colonies CLI binary (integration)")
    parser.add_argument("-k", action="append", default=[], help="only tests matching this pattern (unittest -k)")
    parser.add_argument("-v", "--verbose", action="store_true")
    options = parser.parse_args()
    if options.suite == "integration":
        if not options.coloniesd or not options.colonies:
            parser.error("integration needs --coloniesd and --colonies")
        os.environ["COLONIESD_BINARY"] = os.path.abspath(options.coloniesd)
        os.environ["COLONIES_CLI_BINARY"] = os.path.abspath(options.colonies)
    # The package from this checkout, not an installed copy.
    sys.path.insert(0, os.path.dirname(HERE))
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if options.k:
        loader.testNamePatterns = [p if "*" in p else f"*{p}*" for p in options.k]
    suite = loader.discover(HERE, pattern=f"test_{options.suite}_*.py", top_level_dir=HERE)
    if suite.countTestCases() == 0:
        print(f"no {options.suite} tests found", file=sys.stderr)
        return 1
    result = unittest.TextTestRunner(verbosity=2 if options.verbose else 1).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
