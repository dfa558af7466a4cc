"""Record classes: what the generator used of @dataclasses.dataclass (an
__init__ from the annotated fields, with defaults and fresh defaults,
__repr__, __eq__, and frozen records with their hash), made at a fraction
of its cost. dataclasses writes and compiles three functions per class and
asks inspect for a signature: most of the time it took to import the model,
paid by every run that checks a schema. Here one small __init__ is compiled
per class and the rest is shared."""

from operator import attrgetter


_MISSING = object()


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


def fresh(make):
    """The default of a field that gets a new `make()` in each record (a
    dict or a list of its own)."""
    return _Factory(make)


class FrozenInstanceError(AttributeError):
    pass


def record(cls=None, *, frozen=False):
    """Make `cls` a record of its annotated fields, in their order."""
    def wrap(c):
        return _make(c, frozen)
    return wrap if cls is None else wrap(cls)


def _make(cls, frozen):
    names = list(cls.__dict__.get("__annotations__", {}))
    env = {"_object_setattr": object.__setattr__, "_MISSING": _MISSING}
    params, body = [], []
    for name in names:
        default = cls.__dict__.get(name, _MISSING)
        if isinstance(default, _Factory):
            env[f"_f_{name}"] = default.make
            params.append(f"{name}=_MISSING")
            value = f"_f_{name}() if {name} is _MISSING else {name}"
            delattr(cls, name)
        elif default is not _MISSING:
            env[f"_d_{name}"] = default
            params.append(f"{name}=_d_{name}")
            value = name
        else:
            params.append(name)
            value = name
        body.append(f"_object_setattr(self, '{name}', {value})" if frozen
                    else f"self.{name} = {value}")
    source = (f"def __init__(self, {', '.join(params)}):\n    "
              + ("\n    ".join(body) or "pass") + "\n")
    exec(source, env)   # noqa: S102 (names come from the class's own annotations)
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    cls.__record_fields__ = tuple(names)
    if len(names) > 1:
        values = attrgetter(*names)
    elif names:
        values = (lambda get: lambda self: (get(self),))(attrgetter(names[0]))
    else:
        values = lambda _self: ()      # noqa: E731
    cls._record_values = staticmethod(values)
    cls.__repr__ = _repr
    cls.__eq__ = _eq
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
        cls.__hash__ = _hash
    else:
        cls.__hash__ = None
    return cls


def _repr(self):
    fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__record_fields__)
    return f"{type(self).__qualname__}({fields})"


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self._record_values(self) == other._record_values(other)


def _hash(self):
    return hash(self._record_values(self))


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field '{name}'")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field '{name}'")
