import pytest

from frames.lucene import QueryError, check_query


def error_of(query: str, scope="roi") -> QueryError:
    with pytest.raises(QueryError) as caught:
        check_query(query, scope=scope)
    assert caught.value.code == "invalid_query"
    return caught.value


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("label:)", 'Unexpected ")" at position 6'),
        ("car AND", "Unexpected end of query at position 7"),
        ("label:(car", "Unexpected end of query at position 10"),
        ("confidence:[0 TO 1", "Unexpected end of query at position 18"),
        ('label:"car', "Unclosed quote at position 6"),
        (
            "label:car AND colour:red",
            'Unknown field "colour" at position 14; known: label, confidence, type, id, meta.<key>',
        ),
        (
            'meta."a b":x AND colour:red',
            'Unknown field "colour" at position 17; known: label, confidence, type, id, meta.<key>',
        ),
        ("car~2", "Fuzzy search (~) is not supported at position 0"),
        ("label:car~", "Fuzzy search (~) is not supported at position 6"),
        ("car^2", "Boosting (^) is not supported at position 0"),
        ("car~.", "Fuzzy search (~) is not supported at position 3"),
        ("car^.", "Boosting (^) is not supported at position 3"),
        ('"big car"~1.5', "Fuzzy search (~) is not supported at position 9"),
        ('"big car"~3', "Proximity search (~) is not supported at position 0"),
        ("bus OR /ca.*/", "A regular expression (/…/) is not supported at position 7"),
        ("confidence:high", '"high" is not a number; confidence takes numbers at position 11'),
        ("confidence:0.*", "Wildcards work on text; confidence is a number at position 11"),
        (
            "type:circle",
            'Unknown type "circle" at position 5; known: box, polygon, keypoints, ellipse, polyline, mask, frame',
        ),
        ("meta.x:[1 TO b]", "A range's bounds must both be numbers or both text at position 8"),
        ("label:[a* TO b]", "Wildcards are not allowed in a range at position 7"),
        ("label:(type:box)", 'Field "type" inside a field group at position 7'),
        ("meta:x", 'Field "meta" needs a key (meta.<key>) at position 0'),
        ("meta.a..b:x", 'Empty key in "meta.a..b" at position 0'),
        ("_exists_:[a TO b]", "_exists_ takes a field name at position 9"),
        ("car && bus", 'Write AND, OR or NOT instead of "&&" at position 4'),
        ('meta."a b":x AND', "Unexpected end of query at position 16"),
        ('meta."a b":x~2', "Fuzzy search (~) is not supported at position 11"),
    ],
)
def test_bad_roi_queries_name_problem_and_position(query, message):
    error = error_of(query)
    assert error.messages == [message]


def test_query_error_carries_the_position():
    assert error_of("label:car AND colour:red").position == 14


def test_frame_query_knows_frame_fields_only():
    assert error_of("label:car", scope="frame").messages == [
        'Unknown field "label" at position 0; known: id, context_id, timestamp, meta.<key>'
    ]
    assert error_of("meta.x:1 rain", scope="frame").messages == [
        "A frame query needs a field here at position 9; known: id, context_id, timestamp, "
        "meta.<key>"
    ]


def test_overlong_query_is_refused():
    error = error_of(" OR ".join(["car"] * 2000))
    assert error.messages == ["The query is longer than 5000 characters at position 5000"]


@pytest.mark.parametrize("inner", ["car", 'meta."a b":x'])
def test_deep_nesting_is_refused_not_crashed(inner):
    error = error_of("(" * 2000 + inner + ")" * 2000)
    assert error.messages == ["The query nests deeper than 40 levels at position 40"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (r"car\\~1..", "Fuzzy search (~) is not supported at position 5"),
        ('"x~1.." car~1..', "Fuzzy search (~) is not supported at position 11"),
        ('meta."a b":x~1..', "Fuzzy search (~) is not supported at position 12"),
    ],
)
def test_an_unreadable_degree_is_found_past_escapes_phrases_and_quoted_keys(query, message):
    assert error_of(query).messages == [message]
