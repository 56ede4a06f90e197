"""Traditional text is matched as simplified; what is shown stays as written."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from duizhao.simplified import to_simplified


def test_traditional_becomes_simplified() -> None:
    assert to_simplified("理論學習不深入，聯繫羣眾不夠緊密") == "理论学习不深入，联系群众不够紧密"
    assert to_simplified("廉潔自律、黨風廉政建設") == "廉洁自律、党风廉政建设"


def test_simplified_and_ascii_unchanged() -> None:
    text = "理论学习不深入，联系群众不够紧密。(一) a,b:c;"
    assert to_simplified(text) == text


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=40))
def test_length_is_kept(text: str) -> None:
    # one character in, one character out: offsets into the original stay valid for matching
    assert len(to_simplified(text)) == len(text)
