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


class Arguments(GenTestCase):
    def test_unknown_argument(self):
        r = self.run_gen("--colour")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.splitlines()[-1], "gen.py: error: unknown argument '--colour'")
        self.assertTrue(r.stderr.startswith("usage: gen.py "))

    def test_option_without_its_value(self):
        r = run_main(["--out"], self.ws.root)
        self.assertEqual((r.returncode, r.stderr.splitlines()[-1]),
                         (2, "gen.py: error: --out needs a value"))
        r = run_main(["--headers", "--check"], self.ws.root)
        self.assertEqual((r.returncode, r.stderr.splitlines()[-1]),
                         (2, "gen.py: error: --headers needs at least one header or glob"))

    def test_values_with_equals_and_several_headers(self):
        header = os.path.join(self.ws.root, "lib.h")
        with open(header, "w") as f:
            f.write("int roam_demo_header_users(void);\n")
        r = run_main(["--schema=schema", "--out=generated", "--headers", header,
                      header], self.ws.root)
        self.assertEqual(r.returncode, 1)
        self.assertIn("generated C name 'roam_demo_header_users' is already declared by "
                      "the library", r.stderr)

    def test_headers_that_name_no_file(self):
        r = run_main(["--headers", "nowhere/*.h"], self.ws.root)
        self.assertEqual((r.returncode, r.stderr), (1, "nowhere/*.h:0: --headers: no such file\n"))

    def test_help(self):
        r = run_main(["--help"], self.ws.root)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertIn("--schema", r.stdout)


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
