"""The generator as a command, in its own process (the rest of the tests call
its main() in this one), and the repository's own schema/, README.md and
library headers as `make` hands them to it."""

import glob
import os
import shutil
import tempfile
import unittest

from .support import ROOT, GenTestCase, baseline, run_main


class CommandLine(GenTestCase):
    def test_generates_into_an_empty_directory(self):
        shutil.rmtree(self.ws.path("generated"))
        r = self.ws.run_process()
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertEqual(self.ws.generated(), baseline())

    def test_rejects_a_bad_schema_with_file_line_and_exit_1(self):
        self.ws.edit_schema("30-ring.yaml", "align: 64", "align: 12")
        before = self.ws.generated()
        r = self.ws.run_process()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^schema/30-ring\.yaml:\d+: struct 'ring_header': "
                                   r"align 12 is not a power of two\n$")
        self.assertEqual(self.ws.generated(), before)


class RealSchema(unittest.TestCase):
    """schema/ is only generated here, never read or matched by a test: any
    valid change to it keeps the generator's tests passing."""

    def test_the_repository_schema_generates_without_error(self):
        with tempfile.TemporaryDirectory(prefix="roam-codegen-real-") as tmp:
            headers = [os.path.join(ROOT, "src", "*.h"), os.path.join(ROOT, "src", "cli", "*.h")]
            self.assertTrue(glob.glob(headers[0]), "no library headers found")
            argv = ["--schema", os.path.join(ROOT, "schema"), "--out", tmp]
            for h in headers:
                argv += ["--headers", h]
            r = run_main(argv, tmp)
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            self.assertEqual(sorted(os.listdir(tmp)), ["docs", "roam_shm_layout.h"])
