"""The conversation on a pin (issue 13): who may comment, mentions, the content version a comment
was about (kept when the content changes), bad input, and the audit log."""

import pytest

from publishing.access import AccessForbidden, AccessHidden, Actor
from publishing.content import content_diff
from publishing.models import AuditEvent, Pin, PinComment, PinContentVersion, PinStatus
from publishing.services.comments import mentioned_names, pin_comment
from publishing.services.errors import ValidationError
from publishing.services.keys import api_key_create
from publishing.services.pins import pin_create, pin_edit, pin_retry
from tests.conftest import make_member
from tests.pipeline_fixtures import pin_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def pin(cast, workspace, offline_account, offline_board) -> Pin:
    return pin_create(actor=Actor.for_user(cast.manager, workspace), source="dashboard",
                      data=pin_payload(offline_account, offline_board))


def as_member(user, workspace) -> Actor:
    return Actor.for_user(user, workspace)


def test_an_editor_comments_mentioning_members_of_the_team_only(cast, workspace, pin):
    make_member(cast.other_team, "mona@globex.test", "admin")  # same name, another team: never mentioned
    comment = pin_comment(pin=pin, actor=as_member(cast.editor, workspace),
                          body="  @mona please look. @ALICE, too; mail eddie@acme.test or @nobody.  ")
    assert comment.body == "@mona please look. @ALICE, too; mail eddie@acme.test or @nobody."
    assert sorted(user.email for user in comment.mentions.all()) == ["alice@acme.test", "mona@acme.test"]
    assert (comment.author, comment.author_label, comment.content_version) == (cast.editor, "eddie@acme.test", 1)


def test_mention_names_end_before_a_full_stop_and_never_inside_an_address():
    assert mentioned_names("Thanks @mona. And a@b.test, (@Eddie)") == {"mona", "eddie"}


def test_viewers_read_but_do_not_comment_and_outsiders_see_nothing(cast, workspace, pin):
    with pytest.raises(AccessForbidden):
        pin_comment(pin=pin, actor=as_member(cast.viewer, workspace), body="Hi")
    other_workspace = cast.other_team.workspaces.first()
    with pytest.raises(AccessHidden):
        pin_comment(pin=pin, actor=as_member(cast.outsider, other_workspace), body="Hi")
    assert not PinComment.objects.exists()


def test_a_key_needs_write_to_comment(workspace, pin):
    system = Actor.system(workspace, job="test")
    reader = Actor.for_key(api_key_create(actor=system, name="r", scopes=["read"]).key)
    with pytest.raises(AccessForbidden):
        pin_comment(pin=pin, actor=reader, body="Hi")
    writer = Actor.for_key(api_key_create(actor=system, name="w", scopes=["read", "write"]).key)
    comment = pin_comment(pin=pin, actor=writer, body="From a script")
    assert comment.author is None and comment.author_key == writer.api_key
    assert comment.author_label.startswith("API key ")


@pytest.mark.parametrize(("body", "problem"), [("", "Write"), ("   \n ", "Write"), ("a\x00b", "NUL"),
                                               ("x" * (PinComment.BODY_MAX_LENGTH + 1), "at most")])
def test_bad_bodies_are_refused_naming_the_body(cast, workspace, pin, body, problem):
    with pytest.raises(ValidationError) as refused:
        pin_comment(pin=pin, actor=as_member(cast.manager, workspace), body=body)
    assert refused.value.field == "body" and problem in refused.value.message
    assert not PinComment.objects.exists()


def test_the_longest_body_is_kept_whole(cast, workspace, pin):
    body = "y" * PinComment.BODY_MAX_LENGTH
    assert pin_comment(pin=pin, actor=as_member(cast.manager, workspace), body=body).body == body


def test_each_comment_is_in_the_audit_log(cast, workspace, pin):
    comment = pin_comment(pin=pin, actor=as_member(cast.editor, workspace), body="Ask @mona")
    event = AuditEvent.objects.get(action="pin.commented")
    assert event.actor_user == cast.editor and event.target_id == str(pin.public_id)
    assert event.details == {"comment_id": str(comment.public_id), "content_version": 1,
                             "mentions": ["mona@acme.test"]}


def test_an_edit_keeps_the_earlier_content_and_marks_older_comments(cast, workspace, pin):
    manager = as_member(cast.manager, workspace)
    first = pin_comment(pin=pin, actor=manager, body="Title is too long")
    pin_edit(pin=pin, actor=manager, data={"title": "A chair", "description": "Oak.\nRed lacquer."})
    pin.refresh_from_db()
    assert pin.content_version == 2
    earlier = PinContentVersion.objects.get(pin=pin)
    assert (earlier.version, earlier.values["title"], earlier.values["description"]) == (
        1, "A red chair", "Oak and red lacquer.")
    second = pin_comment(pin=pin, actor=manager, body="Better")
    assert second.content_version == 2
    thread = {comment.pk: comment.on_earlier_version for comment in PinComment.objects.thread(pin)}
    assert thread == {first.pk: True, second.pk: False}
    diff = {field.name: field.lines for field in content_diff(earlier.values, pin.content_values())}
    assert diff == {"title": [("-", "A red chair"), ("+", "A chair")],
                    "description": [("-", "Oak and red lacquer."), ("+", "Oak."), ("+", "Red lacquer.")]}


def test_an_edit_that_changes_nothing_keeps_the_version(cast, workspace, pin):
    pin_edit(pin=pin, actor=as_member(cast.manager, workspace), data={"title": "A red chair"})
    pin.refresh_from_db()
    assert pin.content_version == 1 and not PinContentVersion.objects.exists()


def test_a_retry_to_another_board_is_a_new_version(cast, workspace, pin, offline_account):
    other = offline_account.boards.create(pinterest_board_id="2000000000000000002", name="Other")
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.FAILED)
    pin_retry(pin=pin, actor=as_member(cast.manager, workspace), board_id=other.pinterest_board_id)
    pin.refresh_from_db()
    assert pin.content_version == 2
    assert PinContentVersion.objects.get(pin=pin).values["board_id"] != other.pinterest_board_id
