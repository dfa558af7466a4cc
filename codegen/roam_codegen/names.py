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
