"""Results the generator already worked out, kept in a directory between runs
and found again by the digest of everything they depend on (the way Python
keeps compiled modules): the tree of a schema file that parsed and passed
the structural check (`trees`), the names the library's headers declare
(`headers`), the ABI baseline read and grouped (`baselines`), the README
blocks that do not depend on the schema (`blocks`), the compiled templates
(`templates`, in Jinja2's format) and the record of each successful run
(`runs`, see cli.py). A cache that cannot be read or written only makes a
run slower."""

import hashlib
import os

# pickle and tempfile are imported by the methods that need them: a run
# that finds nothing to do reads one entry, as bytes (`get_bytes`).

KEEP = 256      # entries of one kind; past that the oldest go


class Cache:
    def __init__(self, root):
        self.root = root

    def _path(self, kind, key):
        return os.path.join(self.root, kind, key)

    def get(self, kind, key):
        """The value stored under (kind, key), or None."""
        data = self.get_bytes(kind, key)
        if data is None:
            return None
        import pickle

        try:
            return pickle.loads(data)
        except Exception:       # truncated or from another version
            return None

    def put(self, kind, key, value):
        import pickle

        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return
        self.put_bytes(kind, key, data)

    def get_bytes(self, kind, key):
        """The bytes stored under (kind, key), or None."""
        try:
            with open(self._path(kind, key), "rb") as f:
                return f.read()
        except OSError:
            return None

    def put_bytes(self, kind, key, data):
        import tempfile

        folder = os.path.join(self.root, kind)
        tmp = None
        try:
            os.makedirs(folder, exist_ok=True)
            _prune(folder)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self._path(kind, key))
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


def _prune(folder):
    names = os.listdir(folder)
    if len(names) < KEEP:
        return
    paths = sorted((os.path.join(folder, n) for n in names), key=os.path.getmtime)
    for p in paths[:len(paths) - KEEP // 2]:
        os.unlink(p)


def digest(*parts):
    """Hex digest of byte strings, each length-prefixed (no two lists of
    parts give the same input)."""
    h = hashlib.sha256()     # OpenSSL's: several times CPython's own _sha256
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()
