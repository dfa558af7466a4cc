"""Text drawings for the reference doc.

`draw`: which bytes each field of a struct occupies.

One row per 8 bytes; each byte is CELL characters wide. Rows that lie wholly
inside one field that began on an earlier row are folded into one line."""

ROW = 8
CELL = 9


def _label(text, width):
    text = text if len(text) <= width else text[: width - 1] + "~"
    return text.ljust(width)


def draw(struct):
    lines = []
    head = "  offset  " + "".join(f"+{i}".ljust(CELL) for i in range(ROW))
    lines.append(head.rstrip())
    rows = (struct.size + ROW - 1) // ROW
    pending = None   # (first_row_offset, field) of folded continuation rows

    def flush(upto):
        nonlocal pending
        if pending is None:
            return
        start, f = pending
        tag = f"{start}..{upto - 1}"
        body = _label(f"  ... {f.name} continues", ROW * CELL - 1)
        lines.append(f"{tag:>8}  |{body}|")
        pending = None

    for r in range(rows):
        base = r * ROW
        cells = []
        inside = [f for f in struct.fields if f.offset < base + ROW and f.end > base]
        if len(inside) == 1 and inside[0].offset < base and inside[0].end >= base + ROW:
            if pending is None:
                pending = (base, inside[0])
            continue
        flush(base)
        for f in inside:
            lo = max(f.offset, base)
            hi = min(f.end, base + ROW)
            width = (hi - lo) * CELL - 1
            name = f.name if f.offset >= base else f"..{f.name}"
            cells.append(_label(name, width))
        lines.append(f"{base:>8}  |" + "|".join(cells) + "|")
    flush(rows * ROW)
    return "\n".join(lines)


def segment(lay):
    """The regions of the whole segment as stacked boxes, each labelled on
    the left with its offset formula."""
    def what(r):
        if r.struct:
            count = f" x {r.count.text}" if r.count else ""
            return f"{r.name}: {r.struct}{count}"
        parts = " + ".join(p.name for p in r.parts)
        count = f"per {r.each} entry" if r.each else f"x {r.count.text}"
        return f"{r.name}: ({parts}) {count}"
    labels = [what(r) for r in lay.regions]
    inner = max(len(t) for t in labels) + 2
    left = max(len(r.offset.text) for r in lay.regions) + 2
    rule = "+" + "-" * inner + "+"
    out = []
    for r, text in zip(lay.regions, labels):
        out.append(r.offset.text.ljust(left) + rule)
        out.append(" " * left + "| " + text.ljust(inner - 1) + "|")
    out.append("total_size".ljust(left) + rule)
    return "\n".join(out)
