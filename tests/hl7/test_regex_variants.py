"""Expressions without "~" in their classes accept exactly what the originals accept on text
with no "~" (hiecheck.hl7.regex_variants), on real segments and random mutations of them."""

from __future__ import annotations

import random
import re

import pytest

from hiecheck.hl7 import synth
from hiecheck.hl7.content import CompiledContent
from hiecheck.hl7.message import tokenize
from hiecheck.hl7.reader import RawMessage
from hiecheck.hl7.regex_variants import without_in_classes, without_repetition
from hiecheck.hl7.requirements import load_requirements


@pytest.mark.parametrize(
    ("source", "expected"),
    [(r"[^|~]*+", r"[^|]*+"), (r"[^|\^~]", r"[^|\^]"), (r"(?:~[^|~]*)*+", r"(?:~[^|]*)*+"),
     (r"[\^~& ]*", r"[\^& ]*"), (r"[]~a]", r"[]a]"), (r"\[~\]", r"\[~\]"), (r"[^\]~]", r"[^\]]"),
     (r"[\~a]", r"[a]"), (r"a~b", r"a~b")],
)
def test_tilde_leaves_classes_only(source: str, expected: str) -> None:
    assert without_in_classes(source, "~") == expected


@pytest.mark.parametrize("source", [r"[~]", r"[^~]", r"[^|~"])
def test_a_class_that_would_change_meaning_is_refused(source: str) -> None:
    with pytest.raises(ValueError):
        without_in_classes(source, "~")


def test_content_acceptor_variants_agree_on_text_without_tilde() -> None:
    rng = random.Random(5)
    texts_by_segment: dict[str, list[str]] = {}
    messages = []
    for number, lines in enumerate(synth.feed_batch(400, seed=9), 1):
        messages.append(tokenize(RawMessage("feed", number, list(enumerate(lines, 1)))))
        for line in lines:
            texts_by_segment.setdefault(line[:3], []).append(line)
    checked = 0
    for set_id in ("pcplus-tier3", "hie-adt"):
        requirements = load_requirements(set_id)
        assert requirements is not None
        compiled = CompiledContent(requirements)
        for message in messages[:40]:
            steps = compiled.steps(message.message_code, message.trigger_event, message.version)
            for step in steps:
                for seg_id, pattern, plain in step.acceptors or ():
                    assert plain.pattern == without_repetition(pattern).pattern
                    for text in texts_by_segment.get(seg_id, [])[:30]:
                        for variant in (text, _mutate(text, rng), _mutate(text, rng)):
                            if "~" in variant:
                                continue
                            assert bool(pattern.match(variant, 3)) == bool(
                                plain.match(variant, 3)), (pattern.pattern, variant)
                            checked += 1
    assert checked > 1000


def _mutate(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(3, len(chars))
        chars[at:at] = rng.choice(["|", "^", "&", '""', " ", "1", "A", "||", ".", "-"])
    return re.sub("~", "", "".join(chars))
