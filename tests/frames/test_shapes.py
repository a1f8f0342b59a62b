"""Ellipses, rotated boxes, polylines and masks (`frames.validation`, `frames.masks`): what each
shape accepts, what it is stored as, and the error that names what is wrong."""

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from frames.masks import decode, encode
from frames.validation import FieldError, clean_frame
from tests.frames.factories import box, frame_data


def cleaned_roi(roi: dict, **frame) -> dict:
    [annotation] = clean_frame(frame_data("a", rois=[roi], **frame))["annotations"]
    return annotation


def refusal(roi: dict, **frame) -> FieldError:
    with pytest.raises(FieldError) as caught:
        clean_frame(frame_data("a", rois=[roi], **frame))
    return caught.value


def pixels(height=48, width=64, *, rows=slice(5, 9), columns=slice(10, 20)) -> np.ndarray:
    image = np.zeros((height, width), dtype=np.uint8)
    image[rows, columns] = 1
    return image


def rle_string(image: np.ndarray) -> str:
    return coco_mask.encode(np.asfortranarray(image))["counts"].decode("ascii")


def mask_roi(counts, size=(48, 64), **extra) -> dict:
    return {"type": "mask", "labels": ["road"], "mask": {"size": list(size), "counts": counts}}


SMALL = {"width": 64, "height": 48}


# Boxes, ellipses and rotation


@pytest.mark.parametrize(
    ("given", "stored"),
    [(0, 0.0), (30, 30.0), (-90, -90.0), (180, 180.0), (-180, 180.0), (270, -90.0), (360, 0.0)],
)
def test_rotation_is_stored_in_degrees_from_minus_180_to_180(given, stored):
    roi = cleaned_roi(box("car", rotation=given))
    assert roi["rotation"] == stored


def test_an_ellipse_is_its_box_before_rotation_normalised_like_a_box():
    roi = cleaned_roi(
        {"type": "ellipse", "labels": ["ball"], "points": [[50, 40], [10, 20]], "rotation": 45}
    )
    assert (roi["type"], roi["points"], roi["rotation"]) == (
        "ellipse",
        [[10, 20], [50, 40]],
        45.0,
    )


def test_an_ellipse_needs_exactly_two_points():
    error = refusal({"type": "ellipse", "labels": ["x"], "points": [[1, 1], [2, 2], [3, 3]]})
    assert error.field == "rois[0].points"
    assert "An ellipse needs exactly 2 points" in error.message


@pytest.mark.parametrize("rotation", [400, -361, "10", float("nan"), True])
def test_a_rotation_out_of_range_or_not_a_number_is_refused(rotation):
    error = refusal(box("car", rotation=rotation))
    assert error.field == "rois[0].rotation"
    assert "degrees from -360 to 360" in error.message


def test_only_boxes_and_ellipses_rotate():
    polygon = {"type": "polygon", "labels": ["x"], "points": [[1, 1], [9, 1], [5, 5]]}
    error = refusal(polygon | {"rotation": 10})
    assert error.field == "rois[0].rotation"
    assert "Only boxes and ellipses rotate" in error.message


# Polylines


def test_a_polyline_is_an_open_line_of_two_points_or_more():
    line = {"type": "polyline", "labels": ["lane"], "points": [[1, 1], [30, 40]]}
    assert cleaned_roi(line)["points"] == [[1, 1], [30, 40]]
    error = refusal(line | {"points": [[1, 1]]})
    assert (error.field, error.message) == (
        "rois[0].points",
        "A polyline needs at least 2 points; it has 1.",
    )


def test_a_polygon_with_two_points_is_refused():
    error = refusal({"type": "polygon", "labels": ["x"], "points": [[1, 1], [5, 5]]})
    assert "A polygon needs at least 3 points; it has 2." in error.message


# Masks


def test_a_compressed_mask_is_kept_and_its_bounding_box_computed():
    image = pixels()
    roi = cleaned_roi(mask_roi(rle_string(image)), **SMALL)
    assert roi["mask"] == {"size": [48, 64], "counts": rle_string(image)}
    # Pixel edges: columns 10..19 and rows 5..8 are set.
    assert roi["points"] == [[10, 5], [20, 9]]
    assert (decode(roi["mask"]) == image).all()


def test_an_uncompressed_mask_is_stored_compressed():
    image = pixels()
    flat = image.flatten(order="F")
    changes = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate(([0], changes, [flat.size]))).tolist()
    roi = cleaned_roi(mask_roi(runs), **SMALL)
    assert roi["mask"]["counts"] == rle_string(image)


def test_a_masks_points_from_input_are_ignored():
    roi = cleaned_roi(mask_roi(rle_string(pixels())) | {"points": [[0, 0], [1, 1]]}, **SMALL)
    assert roi["points"] == [[10, 5], [20, 9]]


def test_a_mask_with_no_pixel_set_is_refused():
    error = refusal(mask_roi(rle_string(np.zeros((48, 64), dtype=np.uint8))), **SMALL)
    assert (error.field, error.code) == ("rois[0].mask", "empty_mask")
    assert "no pixel set" in error.message


def test_a_mask_of_another_size_than_its_source_is_refused():
    error = refusal(mask_roi(rle_string(pixels(40, 64)), size=(40, 64)), **SMALL)
    assert (error.field, error.code) == ("rois[0].mask.size", "wrong_size")
    assert "[48, 64]" in error.message


@pytest.mark.parametrize(
    ("counts", "problem"),
    [
        ("0", "cover 0 pixels"),
        # Runs adding up to more than the image: pycocotools would write past its end.
        (rle_string(pixels(96, 64)), "cover 6,144 pixels; the image has 3,072"),
        ("ÿÿ", "characters 0 to o"),
        ("abc~", "characters 0 to o"),
        ("0o", "end inside a run"),
        ([3000, -5, 77], "from 0 to 3,072"),
        ([3000, 1.5, 71.5], "whole numbers"),
        # Past 64 bits NumPy would wrap these around to 4 pixels (or refuse them with a 500).
        ([2**63 - 1, 2**63 - 1, 6], "from 0 to 3,072"),
        ([2**64], "from 0 to 3,072"),
        # A seventh character of a run overflows pycocotools' 32-bit shift.
        ("PPPPPP0", "too long"),
        (42, "COCO RLE string or a list"),
    ],
)
def test_broken_rle_counts_are_refused_before_pycocotools_reads_them(counts, problem):
    error = refusal(mask_roi(counts), **SMALL)
    assert error.field == "rois[0].mask.counts"
    assert problem in error.message


def test_a_mask_size_is_whole_numbers():
    error = refusal(mask_roi(rle_string(pixels()), size=(48.0, 64.0)), **SMALL)
    assert (error.field, error.code) == ("rois[0].mask.size", "wrong_size")


def test_a_mask_of_an_image_beyond_134_megapixels_is_refused_before_any_decoding():
    error = refusal(mask_roi([20000 * 20000], size=(20000, 20000)), width=20000, height=20000)
    assert (error.field, error.code) == ("rois[0].mask.size", "too_large")
    assert "134,217,728 pixels" in error.message


def test_a_mask_does_not_rotate():
    error = refusal(mask_roi(rle_string(pixels())) | {"rotation": 10}, **SMALL)
    assert error.field == "rois[0].rotation"


def test_a_mask_is_an_object_with_size_and_counts():
    error = refusal({"type": "mask", "labels": ["x"], "mask": "abc"}, **SMALL)
    assert error.field == "rois[0].mask"


def test_mask_encode_and_decode_round_trip_pycocotools_strings():
    image = pixels(rows=slice(0, 48, 3), columns=slice(1, 63))
    assert encode(image) == {"size": [48, 64], "counts": rle_string(image)}
    assert (decode(encode(image)) == image).all()


# Sources


def group(*sources, rois=()) -> dict:
    frame = frame_data("g", rois=rois)
    del frame["source"]
    frame["sources"] = [
        {"id": name, "uri": f"https://example.com/{name}.jpg", "width": w, "height": h}
        for name, w, h in sources
    ]
    return frame


def test_a_frame_group_keeps_its_sources_and_mirrors_the_first():
    frame = clean_frame(group(("front", 640, 480), ("rear", 320, 200)))
    assert [s["id"] for s in frame["sources"]] == ["front", "rear"]
    assert frame["sources"][1] == {
        "id": "rear",
        "uri": "https://example.com/rear.jpg",
        "width": 320,
        "height": 200,
        "meta": {},
    }
    assert (frame["uri"], frame["width"], frame["height"]) == (
        "https://example.com/front.jpg",
        640,
        480,
    )


def test_a_shape_lies_in_its_own_sources_pixels_and_defaults_to_the_first():
    frame = clean_frame(
        group(
            ("front", 640, 480),
            ("rear", 320, 200),
            rois=[box("car", x=400, y=10), box("car", x=10, y=10, source="rear")],
        )
    )
    assert [a["source"] for a in frame["annotations"]] == ["front", "rear"]
    with pytest.raises(FieldError) as caught:
        clean_frame(
            group(("front", 640, 480), ("rear", 320, 200), rois=[box(x=400, source="rear")])
        )
    assert caught.value.field == "rois[0].points[0]"
    assert "0..320" in caught.value.message


def test_a_shape_on_an_unknown_source_is_refused_naming_the_known_ones():
    with pytest.raises(FieldError) as caught:
        clean_frame(group(("front", 640, 480), rois=[box(source="side")]))
    assert caught.value.field == "rois[0].source"
    assert "no source 'side'" in caught.value.message
    assert "'front'" in caught.value.message


def test_frame_labels_belong_to_the_whole_frame():
    frame = group(("front", 640, 480))
    frame["frame_labels"] = [{"labels": ["night"]}]
    [label] = clean_frame(frame)["annotations"]
    assert label["source"] == ""


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"sources": []}, "sources", "non-empty list"),
        ({"sources": "front"}, "sources", "non-empty list"),
        ({"source": {"uri": "x", "width": 1, "height": 1}}, "source", "not both"),
        (
            {"sources": [{"id": "a", "uri": "u", "width": 1, "height": 1}] * 2},
            "sources[1].id",
            "twice",
        ),
        ({"sources": [{"uri": "u", "width": 1, "height": 1}]}, "sources[0].id", "source id"),
        (
            {"sources": [{"id": "a", "uri": "u", "width": 0, "height": 1}]},
            "sources[0].width",
            "1 to",
        ),
        (
            {"sources": [{"id": "a" * 65, "uri": "u", "width": 1, "height": 1}]},
            "sources[0].id",
            "64",
        ),
        (
            {"sources": [{"id": f"s{i}", "uri": "u", "width": 1, "height": 1} for i in range(17)]},
            "sources",
            "at most 16",
        ),
    ],
)
def test_bad_sources_are_refused_naming_the_field(change, field, problem):
    frame = group(("front", 640, 480)) | change
    with pytest.raises(FieldError) as caught:
        clean_frame(frame)
    assert caught.value.field == field
    assert problem in caught.value.message
