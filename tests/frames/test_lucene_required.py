"""Labels a Lucene ROI query requires for certain: filters start from their index rows."""

import pytest

from frames.lucene import required_labels

CASES = {
    "car": {"car"},
    "car AND meta.occluded:false": {"car"},
    "label:car bus": {"car", "bus"},
    "car OR bus": set(),
    "(car AND red) OR (car AND blue)": {"car"},
    "NOT car": set(),
    "car*": set(),
    'label:"big truck"': {"big truck"},
    "rois.label.keyword:x": {"x"},
    "confidence:>0.5": set(),
    "meta.a:car": set(),
    "label:(car AND bus)": {"car", "bus"},
    "+car -bus": {"car"},
    "_exists_:label": set(),
    'meta."weather type":rain AND car': {"car"},
    "type:box": set(),
    "car\\*": {"car*"},
    "": set(),
}


@pytest.mark.parametrize(("query", "required"), CASES.items())
def test_a_label_counts_only_when_every_match_needs_it(query, required):
    assert required_labels(query) == required
