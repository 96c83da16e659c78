"""The Redactor: every spelling of every secret masked, nothing shorter than a secret touched."""

from __future__ import annotations

from nuesync.redact import Redactor


def test_every_occurrence_of_every_secret_is_masked() -> None:
    redactor = Redactor(["nue-key-1234", "00Dx!session"])

    text = redactor.text("key nue-key-1234 and nue-key-1234, session 00Dx!session")

    assert text == "key *** and ***, session ***"


def test_values_shorter_than_four_characters_are_left_alone() -> None:
    assert Redactor(["abc", "", "1"]).text("abc 1 2 3") == "abc 1 2 3"


def test_a_secret_inside_a_longer_one_does_not_leave_half_of_it() -> None:
    assert Redactor(["token", "token-extended"]).text("<token-extended>") == "<***>"


def test_url_and_json_spellings_are_masked_too() -> None:
    redactor = Redactor(['00Dx!s/e"cret'])

    assert redactor.text("url ?sid=00Dx%21s%2Fe%22cret form sid=00Dx%21s%2Fe%22cret") == "url ?sid=*** form sid=***"
    assert redactor.text('{"message": "bad 00Dx!s/e\\"cret"}') == '{"message": "bad ***"}'


def test_with_secrets_adds_to_what_is_masked() -> None:
    redactor = Redactor(["first-secret"]).with_secrets("issued-token")

    assert redactor.text("first-secret issued-token") == "*** ***"
