"""The codebook service: the view the screen lists, and the one set of rename checks."""

from __future__ import annotations

import pytest

from tests.test_tagging import add_notes
from tui.services.codebook import CodebookService
from tui.store import StoreError

NOW = "2026-01-01T00:00:00.000Z"


@pytest.fixture
def service(store, clock, session_id):
    add_notes(store, session_id, clock, ["gave up #pain/onbording", "exports #need/export"])
    store.codebook.ensure(["unused/tag"], NOW)
    return CodebookService(store)


def test_the_view_lists_every_tag_with_its_use(service, session_id):
    view = service.view()
    assert [t["name"] for t in view.tags] == ["need/export", "pain/onbording", "unused/tag"]
    assert view.usage["need/export"].sessions == {session_id}
    assert view.sessions == 1


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ("  ", "cannot be empty"),
        ("two words", "space"),
        ("NEED/EXPORT", "already exists"),
        ("Pain/Onbording", None),  # its own name, in another case
        ("pain/onboarding", None),
    ],
)
def test_the_prompt_and_the_rename_refuse_the_same_names(service, new, problem):
    listed = service.view().tags
    found = service.rename_problem(listed, "pain/onbording", new)
    if problem is None:
        assert found is None
        service.rename("pain/onbording", new, NOW)
        return
    assert problem in found.lower() or problem in found
    with pytest.raises(StoreError) as refused:
        service.rename("pain/onbording", new, NOW)
    assert str(refused.value) == found


def test_a_description_is_saved(service, store):
    service.set_field("need/export", "description", "  wants data out ")
    assert store.codebook.get("need/export")["description"] == "wants data out"
