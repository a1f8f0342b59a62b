"""The visitor turning luqum's tree into one `Q` per node."""

from django.db.models import Q
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from luqum.tree import Boost, Fuzzy, Phrase, Prohibit, Proximity, Word
from luqum.tree import Regex as RegexNode
from luqum.visitor import TreeVisitor

from .fields import Scope, bounded, equals, matches
from .parsing import QueryError, Term, unescape

MAX_DEPTH = 40
EXISTS = object()  # the field of `_exists_:<field name>`
UNSUPPORTED = {
    Fuzzy: "Fuzzy search (~)",
    Proximity: "Proximity search (~)",
    Boost: "Boosting (^)",
    RegexNode: "A regular expression (/…/)",
}


class QueryCompiler(TreeVisitor):
    """Returns one Q per node; nodes without a visit_ method are refused."""

    generic_visitor_method_name = "visit_unsupported"

    def __init__(self, scope: Scope):
        super().__init__()
        self.scope = scope

    def compile(self, tree) -> Q:
        return self.one(tree, {"field": None, "depth": 0})

    def one(self, node, context) -> Q:
        if context["depth"] >= MAX_DEPTH:
            raise QueryError(f"The query nests deeper than {MAX_DEPTH} levels", node.pos)
        (q,) = self.visit_iter(node, {**context, "depth": context["depth"] + 1})
        return q

    def visit_and_operation(self, node, context):
        yield Q(*(self.one(operand, context) for operand in node.operands))

    visit_unknown_operation = visit_and_operation  # juxtaposed terms

    def visit_or_operation(self, node, context):
        operands = (self.one(operand, context) for operand in node.operands)
        yield Q(*operands, _connector=Q.OR)

    def visit_not(self, node, context):
        yield ~self.one(node.a, context)

    visit_prohibit = visit_not

    def visit_plus(self, node, context):
        yield self.one(node.a, context)

    def visit_base_group(self, node, context):
        yield self.one(node.expr, context)

    def visit_search_field(self, node, context):
        if context["field"] is not None:
            raise QueryError(f'Field "{unescape(node.name)}" inside a field group', node.pos)
        field = EXISTS if node.name == "_exists_" else self.scope.field(node.name, node.pos)
        yield self.one(node.expr, {**context, "field": field})

    def visit_word(self, node, context):
        if context["field"] is None and node.value in ("&&", "||"):
            raise QueryError(f'Write AND, OR or NOT instead of "{node.value}"', node.pos)
        yield self.term(Term(node.value, node.pos), context)

    def visit_phrase(self, node, context):
        yield self.term(Term(node.value[1:-1], node.pos, is_phrase=True), context)

    def term(self, term: Term, context) -> Q:
        if context["field"] is EXISTS:
            name = term.text if term.is_phrase else term.raw
            return self.scope.field(name, term.position).exists()
        field = self.field(context, term.position)
        pieces = term.pieces()
        if pieces == [("*", True)]:
            return field.exists()
        if any(is_wildcard for _, is_wildcard in pieces):
            return matches(field, term, pieces)
        return equals(field, term)

    def visit_range(self, node, context):
        field = self.field(context, node.pos)
        low, high = self.bound(node.low), self.bound(node.high)
        bounds = []
        if low is not None:
            bounds.append((GreaterThanOrEqual if node.include_low else GreaterThan, low))
        if high is not None:
            bounds.append((LessThanOrEqual if node.include_high else LessThan, high))
        yield bounded(field, bounds)

    def visit_from(self, node, context):
        yield self.one_sided(node, context, GreaterThanOrEqual if node.include else GreaterThan)

    def visit_to(self, node, context):
        yield self.one_sided(node, context, LessThanOrEqual if node.include else LessThan)

    def one_sided(self, node, context, lookup) -> Q:
        """`field:>x`, `field:<=x` and the like."""
        bound = self.bound(node.a)
        field = self.field(context, node.pos)
        return bounded(field, [] if bound is None else [(lookup, bound)])

    def bound(self, node) -> Term | None:
        """A range end: None for `*`; luqum reads a leading minus as "prohibit"."""
        if isinstance(node, Prohibit) and isinstance(node.a, Word):
            return self.bound_term(Term("-" + node.a.value, node.pos))
        if isinstance(node, Phrase):
            return Term(node.value[1:-1], node.pos, is_phrase=True)
        if isinstance(node, Word):
            return None if node.value == "*" else self.bound_term(Term(node.value, node.pos))
        raise QueryError("A range bound must be a word, a number or a phrase", node.pos)

    def bound_term(self, term: Term) -> Term:
        if term.has_wildcards():
            raise QueryError("Wildcards are not allowed in a range", term.position)
        return term

    def field(self, context, position: int):
        """The field a term or range compares: the enclosing one, else the scope's default."""
        field = context["field"]
        if field is EXISTS:
            raise QueryError("_exists_ takes a field name", position)
        if field is None:
            field = self.scope.default
        if field is None:
            noun = self.scope.noun
            raise QueryError(f"A {noun} needs a field here", position, self.scope.known)
        return field

    def visit_unsupported(self, node, context):
        what = UNSUPPORTED.get(type(node), f"{type(node).__name__} here")
        raise QueryError(f"{what} is not supported", node.pos)
