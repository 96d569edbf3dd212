from hypothesis import given
from hypothesis import strategies as st

from docgen import uscc


def test_known_vectors() -> None:
    assert uscc.is_valid("91310110666007217T")
    assert uscc.is_valid("91310115591693856A")
    assert not uscc.is_valid("914403001922038217")


def test_messages_say_what_is_expected() -> None:
    assert "18位" in (uscc.problem("91310110666007217") or "")
    assert "“I”" in (uscc.problem("9131011066600721IT") or "")
    assert "“a”" in (uscc.problem("91310110666007217a") or "")
    msg = uscc.problem("914403001922038217") or ""
    assert "第18位应为“6”" in msg


@given(st.text(alphabet=uscc.CHARSET, min_size=17, max_size=17))
def test_make_is_valid_and_single_errors_are_caught(body: str) -> None:
    code = uscc.make(body)
    assert uscc.is_valid(code)
    # Changing the check character to any other character is always detected.
    for c in uscc.CHARSET:
        if c != code[17]:
            assert not uscc.is_valid(code[:17] + c)
