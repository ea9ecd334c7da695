"""OTLP/JSON attribute lists cut out of the raw bytes before the parse, and made flat objects.

polars' JSON reader builds a node for every object, and an OTLP attribute is two
(`{"key":"k","value":{"intValue":"5"}}`): about 25 per GenAI span. Building them, then writing
the lists back as text to rewrite them, was most of the read. Cut out here instead, the parse
sees a short placeholder where each list was and builds a few nodes a span, and the lists,
as text, become flat objects (`{"k":"5",...}`) that are decoded once.

Only blocks without a backslash are cut: there every quote opens or closes a string, so a
literal holding a member name between quotes (`"attributes":[`, `"key":"`, `"value":`) only
matches where that member is, never inside a string. A list is cut at its first `}}]` (the end
of its last attribute) outside a string (after an even number of quotes); that is its end unless
a nested value (an array or a map) holds one, and then the text cut is not JSON (a bracket left
open) and the block goes to the other paths, as it does when an attribute is not written key
first and compactly with a scalar value, or the flat objects hold other than one member per
attribute.
"""

from __future__ import annotations

import polars as pl

START = b'"attributes":['
KEY = '{"key":"'
KINDS = ("stringValue", "intValue", "doubleValue", "boolValue", "bytesValue")
# The placeholder's text decodes to a backslash and the list's number: no string of a block
# without a backslash can decode to one, so a placeholder is never taken for the file's own text.
MARK = "\\"


def cut(block: bytes, strings: bool = False) -> tuple[bytes, list[bytes]] | None:
    """The block with each attribute list replaced by `"\\\\<n>"`, and the lists' texts (without
    their brackets) in order; None where the block holds a backslash or a list has no end.
    A list ends at its first `}}]`; with `strings`, at its first outside a string (after an even
    number of quotes). The plain cut costs a third less of the GIL-held time; where a list it
    gives holds an odd number of quotes (`quotes_even`), the block is cut again with `strings`."""
    if b"\\" in block:
        return None
    pieces = block.split(START)
    out = [pieces[0]]
    lists: list[bytes] = []
    for piece in pieces[1:]:
        if piece[:1] == b"]":
            lists.append(b"")
            rest = piece[1:]
        else:
            end = piece.find(b"}}]")
            while strings and end >= 0 and piece.count(b'"', 0, end) % 2:  # inside a string: the list goes on
                end = piece.find(b"}}]", end + 1)
            if end < 0:
                return None
            lists.append(piece[:end + 2])
            rest = piece[end + 3:]
        out.append(b'"attributes":"\\\\%d"' % (len(lists) - 1))
        out.append(rest)
    return b"".join(out), lists


def quotes_even(text: pl.Expr) -> pl.Expr:
    """Whether every list cut holds an even number of quotes (none ended inside a string)."""
    return (text.str.count_matches('"', literal=True) % 2 == 0).all()


def as_object(text: pl.Expr, kinds: tuple[str, ...] = KINDS) -> pl.Expr:
    """One list's text (`{"key":"k","value":{"intValue":"5"}},...`) as a flat object
    (`{"k":"5",...}`); an empty list as `{}`. `kinds`: the value kinds to rewrite (the rest
    stay as written, and fail the member count): a pass finding nothing costs as much as one
    rewriting, and most files hold strings and integers only (`rare_kinds`)."""
    o = text.str.replace_all('}},{"key":"', ',"', literal=True)
    for kind in kinds:
        o = o.str.replace_all(f'","value":{{"{kind}":', '":', literal=True)
    o = pl.concat_str(pl.lit('{"'), o.str.strip_prefix(KEY).str.strip_suffix("}}"), pl.lit("}"))
    return pl.when(text == "").then(pl.lit("{}")).otherwise(o)


COMMON = KINDS[:2]  # stringValue, intValue


def rare_kinds(text: pl.Expr) -> pl.Expr:
    """Whether any list holds a value of a kind other than COMMON (one pass for all of them)."""
    return text.str.contains('"(?:' + "|".join(KINDS[2:]) + ')":').any()


def attributes_in(text: pl.Expr) -> pl.Expr:
    """How many attributes the lists hold (each starts with `{"key":"`: no string holds a quote)."""
    return text.str.count_matches(KEY, literal=True).sum()


def members_in(flat: pl.Expr) -> pl.Expr:
    """How many members the flat objects hold (each key ends with `":`: no string holds a quote)."""
    return flat.str.count_matches('":', literal=True).sum()


def index_of(placeholder: pl.Expr) -> pl.Expr:
    """The list number a placeholder holds (null where the span had no attributes)."""
    return placeholder.str.strip_prefix(MARK).cast(pl.Int64)


def all_placeholders(placeholder: pl.Expr) -> pl.Expr:
    """Whether every attributes value read is a placeholder (not the file's own non-list value)."""
    return placeholder.is_null().or_(placeholder.str.starts_with(MARK)).all()
