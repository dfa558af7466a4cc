"""Generated blocks of a README: `--readme` rewrites them (and only them),
`--check` names the README and the line of a stale block, bad markers are
errors, and an up-to-date README is not touched."""

import os

from .support import GenTestCase

from roam_codegen import language, language_doc, readme  # noqa: E402

PROSE = "Hand-written text the generator must keep.\n"


class ReadmeBlocks(GenTestCase):
    def write_readme(self, body=None):
        if body is None:
            body = "".join(f"\n## {name}\n\n<!-- generated:{name} -->\nold text\n"
                           f"<!-- /generated:{name} -->\n{PROSE}"
                           for name in sorted(readme.renderers()))
        self.ws.write("README.md", "# Title\n\n" + PROSE + body)

    def run_readme(self, *extra):
        return self.run_gen("--readme", "README.md", *extra)

    def test_blocks_are_filled_from_their_renderers(self):
        self.write_readme()
        r = self.run_readme()
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        text = self.ws.read("README.md")
        self.assertNotIn("old text", text)
        self.assertEqual(text.count(PROSE), len(readme.renderers()) + 1)
        field = language_doc.table("field")
        self.assertIn("<!-- generated:schema-language/field -->\n" + field
                      + "<!-- /generated:schema-language/field -->\n", text)
        self.assertIn("| `writer` | yes | one of `host-init`, `host`,", field)
        self.assertEqual(self.run_readme("--check").returncode, 0)

    def test_the_language_tables_are_kept_in_the_cache(self):
        self.write_readme()
        cache = ("--cache", self.ws.path("cache"))
        tables = []
        real = language_doc.table
        language_doc.table = lambda obj: tables.append(obj) or real(obj)
        self.addCleanup(setattr, language_doc, "table", real)
        self.assertEqual(self.run_readme().returncode, 0)
        plain = self.ws.read("README.md")
        count = len(tables)
        self.assertEqual(count, len(language.object_definitions()))
        for runs in (1, 2):     # written to the cache, then read from it
            self.write_readme()
            self.assertEqual(self.run_readme(*cache).returncode, 0)
            self.assertEqual(self.ws.read("README.md"), plain)
            self.assertEqual(len(tables), 2 * count)
        # An edited schema file: the whole run again, the tables still kept.
        self.ws.edit_schema("30-ring.yaml", "size: 128", "size: 128  # same")
        self.assertEqual(self.run_readme(*cache).returncode, 0)
        self.assertEqual(self.ws.read("README.md"), plain)
        self.assertEqual(len(tables), 2 * count)

    def test_every_object_of_the_language_has_a_block(self):
        names = {n for n in readme.renderers() if n.startswith(language_doc.BLOCK_PREFIX)}
        self.assertEqual(names, {language_doc.BLOCK_PREFIX + o
                                 for o, _ in language.object_definitions()})

    def test_check_names_the_stale_block_and_writes_nothing(self):
        self.write_readme()
        self.assertEqual(self.run_readme().returncode, 0)
        self.ws.edit("README.md", "| `offset` | yes |", "| `offset` | no |")
        before = self.ws.read("README.md")
        r = self.run_readme("--check")
        self.assertEqual(r.returncode, 1)
        line = before.split("\n").index("<!-- generated:schema-language/field -->") + 1
        self.assertEqual(r.stderr, f"README.md:{line}: generated block "
                         "'schema-language/field' differs from what the generator gives "
                         "(edited by hand, or not regenerated: run 'make regen')\n")
        self.assertEqual(self.ws.read("README.md"), before)
        self.assertEqual(self.run_readme().returncode, 0)
        self.assertIn("| `offset` | yes |", self.ws.read("README.md"))

    def test_up_to_date_readme_is_not_written(self):
        self.write_readme()
        self.assertEqual(self.run_readme().returncode, 0)
        os.utime(self.ws.path("README.md"), ns=(10**18, 10**18))
        self.assertEqual(self.run_readme().returncode, 0)
        self.assertEqual(os.stat(self.ws.path("README.md")).st_mtime_ns, 10**18)

    def assertReadmeError(self, body, line, phrase):
        self.write_readme(body)
        before = self.ws.read("README.md")
        generated = self.ws.generated()
        r = self.run_readme()
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"README.md:{line}: {phrase}", r.stderr)
        self.assertEqual(self.ws.read("README.md"), before)
        self.assertEqual(self.ws.generated(), generated)

    def all_blocks_but(self, skip):
        return "".join(f"<!-- generated:{n} -->\n<!-- /generated:{n} -->\n"
                       for n in sorted(readme.renderers()) if n != skip)

    def test_unknown_block(self):
        self.assertReadmeError(self.all_blocks_but(None)
                               + "<!-- generated:nonsense -->\n<!-- /generated:nonsense -->\n",
                               4 + 2 * len(readme.renderers()),
                               "block 'nonsense': no such generated block")

    def test_registered_block_missing(self):
        self.assertReadmeError(self.all_blocks_but("schema-language/rmw"), 0,
                               "no block 'schema-language/rmw'")

    def test_block_never_closed(self):
        self.assertReadmeError(self.all_blocks_but(None) + "<!-- generated:x -->\n",
                               4 + 2 * len(readme.renderers()),
                               "block 'x' is never closed")

    def test_stray_closing_marker(self):
        self.assertReadmeError(self.all_blocks_but(None) + "<!-- /generated:x -->\n",
                               4 + 2 * len(readme.renderers()),
                               "'/generated:x' closes no open block")
