"""Edit a copy of the mini content in a test: change keys of its intents/_matching.yaml."""

from __future__ import annotations

import json
import re
from pathlib import Path


def set_rules(root: Path, **values: object) -> None:
    """Change keys of a content folder's intents/_matching.yaml, which (like the mini one) holds every key."""
    path = root / "intents" / "_matching.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text, found = re.subn(rf"(?m)^{key}:.*$", f"{key}: {json.dumps(value)}", text)
        assert found == 1, f"{key} is not in {path}"
    path.write_text(text, encoding="utf-8")
