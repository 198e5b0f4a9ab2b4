"""The Python SDK against a real coloniesd (embedded SQLite in a temporary directory, 127.0.0.1,
a free port), set up with the real `colonies` CLI: keys agree with the C++ side, a Python
executor runs submitted functions and workflows, logs, failures, and what the server refuses."""

import io
import json
import os
import subprocess
import threading
import time
import unittest

import support
from colonies import (BadRequest, Client, Conflict, Executor, Forbidden, NotFound, PrivateKey, ProcessFailed,
                      ProcessState, TransportError, Unauthenticated, WaitTimeout, Workflow, build_request)

COLONY = "lab"
SERVER: support.Server
SERVER_KEY: PrivateKey
COLONY_KEY: PrivateKey
USER_KEY: PrivateKey


def setUpModule():
    global SERVER, SERVER_KEY, COLONY_KEY, USER_KEY
    # The server owner's and colony owner's keys are made by the C++ side (the CLI).
    server_key, colony_key = support.cli_generate_key(), support.cli_generate_key()
    SERVER_KEY, COLONY_KEY, USER_KEY = PrivateKey(server_key["prvkey"]), PrivateKey(colony_key["prvkey"]), \
        PrivateKey.generate()
    SERVER = support.Server(server_key["id"]).start()
    env = cli_env(COLONY_KEY)
    support.run_cli(["colony", "add", "--name", COLONY], env)
    support.run_cli(["user", "add", "--name", "scientist", "--userid", USER_KEY.id], env)


def tearDownModule():
    SERVER.cleanup()


def cli_env(colony_key: PrivateKey, member_key: PrivateKey = None) -> dict:
    env = {"COLONIES_SERVER_HOST": "127.0.0.1", "COLONIES_SERVER_HTTP_PORT": str(SERVER.port),
           "COLONIES_SERVER_PRVKEY": SERVER_KEY.hex(), "COLONIES_COLONY_PRVKEY": colony_key.hex(),
           "COLONIES_COLONY_NAME": COLONY}
    if member_key is not None:
        env["COLONIES_PRVKEY"] = member_key.hex()
    return env


def user() -> Client:
    return Client(SERVER.url, USER_KEY, colony=COLONY, timeout=20)


class RunningExecutor:
    """A Python executor of a type of its own (so tests do not take each other's work), registered
    with the colony owner's key and running in a background thread for the test's duration."""

    def __init__(self, testcase: unittest.TestCase, executortype: str) -> None:
        self.key = PrivateKey.generate()
        self.executor = Executor(Client(SERVER.url, self.key, colony=COLONY, timeout=20),
                                 name=f"py-{executortype}", executortype=executortype, poll_timeout=1)
        testcase.addCleanup(self.stop)

    def function(self, *args, **kwargs):
        return self.executor.function(*args, **kwargs)

    def start(self) -> "RunningExecutor":
        self.executor.register(COLONY_KEY)
        self.executor.start()
        return self

    def stop(self) -> None:
        self.executor.stop()


class KeysTest(unittest.TestCase):
    def test_ids_derived_in_python_match_the_cpp_side(self):
        for _ in range(5):
            made_by_cpp = support.cli_generate_key()
            self.assertEqual(PrivateKey(made_by_cpp["prvkey"]).id, made_by_cpp["id"])
        for _ in range(5):
            made_by_python = PrivateKey.generate()
            out = support.run_cli(["--json", "security", "id"], {"COLONIES_PRVKEY": made_by_python.hex()}).stdout
            self.assertEqual(json.loads(out)["id"], made_by_python.id)

    def test_the_cli_accepts_a_key_file_written_by_python(self):
        path = os.path.join(SERVER.dir, "python-written.key")
        key = PrivateKey.generate()
        key.save(path)
        out = support.run_cli(["--json", "security", "id"], {"COLONIES_PRVKEY_FILE": path}).stdout
        self.assertEqual(json.loads(out)["id"], key.id)


class SubmitAndExecuteTest(unittest.TestCase):
    def test_a_python_executor_runs_a_submitted_function_to_success_with_its_output(self):
        ex = RunningExecutor(self, "echo-type")

        @ex.function("echo")
        def echo(*args, **kwargs):
            return [*args, kwargs] if kwargs else list(args)

        ex.start()
        c = user()
        p = c.submit_function("echo", ["hello", 42, {"x": [1.5]}], executortype="echo-type", maxexectime=30)
        self.assertEqual(p.state, ProcessState.WAITING)
        self.assertEqual(p.initiatorname, "scientist")
        progress = io.StringIO()
        done = c.wait(p, timeout=30, stream=progress)
        self.assertEqual(done.state, ProcessState.SUCCESS)
        self.assertEqual(done.out, ["hello", 42, {"x": [1.5]}])
        self.assertEqual(done.assignedexecutorid, ex.key.id)
        self.assertIn("SUCCESS", progress.getvalue())
        self.assertNotIn("\r", progress.getvalue())  # not a terminal: plain lines

        with_kwargs = c.wait(c.submit_function("echo", ["a"], {"k": "v"}, executortype="echo-type"), timeout=30,
                             progress=False)
        self.assertEqual(with_kwargs.out, ["a", {"k": "v"}])
        # The executor published its function to the registry (what `colonies function ls` shows).
        self.assertIn("echo", [f["funcname"] for f in c.get_functions(executorname="py-echo-type")])

    def test_registering_again_with_the_same_key_is_a_restart_not_an_error(self):
        ex = RunningExecutor(self, "restart-type")
        ex.executor.register(COLONY_KEY)
        info = ex.executor.register(COLONY_KEY)
        self.assertEqual(info.executorid, ex.key.id)
        renamed = Executor(Client(SERVER.url, ex.key, colony=COLONY), name="py-renamed", executortype="restart-type")
        with self.assertRaisesRegex(Conflict, "already registered in colony 'lab' as executor 'py-restart-type'"):
            renamed.register(COLONY_KEY)
        impostor = Executor(Client(SERVER.url, PrivateKey.generate(), colony=COLONY), name="py-restart-type",
                            executortype="restart-type")
        with self.assertRaisesRegex(Exception, "already registered with another key") as caught:
            impostor.register(COLONY_KEY)
        self.assertEqual(caught.exception.status, 409)

    def test_an_executor_without_approval_is_told_what_to_do(self):
        ex = Executor(Client(SERVER.url, PrivateKey.generate(), colony=COLONY), name="py-unapproved",
                      executortype="nobody")
        with self.assertRaisesRegex(Forbidden, "not an approved executor of colony 'lab'.*executor approve") as caught:
            ex.register()  # no colony key: only checks
        self.assertEqual(caught.exception.status, 403)
        with self.assertRaisesRegex(Forbidden, "added and approved"):
            ex.run(max_processes=1)

    def test_the_cli_sees_what_python_submitted(self):
        c = user()
        p = c.submit_function("later", executortype="nobody-serves-this", label="from-python")
        out = support.run_cli(["--json", "process", "get", "-p", p.processid], cli_env(COLONY_KEY, USER_KEY)).stdout
        self.assertEqual(json.loads(out)["spec"]["label"], "from-python")
        c.cancel_process(p)


class WorkflowTest(unittest.TestCase):
    def test_a_dag_built_in_python_passes_outputs_to_its_children_in_dependency_order(self):
        ex = RunningExecutor(self, "wf-type")

        @ex.function("gen")
        def gen(n):
            return list(range(1, n + 1))

        @ex.function("square")
        def square(ctx):
            return [x * x for x in ctx.input]

        @ex.function("negate")
        def negate(ctx):
            return [-x for x in ctx.input]

        @ex.function("collect")
        def collect(label, ctx):
            return {"label": label, "input": ctx.input, "sum": sum(ctx.input)}

        ex.start()
        wf = Workflow(COLONY, executortype="wf-type", maxexectime=30)
        g = wf.add("gen", args=[3])
        sq = wf.add("square", after=[g])
        ng = wf.add("negate", after=[g])
        wf.add("collect", args=["total"], after=[ng, sq])  # negate's output first, then square's
        c = user()
        graph = c.submit_workflow(wf)
        self.assertEqual(graph.progress.total, 4)
        progress = io.StringIO()
        final = c.wait_workflow(graph, timeout=60, stream=progress)
        self.assertEqual(final.state, ProcessState.SUCCESS)
        self.assertIn("4/4 nodes succeeded", progress.getvalue())
        outputs = c.workflow_outputs(final)
        self.assertEqual(outputs["gen"], [1, 2, 3])
        self.assertEqual(outputs["square"], [1, 4, 9])
        self.assertEqual(outputs["collect"], [{"label": "total", "input": [-1, -2, -3, 1, 4, 9], "sum": 8}])
        nodes = c.workflow_processes(final)
        self.assertEqual(nodes["collect"].input, [-1, -2, -3, 1, 4, 9])
        self.assertEqual(sorted(nodes["collect"].parents), sorted([nodes["negate"].processid,
                                                                   nodes["square"].processid]))

    def test_a_failed_node_fails_the_workflow_and_its_children_never_run(self):
        ex = RunningExecutor(self, "wf-fail-type")
        ran = []

        @ex.function("boom")
        def boom():
            raise RuntimeError("detector offline")

        @ex.function("after")
        def after():
            ran.append(True)

        ex.start()
        wf = Workflow(COLONY, executortype="wf-fail-type")
        wf.add("after", after=[wf.add("boom")])
        c = user()
        with self.assertRaisesRegex(ProcessFailed, "ended FAILED") as caught:
            c.wait_workflow(c.submit_workflow(wf), timeout=60, progress=False, raise_on_failure=True)
        self.assertEqual(caught.exception.process.progress.failed, 2)
        nodes = c.workflow_processes(caught.exception.process)
        self.assertEqual(nodes["boom"].errors, ["RuntimeError: detector offline"])
        self.assertIn("parent 'boom'", " ".join(nodes["after"].errors))
        self.assertEqual(ran, [])

    def test_an_invalid_workflow_is_refused_by_the_server_with_400(self):
        c = user()
        spec = {"colonyname": COLONY, "functionspecs": [
            {"nodename": "a", "funcname": "f", "conditions": {"executortype": "t", "dependencies": ["b"]}},
            {"nodename": "b", "funcname": "f", "conditions": {"executortype": "t", "dependencies": ["a"]}}]}
        with self.assertRaisesRegex(BadRequest, "cycle") as caught:
            c.submit_workflow(spec)
        self.assertEqual(caught.exception.status, 400)


class LogsTest(unittest.TestCase):
    def test_lines_a_handler_logs_are_read_back_in_order(self):
        ex = RunningExecutor(self, "log-type")

        @ex.function("steps")
        def steps(n, ctx):
            for i in range(n):
                ctx.log(f"step {i}")
            return "ok"

        ex.start()
        c = user()
        done = c.wait(c.submit_function("steps", [3], executortype="log-type"), timeout=30, progress=False)
        self.assertEqual(done.out, ["ok"])
        logs = c.get_logs(done)
        self.assertEqual([log.message for log in logs], ["step 0\n", "step 1\n", "step 2\n"])
        self.assertEqual({log.executorname for log in logs}, {"py-log-type"})
        self.assertEqual(c.logs_text(done), "step 0\nstep 1\nstep 2\n")
        self.assertGreater(logs[0].time.year, 2000)


class FailureTest(unittest.TestCase):
    def test_an_exception_in_a_handler_fails_the_process_with_the_reason_and_the_traceback_in_its_log(self):
        ex = RunningExecutor(self, "fail-type")

        @ex.function("check")
        def check(value):
            if value < 0:
                raise ValueError(f"bad input: {value} is negative")
            return value

        @ex.function("unsendable")
        def unsendable():
            return {"a", "set"}

        ex.start()
        c = user()
        failed = c.wait(c.submit_function("check", [-1], executortype="fail-type"), timeout=30, progress=False)
        self.assertEqual(failed.state, ProcessState.FAILED)
        self.assertEqual(failed.errors, ["ValueError: bad input: -1 is negative"])
        self.assertIn("Traceback", c.logs_text(failed))
        with self.assertRaisesRegex(ProcessFailed, "bad input: -2") as caught:
            c.wait(c.submit_function("check", [-2], executortype="fail-type"), timeout=30, progress=False,
                   raise_on_failure=True)
        self.assertEqual(caught.exception.process.state, ProcessState.FAILED)
        # An unknown function and an output JSON cannot carry fail the process, saying so.
        unknown = c.wait(c.submit_function("nope", executortype="fail-type"), timeout=30, progress=False)
        self.assertIn("has no function 'nope' (it offers: check, unsendable)", unknown.errors[0])
        unsendable_out = c.wait(c.submit_function("unsendable", executortype="fail-type"), timeout=30, progress=False)
        self.assertEqual(unsendable_out.state, ProcessState.FAILED)
        self.assertIn("cannot be sent as JSON", unsendable_out.errors[0])

    def test_invalid_input_is_a_400_with_the_servers_reason(self):
        c = user()
        with self.assertRaises(BadRequest) as caught:
            c.submit_function("f", executortype="t", priority=60000)
        self.assertEqual(caught.exception.status, 400)
        self.assertIn("priority", caught.exception.message)
        with self.assertRaisesRegex(BadRequest, "executortype") as caught:
            c.submit_function("f")  # neither an executor type nor executor names
        with self.assertRaisesRegex(BadRequest, "mem") as caught:
            c.submit_function("f", executortype="t", mem="lots")

    def test_unknown_objects_are_404(self):
        with self.assertRaises(NotFound) as caught:
            user().get_process("0" * 64)
        self.assertEqual(caught.exception.status, 404)

    def test_waiting_gives_up_after_its_timeout_and_says_what_the_process_waits_for(self):
        c = user()
        p = c.submit_function("idle", executortype="nobody-serves-this")
        out = io.StringIO()
        with self.assertRaises(WaitTimeout):
            c.wait(p, timeout=1, stream=out)
        self.assertIn("waiting", out.getvalue())
        self.assertIn("gave up", out.getvalue())
        self.assertEqual(c.cancel_process(p).state, ProcessState.CANCELLED)

    def test_an_unreachable_server_is_a_transport_error_with_status_0(self):
        c = Client(f"127.0.0.1:{support.free_port()}", USER_KEY, colony=COLONY, timeout=5)
        with self.assertRaisesRegex(TransportError, "cannot reach") as caught:
            c.get_colony()
        self.assertEqual(caught.exception.status, 0)


class RestartTest(unittest.TestCase):
    def test_waiting_survives_a_server_restart_within_its_patience(self):
        c = user()
        p = c.submit_function("idle", executortype="nobody-serves-this")
        SERVER.stop()
        try:
            with self.assertRaises(TransportError):
                c.wait(p, progress=False, patience=0)
            out = io.StringIO()
            result = {}

            def waiter():
                try:
                    result["process"] = user().wait(p, timeout=120, stream=out, patience=60)
                except Exception as e:  # noqa: BLE001 - reported by the assertions below
                    result["error"] = e

            thread = threading.Thread(target=waiter)
            thread.start()
            deadline = time.monotonic() + 30
            while "server unavailable" not in out.getvalue() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn("server unavailable", out.getvalue())
        finally:
            SERVER.restart()
        user().cancel_process(p)
        thread.join(60)
        self.assertNotIn("error", result)
        self.assertEqual(result["process"].state, ProcessState.CANCELLED)


class SecurityTest(unittest.TestCase):
    def test_a_replayed_envelope_is_refused_with_401(self):
        c = user()
        body = build_request("getcolonymsg", {"colonyname": COLONY}, USER_KEY)
        self.assertEqual(c.send_raw(body)["name"], COLONY)
        with self.assertRaisesRegex(Unauthenticated, "already used") as caught:
            c.send_raw(body)
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(c.last_status, 401)

    def test_a_signature_by_another_key_is_refused_with_401(self):
        forged = json.loads(build_request("getcolonymsg", {"colonyname": COLONY}, PrivateKey.generate()))
        forged["signer"] = USER_KEY.id  # claims to be the user
        with self.assertRaisesRegex(Unauthenticated, "signature") as caught:
            user().send_raw(json.dumps(forged))
        self.assertEqual(caught.exception.status, 401)

    def test_a_stale_timestamp_is_refused_with_401(self):
        body = build_request("getcolonymsg", {"colonyname": COLONY}, USER_KEY, timestamp=int(time.time()) - 3600)
        with self.assertRaises(Unauthenticated):
            user().send_raw(body)

    def test_a_key_that_is_not_a_member_is_refused_with_403(self):
        stranger = Client(SERVER.url, PrivateKey.generate(), colony=COLONY)
        with self.assertRaises(Forbidden) as caught:
            stranger.submit_function("f", executortype="t")
        self.assertEqual(caught.exception.status, 403)
        # The colony owner is not a member either (docs/protocol.md §7).
        with self.assertRaises(Forbidden):
            Client(SERVER.url, COLONY_KEY, colony=COLONY).get_process_graphs()
        # And a user cannot do the server owner's work.
        with self.assertRaises(Forbidden):
            user().statistics()

    def test_a_user_cannot_close_a_process_it_did_not_take(self):
        c = user()
        p = c.submit_function("f", executortype="nobody-serves-this")
        with self.assertRaises(Forbidden):
            c.close_successful(p, ["forged"])
        c.cancel_process(p)


class TlsTest(unittest.TestCase):
    """HTTPS with a self-signed certificate: verification is on by default, and a CA file makes
    the certificate trusted."""

    @classmethod
    def setUpClass(cls):
        cls.server_key = PrivateKey.generate()
        cls.server = support.Server(cls.server_key.id, tls=True)
        cert, key = os.path.join(cls.server.dir, "tls.crt"), os.path.join(cls.server.dir, "tls.key")
        old = os.umask(0o077)
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
        finally:
            os.umask(old)
        cls.cert = cert
        cls.server.extra_args = ["--tls-cert", cert, "--tls-key", key]
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_an_untrusted_certificate_is_refused_by_default_with_a_hint(self):
        c = Client(f"https://127.0.0.1:{self.server.port}", self.server_key)
        with self.assertRaisesRegex(TransportError, "certificate verify failed.*COLONIES_TLS_CA_FILE"):
            c.version()

    def test_the_ca_file_makes_it_trusted_for_signed_calls(self):
        c = Client("127.0.0.1", self.server_key, port=self.server.port, tls=True, ca_file=self.cert)
        self.assertIn("buildversion", c.version())
        colony = PrivateKey.generate()
        self.assertEqual(c.add_colony("tls-lab", colony.id)["colonyid"], colony.id)

    def test_a_host_name_the_certificate_does_not_list_is_refused(self):
        c = Client(f"https://localhost:{self.server.port}", self.server_key, ca_file=self.cert)
        with self.assertRaisesRegex(TransportError, "not issued for 'localhost'"):
            c.version()

    def test_verification_can_be_turned_off_explicitly(self):
        c = Client(f"https://127.0.0.1:{self.server.port}", self.server_key, verify=False)
        self.assertIn("buildversion", c.version())


class EnvironmentTest(unittest.TestCase):
    def test_from_env_reads_the_cli_variables(self):
        names = ["COLONIES_SERVER_HOST", "COLONIES_SERVER_HTTP_PORT", "COLONIES_PRVKEY", "COLONIES_COLONY_NAME",
                 "COLONIES_TRANSPORT", "COLONIES_TLS"]
        saved = {n: os.environ.get(n) for n in names}
        try:
            os.environ.update({"COLONIES_SERVER_HOST": "127.0.0.1", "COLONIES_SERVER_HTTP_PORT": str(SERVER.port),
                               "COLONIES_PRVKEY": USER_KEY.hex(), "COLONIES_COLONY_NAME": COLONY,
                               "COLONIES_TRANSPORT": "http", "COLONIES_TLS": "false"})
            c = Client.from_env()
            self.assertEqual((c.id, c.colony), (USER_KEY.id, COLONY))
            self.assertEqual(c.get_colony()["name"], COLONY)
            os.environ["COLONIES_TRANSPORT"] = "grpc"
            with self.assertRaisesRegex(ValueError, "HTTP only"):
                Client.from_env()
        finally:
            for n, v in saved.items():
                if v is None:
                    os.environ.pop(n, None)
                else:
                    os.environ[n] = v


if __name__ == "__main__":
    unittest.main()
