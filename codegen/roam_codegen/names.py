"""The C identifiers generated for each schema object, in one place, so that
the checks can find collisions and the templates use the same spelling."""

PREFIX = "roam"


def macro(*parts):
    return "_".join([PREFIX.upper()] + [p.upper() for p in parts])


def struct_type(s):
    return f"{PREFIX}_{s.name}_t"


def func(*parts):
    return "_".join([PREFIX] + list(parts))


def field_functions(s, f):
    """Accessor names for one field: {role: identifier}."""
    if f.reserved:
        return {}
    out = {}
    if f.atomic:
        out["load"] = func(s.name, "load", f.name)
        out["store"] = func(s.name, "store", f.name)
        for r in f.atomic.rmw:
            out[f"rmw:{r.name}"] = func(s.name, f.name, r.name)
    else:
        out["get"] = func(s.name, f.name)
        if not f.type.is_array:
            out["set"] = func(s.name, "set", f.name)
    if f.default is not None:
        out["effective"] = func(s.name, "effective", f.name)
    return out


def all_identifiers(schema):
    """Yield (identifier, where, what) for every name the header defines."""
    yield "roam_field_info_t", None, "the generator"
    yield "roam_field_value", None, "the generator"
    for c in schema.constants:
        yield macro(c.name), c.where, f"constant '{c.name}'"
        if c.type.is_array:
            yield macro(c.name, "size"), c.where, f"constant '{c.name}'"
        else:
            yield macro(c.name, "str"), c.where, f"constant '{c.name}'"
    for e in schema.enums:
        for v in e.values:
            yield macro(e.name, v.name), v.where, f"enum value '{e.name}.{v.name}'"
        yield func(e.name, "name"), e.where, f"enum '{e.name}'"
        yield func(e.name, "is_valid"), e.where, f"enum '{e.name}'"
    for fl in schema.flags:
        for b in fl.bits:
            yield macro(fl.name, b.name), b.where, f"flag '{fl.name}.{b.name}'"
        yield macro(fl.name, "all"), fl.where, f"flags '{fl.name}'"
        yield func(fl.name, "valid"), fl.where, f"flags '{fl.name}'"
    for s in schema.structs:
        yield struct_type(s), s.where, f"struct '{s.name}'"
        yield func(s.name, "fields"), s.where, f"struct '{s.name}'"
        for f in s.fields:
            for ident in field_functions(s, f).values():
                yield ident, f.where, f"field '{s.name}.{f.name}'"
    yield from layout_identifiers(schema)


# ---- Plain copies, errors and the layout -------------------------------------

LAYOUT_TYPE = f"{PREFIX}_layout_t"
CONFIG_TYPE = f"{PREFIX}_segment_config_t"
ERR_TYPE = f"{PREFIX}_err_t"
ERR_MAP = f"{PREFIX.upper()}_ERR_MAP"


def has_atomics(s):
    return any(f.atomic for f in s.fields)


def plain_type(s):
    """The type of a private copy of s: a twin without _Atomic, or s itself."""
    return f"{PREFIX}_{s.name}_plain_t" if has_atomics(s) else struct_type(s)


def plain_functions(s, f):
    """Getters of one field of a plain copy (structs with atomics only)."""
    if f.reserved or not has_atomics(s):
        return {}
    out = {"get": func(s.name, "plain", f.name)}
    if f.default is not None:
        out["effective"] = func(s.name, "plain_effective", f.name)
    return out


def error(e):
    return f"{PREFIX.upper()}_{e.name}"


def list_type(li):
    return f"{PREFIX}_{li.type}_t"


def item_type(r):
    return f"{PREFIX}_{r.name}_item_t"


def layout_functions(lay):
    """Every function the layout section defines: {identifier: what}."""
    out = {func("layout", "compute"): "layout", func("layout", "_compute"): "layout",
           func("layout", "from_header"): "layout", func("layout", "total_size"): "layout",
           func("layout", "_place"): "layout"}
    for op in ("add", "sub", "mul", "div", "mod", "shl", "shr", "or", "align_up"):
        out[func("layout", "_" + op)] = "layout"
    for r in lay.regions:
        if r.each:
            for fn in ("item", "place", "push"):
                out[func("layout", r.name, fn)] = f"region '{r.name}'"
        if r.parts:
            for p in r.parts:
                out[func("layout", r.name, p.name)] = f"region '{r.name}'"
        else:
            out[func("layout", r.name)] = f"region '{r.name}'"
        if not r.each:
            out[func("layout", r.name, "offset_at")] = f"region '{r.name}'"
    return out


def layout_identifiers(schema):
    """Yield (identifier, where, what) for the error and layout sections."""
    if schema.errors:
        yield ERR_TYPE, None, "the generator"
        yield ERR_MAP, None, "the generator"
        yield f"{PREFIX.upper()}_E__COUNT", None, "the generator"
        for e in schema.errors:
            yield error(e), e.where, f"error '{e.name}'"
    for s in schema.structs:
        if has_atomics(s):
            yield plain_type(s), s.where, f"struct '{s.name}'"
            for f in s.fields:
                for ident in plain_functions(s, f).values():
                    yield ident, f.where, f"field '{s.name}.{f.name}'"
    lay = schema.layout
    if lay is None:
        return
    yield LAYOUT_TYPE, lay.where, "layout"
    yield CONFIG_TYPE, lay.where, "layout"
    if lay.header:
        yield func(lay.header, "init"), lay.where, "layout"
    for li in lay.lists:
        yield list_type(li), li.where, f"layout list '{li.name}'"
    for r in lay.regions:
        if r.each:
            yield item_type(r), r.where, f"region '{r.name}'"
    for ident, what in layout_functions(lay).items():
        yield ident, lay.where, what
