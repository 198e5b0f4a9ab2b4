"""Unit tests of the pure parts: keys, the envelope against the worked example of
docs/protocol.md §10 (produced and accepted by the C++ side), reply decoding, URLs."""

import base64
import json
import os
import stat
import tempfile
import unittest

from colonies import (BadRequest, Forbidden, PrivateKey, ServerError, Unauthenticated, build_request,
                      build_unsigned_request, decode_reply, id_of, verify)
from colonies.envelope import MalformedReply, build_payload, encode_json
from colonies.errors import error_for_status
from colonies.transport import parse_server

# docs/protocol.md §10: this exact envelope was accepted by a coloniesd of this repository.
DOC_KEY = "4d6327a3a26b2c35a787d1114141e354ddb3cd0820f212c06b686935c7b3c083"
DOC_ID = "ea23cd2457b4853b928e7ddb8acedde72e76084f6d5deab7912532290ba48403"
DOC_NONCE = "402874d3e06cc1928f2d76becfefce56"
DOC_TIMESTAMP = 1795440406
DOC_SPEC = {"funcname": "simulate", "args": ["input.dat"], "kwargs": {}, "priority": 0, "maxwaittime": 600,
            "maxexectime": 3600, "maxretries": 2,
            "conditions": {"colonyname": "hpc", "executortype": "slurm", "cpu": "4", "mem": "16Gi", "walltime": 1800},
            "label": "demo"}
DOC_PAYLOAD = (
    "eyJzcGVjIjp7ImZ1bmNuYW1lIjoic2ltdWxhdGUiLCJhcmdzIjpbImlucHV0LmRhdCJdLCJrd2FyZ3MiOnt9LCJwcmlvcml0eSI6MCwibWF4d2F"
    "pdHRpbWUiOjYwMCwibWF4ZXhlY3RpbWUiOjM2MDAsIm1heHJldHJpZXMiOjIsImNvbmRpdGlvbnMiOnsiY29sb255bmFtZSI6ImhwYyIsImV4ZW"
    "N1dG9ydHlwZSI6InNsdXJtIiwiY3B1IjoiNCIsIm1lbSI6IjE2R2kiLCJ3YWxsdGltZSI6MTgwMH0sImxhYmVsIjoiZGVtbyJ9LCJtc2d0eXBlI"
    "joic3VibWl0ZnVuY3NwZWNtc2ciLCJub25jZSI6IjQwMjg3NGQzZTA2Y2MxOTI4ZjJkNzZiZWNmZWZjZTU2IiwidGltZXN0YW1wIjoxNzk1NDQw"
    "NDA2fQ==")
DOC_SIGNATURE = ("20d425c0c7ec0d42bf59778e2d91a9aaa6500871d6fe3a20030c770e6563419da2913d88929922c647bd5f9fd6bd42f07b"
                 "78a56d98c4cc2cb2c42080e44cbe04")


def reply_body(payloadtype, payload, error=False):
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    return json.dumps({"payloadtype": payloadtype, "payload": encoded, "error": error}).encode()


class KeyTest(unittest.TestCase):
    def test_id_of_the_documented_key_is_its_ed25519_public_key(self):
        self.assertEqual(PrivateKey(DOC_KEY).id, DOC_ID)
        self.assertEqual(id_of(DOC_KEY.upper()), DOC_ID)  # either case in, lowercase out

    def test_generated_keys_are_distinct_64_hex_and_round_trip(self):
        a, b = PrivateKey.generate(), PrivateKey.generate()
        self.assertNotEqual(a.id, b.id)
        for key in (a, b):
            self.assertRegex(key.hex(), r"^[0-9a-f]{64}$")
            self.assertRegex(key.id, r"^[0-9a-f]{64}$")
            self.assertEqual(PrivateKey(key.hex()).id, key.id)

    def test_malformed_keys_are_refused_with_the_reason(self):
        with self.assertRaisesRegex(ValueError, "64 hex characters, got 3"):
            PrivateKey("abc")
        with self.assertRaisesRegex(ValueError, "not hex"):
            PrivateKey("z" * 64)
        with self.assertRaises(TypeError):
            PrivateKey(b"0" * 64)  # type: ignore[arg-type]

    def test_repr_never_shows_the_secret(self):
        key = PrivateKey(DOC_KEY)
        self.assertNotIn(DOC_KEY, repr(key))
        self.assertNotIn(DOC_KEY, str(key))

    def test_key_files_must_be_private(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "user.key")
            PrivateKey(DOC_KEY).save(path)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            self.assertEqual(PrivateKey.from_file(path).id, DOC_ID)
            with self.assertRaises(FileExistsError):
                PrivateKey(DOC_KEY).save(path)  # never replaces a key
            os.chmod(path, 0o644)
            with self.assertRaisesRegex(ValueError, "accessible by group or others .*chmod 600"):
                PrivateKey.from_file(path)

    def test_verify_accepts_the_documented_signature_and_nothing_else(self):
        self.assertTrue(verify(DOC_PAYLOAD.encode(), DOC_SIGNATURE, DOC_ID))
        self.assertFalse(verify(DOC_PAYLOAD.encode() + b"x", DOC_SIGNATURE, DOC_ID))
        self.assertFalse(verify(DOC_PAYLOAD.encode(), DOC_SIGNATURE.upper(), DOC_ID))  # lowercase only, as the server
        self.assertFalse(verify(DOC_PAYLOAD.encode(), DOC_SIGNATURE, PrivateKey.generate().id))


class EnvelopeTest(unittest.TestCase):
    def test_the_documented_request_is_reproduced_byte_for_byte(self):
        body = build_request("submitfuncspecmsg", {"spec": DOC_SPEC}, PrivateKey(DOC_KEY), nonce=DOC_NONCE,
                             timestamp=DOC_TIMESTAMP)
        envelope = json.loads(body)
        self.assertEqual(envelope, {"payloadtype": "submitfuncspecmsg", "payload": DOC_PAYLOAD,
                                    "signature": DOC_SIGNATURE, "signer": DOC_ID})

    def test_payload_carries_msgtype_nonce_and_an_integer_timestamp(self):
        payload = json.loads(base64.b64decode(build_payload("getprocessmsg", {"processid": "p"}, "ab" * 16, 7)))
        self.assertEqual(payload, {"processid": "p", "msgtype": "getprocessmsg", "nonce": "ab" * 16, "timestamp": 7})
        with self.assertRaises(TypeError):
            build_payload("getprocessmsg", {}, "ab" * 16, 7.5)  # type: ignore[arg-type]

    def test_every_request_gets_a_fresh_nonce(self):
        key = PrivateKey.generate()
        nonces = {json.loads(base64.b64decode(json.loads(build_request("versionmsg", {}, key))["payload"]))["nonce"]
                  for _ in range(20)}
        self.assertEqual(len(nonces), 20)
        for nonce in nonces:
            self.assertRegex(nonce, r"^[0-9a-f]{32}$")

    def test_non_ascii_text_is_sent_as_utf8(self):
        payload = base64.b64decode(build_payload("addlogmsg", {"message": "Temperatur 21 °C"}, "00" * 16, 1))
        self.assertIn("°C".encode("utf-8"), payload)

    def test_values_json_cannot_carry_are_refused_before_sending(self):
        with self.assertRaises(ValueError):
            encode_json({"x": float("nan")})
        with self.assertRaises(TypeError):
            encode_json({"x": {1, 2}})

    def test_only_version_and_serverinfo_may_be_unsigned(self):
        envelope = json.loads(build_unsigned_request("versionmsg"))
        self.assertEqual((envelope["signature"], envelope["signer"]), ("", ""))
        self.assertEqual(json.loads(base64.b64decode(envelope["payload"])), {"msgtype": "versionmsg"})
        with self.assertRaisesRegex(ValueError, "must be signed"):
            build_unsigned_request("submitfuncspecmsg")


class ReplyTest(unittest.TestCase):
    def test_success_reply_decodes_its_payload(self):
        reply = decode_reply(reply_body("getprocessmsg", {"processid": "p", "state": 2}))
        self.assertFalse(reply.error)
        self.assertEqual(reply.payload, {"processid": "p", "state": 2})

    def test_error_reply_carries_status_and_message(self):
        reply = decode_reply(reply_body("error", {"status": 403, "message": "not a member"}, error=True))
        self.assertTrue(reply.error)
        self.assertEqual((reply.status, reply.message), (403, "not a member"))

    def test_error_reply_without_a_status_is_still_an_error(self):
        reply = decode_reply(reply_body("error", {}, error=True))
        self.assertEqual(reply.status, 500)

    def test_malformed_replies_are_refused(self):
        for body in (b"not json", b"[]", b'{"payloadtype":"x"}', b'{"payloadtype":"x","payload":"!!"}'):
            with self.assertRaises(MalformedReply, msg=body):
                decode_reply(body)

    def test_each_status_has_its_exception(self):
        self.assertIsInstance(error_for_status(400, "m"), BadRequest)
        self.assertIsInstance(error_for_status(401, "m"), Unauthenticated)
        self.assertIsInstance(error_for_status(403, "m"), Forbidden)
        odd = error_for_status(418, "teapot", "versionmsg")
        self.assertIs(type(odd), ServerError)
        self.assertEqual((odd.status, odd.message, odd.msgtype), (418, "teapot", "versionmsg"))
        self.assertEqual(str(odd), "versionmsg: teapot (HTTP 418)")


class ServerAddressTest(unittest.TestCase):
    def test_hosts_and_urls(self):
        self.assertEqual(str(parse_server("127.0.0.1")), "http://127.0.0.1:50080")
        self.assertEqual(str(parse_server("example.org:1234")), "http://example.org:1234")
        self.assertEqual(str(parse_server("example.org", tls=True)), "https://example.org:50080")
        self.assertEqual(str(parse_server("https://example.org:443")), "https://example.org:443")
        self.assertEqual(str(parse_server("localhost", default_port=9)), "http://localhost:9")

    def test_grpc_and_unknown_schemes_are_refused_with_a_hint(self):
        with self.assertRaisesRegex(ValueError, "HTTP\\(S\\) only"):
            parse_server("grpc://example.org:50081")
        with self.assertRaisesRegex(ValueError, "unknown scheme"):
            parse_server("ftp://example.org")
        with self.assertRaisesRegex(ValueError, "port"):
            parse_server("example.org:99999")
        with self.assertRaisesRegex(ValueError, "without a path"):
            parse_server("http://example.org/api")


if __name__ == "__main__":
    unittest.main()
