"""Unit tests of the pure helpers: the workflow builder, spec options, models, the progress line."""

import io
import os
import unittest

from colonies import Client, Conditions, FunctionSpec, PrivateKey, Process, ProcessGraph, ProcessState, Workflow
from colonies.models import as_list, parse_time, split_spec_options
from colonies.progress import ProgressLine, render_bar


class WorkflowBuilderTest(unittest.TestCase):
    def test_nodes_name_their_dependencies_in_order(self):
        wf = Workflow("lab", executortype="python", maxexectime=60)
        gen = wf.add("gen", args=[3])
        sq = wf.add("square", after=[gen])
        db = wf.add("double", after=[gen], executortype="gpu", cpu="2")
        wf.add("sum", after=[db, sq])
        spec = wf.to_json()
        self.assertEqual(spec["colonyname"], "lab")
        nodes = {s["nodename"]: s for s in spec["functionspecs"]}
        self.assertEqual(list(nodes), ["gen", "square", "double", "sum"])
        self.assertNotIn("dependencies", nodes["gen"]["conditions"])
        self.assertEqual(nodes["sum"]["conditions"]["dependencies"], ["double", "square"])
        self.assertEqual(nodes["double"]["conditions"]["executortype"], "gpu")
        self.assertEqual(nodes["double"]["conditions"]["cpu"], "2")
        self.assertEqual(nodes["square"]["conditions"]["executortype"], "python")
        self.assertEqual(nodes["square"]["maxexectime"], 60)
        self.assertEqual(nodes["gen"]["args"], [3])

    def test_repeated_functions_get_distinct_node_names(self):
        wf = Workflow("lab", executortype="python")
        self.assertEqual([wf.add("echo").name, wf.add("echo").name, wf.add("echo").name], ["echo", "echo-2", "echo-3"])

    def test_mistakes_are_refused_when_made(self):
        wf = Workflow("lab", executortype="python")
        a = wf.add("a")
        with self.assertRaisesRegex(ValueError, "already has a node named 'a'"):
            wf.add("x", name="a")
        with self.assertRaisesRegex(ValueError, "'later', which is not in this workflow"):
            wf.add("b", after=["later"])
        with self.assertRaisesRegex(ValueError, "twice"):
            wf.add("b", after=[a, a])
        other = Workflow("lab", executortype="python")
        with self.assertRaisesRegex(ValueError, "another workflow"):
            other.add("c", after=[a])
        with self.assertRaisesRegex(TypeError, "unknown option 'cpus'"):
            wf.add("d", cpus="2")
        with self.assertRaisesRegex(ValueError, "at least one node"):
            Workflow("lab").to_json()


class SpecTest(unittest.TestCase):
    def test_options_are_sorted_into_spec_and_conditions(self):
        parts = split_spec_options({"maxexectime": 5, "cpu": "4", "label": "x", "walltime": 60})
        self.assertEqual(parts, {"spec": {"maxexectime": 5, "label": "x"}, "conditions": {"cpu": "4", "walltime": 60}})
        with self.assertRaisesRegex(TypeError, "unknown option 'gpus'"):
            split_spec_options({"gpus": 1})

    def test_spec_json_leaves_out_empty_optional_parts(self):
        spec = FunctionSpec("echo", ["hi"], conditions=Conditions(colonyname="lab", executortype="python"))
        obj = spec.to_json()
        self.assertEqual(obj["conditions"], {"colonyname": "lab", "executortype": "python"})
        self.assertNotIn("fs", obj)
        self.assertEqual(FunctionSpec.from_json(obj).args, ["hi"])

    def test_process_json_is_read_with_its_input_and_times(self):
        p = Process.from_json({"processid": "p", "state": 3, "in": [1], "out": [], "errors": ["boom"],
                               "spec": {"funcname": "f", "conditions": {"colonyname": "lab"}},
                               "submissiontime": "2026-11-23T13:26:46.027423519Z", "endtime": "0001-01-01T00:00:00Z"})
        self.assertEqual(p.state, ProcessState.FAILED)
        self.assertTrue(p.is_final)
        self.assertEqual((p.input, p.errors, p.spec.funcname), ([1], ["boom"], "f"))
        self.assertEqual(p.submissiontime.microsecond, 27423)
        self.assertIsNone(p.endtime)
        self.assertIsNone(parse_time("yesterday"))

    def test_a_failed_graph_is_final_only_when_nothing_runs(self):
        running = ProcessGraph.from_json({"state": 3, "progress": {"total": 2, "running": 1, "failed": 1}})
        ended = ProcessGraph.from_json({"state": 3, "progress": {"total": 2, "failed": 2}})
        self.assertFalse(running.is_final)
        self.assertTrue(ended.is_final)

    def test_handler_results_become_outputs(self):
        self.assertEqual(as_list(None), [])
        self.assertEqual(as_list((1, 2)), [1, 2])
        self.assertEqual(as_list({"a": 1}), [{"a": 1}])
        self.assertEqual(as_list("x"), ["x"])


class ProgressLineTest(unittest.TestCase):
    def test_a_terminal_gets_one_redrawn_line_with_a_bar(self):
        out = io.StringIO()
        line = ProgressLine("workflow abc", out, tty=True)
        line.update("running", 3.2, 1, 4)
        line.update("running", 4.0, 2, 4)
        line.finish("SUCCESS")
        text = out.getvalue()
        self.assertIn("\r\033[Kworkflow abc: [" + "#" * 7 + "." * 23 + "] 1/4 nodes done  running 3s", text)
        self.assertIn("2/4 nodes done", text)
        self.assertTrue(text.endswith("\r\033[Kworkflow abc: SUCCESS\n"))

    def test_plain_output_prints_only_changes_without_control_characters(self):
        out = io.StringIO()
        line = ProgressLine("process p", out, tty=False)
        for elapsed in range(5):
            line.update("waiting", elapsed)
        line.update("running", 6)
        line.finish("SUCCESS after 7.0s")
        self.assertEqual(out.getvalue(), "process p: waiting after 0s\nprocess p: running after 6s\n"
                                         "process p: SUCCESS after 7.0s\n")

    def test_bar(self):
        self.assertEqual(render_bar(0, 0, 4), "[....]")
        self.assertEqual(render_bar(2, 4, 4), "[##..]")
        self.assertEqual(render_bar(9, 4, 4), "[####]")


if __name__ == "__main__":
    unittest.main()


class FromEnvTest(unittest.TestCase):
    """Client.from_env reads the CLI's variables; constructing a client does not connect."""

    def setUp(self):
        self.saved = {k: v for k, v in os.environ.items() if k.startswith("COLONIES_")}
        for k in self.saved:
            del os.environ[k]
        self.addCleanup(self.restore)

    def restore(self):
        for k in [k for k in os.environ if k.startswith("COLONIES_")]:
            del os.environ[k]
        os.environ.update(self.saved)

    def test_settings_and_the_key_of_each_role(self):
        user, executor = PrivateKey.generate(), PrivateKey.generate()
        os.environ.update({"COLONIES_SERVER_HOST": "colonies.example.org", "COLONIES_SERVER_HTTP_PORT": "8443",
                                "COLONIES_TLS": "true", "COLONIES_COLONY_NAME": "lab", "COLONIES_PRVKEY": user.hex(),
                                "COLONIES_EXECUTOR_PRVKEY": executor.hex()})
        c = Client.from_env()
        self.assertEqual((str(c.endpoint), c.colony, c.id), ("https://colonies.example.org:8443", "lab", user.id))
        self.assertEqual(Client.from_env(role="executor").id, executor.id)
        self.assertEqual(Client.from_env(role="colony").id, user.id)  # owner roles fall back to COLONIES_PRVKEY
        self.assertEqual(Client.from_env(colony="other").colony, "other")

    def test_malformed_settings_are_refused(self):
        for var, value, error in (("COLONIES_SERVER_HTTP_PORT", "http", "not a port number"),
                                  ("COLONIES_TLS", "maybe", "use true or false"),
                                  ("COLONIES_TRANSPORT", "grpc", "HTTP only"),
                                  ("COLONIES_PRVKEY", "abc", "64 hex characters")):
            os.environ[var] = value
            with self.assertRaisesRegex(ValueError, error, msg=var):
                Client.from_env()
            del os.environ[var]
        with self.assertRaisesRegex(ValueError, "unknown role"):
            Client.from_env(role="admin")
