"""Labels every ROI matching a query must carry: `car AND meta.occluded:false` needs `car`.

Filters use them to start from the label index rows of the version's lineage instead of every
ROI of the database. Only what is certain counts: a term under OR counts when every branch needs
it, nothing under NOT, wildcards or ranges counts.
"""

from luqum.tree import (
    AndOperation,
    FieldGroup,
    Group,
    OrOperation,
    Phrase,
    Plus,
    SearchField,
    UnknownOperation,
    Word,
)

from .fields import LABEL, ROI_SCOPE
from .parsing import QueryError, Term, parse, unquote_keys


def required_labels(text: str) -> set[str]:
    """The labels a valid ROI query requires (empty when it requires none for certain)."""
    if not text or not text.strip():
        return set()
    rewritten, _ = unquote_keys(text)
    return _required(parse(rewritten), in_label_field=True)


def _is_label_field(name: str) -> bool:
    if name == "_exists_":
        return False
    try:
        return ROI_SCOPE.field(name, 0) is LABEL
    except QueryError:
        return False


def _required(node, *, in_label_field: bool) -> set[str]:
    if isinstance(node, AndOperation | UnknownOperation):
        return set().union(
            *(_required(child, in_label_field=in_label_field) for child in node.children)
        )
    if isinstance(node, OrOperation):
        branches = [_required(child, in_label_field=in_label_field) for child in node.children]
        return set.intersection(*branches)
    if isinstance(node, Group | FieldGroup | Plus):
        return _required(node.children[0], in_label_field=in_label_field)
    if isinstance(node, SearchField):
        return _required(node.expr, in_label_field=_is_label_field(node.name))
    if not in_label_field:
        return set()
    if isinstance(node, Word):
        term = Term(node.value, node.pos)
        return set() if term.has_wildcards() or node.value in ("&&", "||") else {term.text}
    if isinstance(node, Phrase):
        return {Term(node.value[1:-1], node.pos, is_phrase=True).text}
    return set()
