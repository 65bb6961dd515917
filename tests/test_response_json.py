"""Responses are encoded with orjson (hub/app.py `encode_json`): the same JSON values as the
json module gives, as text, and the json module still takes what orjson refuses."""

from __future__ import annotations

import json

from hub.app import encode_json


def test_a_result_encodes_to_the_same_json_values_as_the_json_module_gives() -> None:
    data = {
        "data": {
            "team": {
                "name": "Rīgas datu komanda",
                "allocation": 30,
                "share": 0.25,
                "lead": None,
                "open": True,
            },
            "nodes": [{"id": "per_1", "skills": []}],
        }
    }

    encoded = encode_json(data)

    assert isinstance(encoded, str)
    assert json.loads(encoded) == data
    assert "Rīgas" in encoded  # UTF-8 text, not \u escapes


def test_what_orjson_refuses_is_encoded_by_the_json_module() -> None:
    assert encode_json({"big": 2**70}) == '{"big":1180591620717411303424}'
    assert encode_json({1: "a"}) == '{"1":"a"}'
