"""Runs every Python cell of docs/python.md, in order, against a real coloniesd set up as
scripts/dev.sh sets it up (colony "dev", keys in the environment), and checks what the page says
the cells print."""

import contextlib
import io
import os
import re
import unittest

import support
from colonies import PrivateKey, ProcessState

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs", "python.md")


def python_cells(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)


class NotebookGuideTest(unittest.TestCase):
    def setUp(self):
        server_key, colony_key, user_key = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
        self.server = support.Server(server_key.id).start()
        self.addCleanup(self.server.cleanup)
        env = {"COLONIES_SERVER_HOST": "127.0.0.1", "COLONIES_SERVER_HTTP_PORT": str(self.server.port),
               "COLONIES_SERVER_PRVKEY": server_key.hex(), "COLONIES_COLONY_PRVKEY": colony_key.hex(),
               "COLONIES_COLONY_NAME": "dev", "COLONIES_PRVKEY": user_key.hex()}
        support.run_cli(["colony", "add", "--name", "dev"], env)
        support.run_cli(["user", "add", "--name", "dev-user", "--userid", user_key.id], env)
        saved = {k: v for k, v in os.environ.items() if k.startswith("COLONIES_") and k.endswith(
            ("HOST", "PORT", "PRVKEY", "PRVKEY_FILE", "NAME", "TLS", "TLS_CA_FILE", "TRANSPORT"))}
        for k in saved:
            del os.environ[k]
        os.environ.update(env)

        def restore():
            for k in env:
                os.environ.pop(k, None)
            os.environ.update(saved)

        self.addCleanup(restore)

    def test_every_cell_runs_and_prints_what_the_page_says(self):
        cells = python_cells(DOC)
        self.assertGreaterEqual(len(cells), 7)
        namespace = {}
        out, err = io.StringIO(), io.StringIO()
        try:
            for i, cell in enumerate(cells, 1):
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    exec(compile(cell, f"docs/python.md cell {i}", "exec"), namespace)
        finally:
            executor = namespace.get("executor")
            if executor is not None:
                executor.stop()
        printed = out.getvalue()
        if os.environ.get("COLONIES_SHOW_DOC_OUTPUT"):
            print(printed, err.getvalue())
        self.assertEqual(namespace["done"].state, ProcessState.SUCCESS)
        self.assertEqual(namespace["done"].out, [150.0, 300.0, 450.0, 600.0])
        self.assertIn("SUCCESS [150.0, 300.0, 450.0, 600.0]", printed)
        self.assertIn("step 3: energy 600.0", printed)
        self.assertIn("SUCCESS [250.0]", printed)
        self.assertRegex(printed, r"400 .*priority 99999 is outside \[-50000, 50000\]")
        self.assertIn("FAILED [\"TypeError: can't multiply sequence", printed)
        self.assertIn("workflow", err.getvalue())  # the progress lines went to stderr


if __name__ == "__main__":
    unittest.main()
