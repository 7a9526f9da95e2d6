"""The comment thread on a pin's page (issue 13): htmx and plain posts, inline errors, viewers
reading only, and comments on an earlier version with the diff against the current content."""

from publishing.access import Actor
from publishing.models import PinComment
from publishing.services.comments import pin_comment
from publishing.services.pins import pin_edit


def test_an_editor_comments_through_htmx_and_gets_the_thread_back(cast, login, make_pin):
    pin = make_pin()
    response = login(cast.editor).post(f"/app/pins/{pin.public_id}/comments", {"body": "Ready, @mona?"},
                                       HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.strip().startswith('<section id="comments"')
    assert "Ready, @mona?" in html and "Mentions: Mona" in html and "eddie@acme.test" in html
    assert "<script" not in html and "style=" not in html  # the CSP forbids inline scripts and styles
    comment = PinComment.objects.get(pin=pin)
    assert list(comment.mentions.all()) == [cast.manager]


def test_without_javascript_the_form_posts_and_comes_back_to_the_pin(cast, login, make_pin):
    pin = make_pin()
    client = login(cast.manager)
    page = client.get(f"/app/pins/{pin.public_id}/").content.decode()
    assert f'action="/app/pins/{pin.public_id}/comments"' in page and "No comments yet." in page
    response = client.post(f"/app/pins/{pin.public_id}/comments", {"body": "Looks good"})
    assert response.status_code == 302 and response.url == f"/app/pins/{pin.public_id}/#comments"
    assert "Looks good" in client.get(response.url).content.decode()


def test_bad_comments_are_shown_on_the_form_never_a_500(cast, login, make_pin):
    pin = make_pin()
    client = login(cast.editor)
    for body, message in [("   ", "This field is required."), ("a\x00b", "Null characters are not allowed."),
                          ("x" * (PinComment.BODY_MAX_LENGTH + 1), "at most 2000 characters")]:
        for htmx in ({"HTTP_HX_REQUEST": "true"}, {}):
            response = client.post(f"/app/pins/{pin.public_id}/comments", {"body": body}, **htmx)
            html = response.content.decode()
            assert response.status_code == 422 and 'class="field-error"' in html and message in html, (body, htmx)
    assert not PinComment.objects.exists()


def test_a_viewer_reads_the_thread_but_cannot_comment(cast, login, make_pin, workspace):
    pin = make_pin()
    pin_comment(pin=pin, actor=Actor.for_user(cast.editor, workspace), body="First draft")
    client = login(cast.viewer)
    page = client.get(f"/app/pins/{pin.public_id}/").content.decode()
    assert "First draft" in page and "can read comments but not write them" in page
    assert f'action="/app/pins/{pin.public_id}/comments"' not in page
    assert client.post(f"/app/pins/{pin.public_id}/comments", {"body": "Me too"}).status_code == 403


def test_a_comment_on_an_earlier_version_links_to_the_diff(cast, login, make_pin, workspace):
    pin = make_pin(actor=cast.manager)
    manager = Actor.for_user(cast.manager, workspace)
    pin_comment(pin=pin, actor=manager, body="Say oak")
    client = login(cast.viewer)
    assert "on an earlier version" not in client.get(f"/app/pins/{pin.public_id}/").content.decode()
    pin_edit(pin=pin, actor=manager, data={"title": "An oak chair"})
    page = client.get(f"/app/pins/{pin.public_id}/").content.decode()
    diff_url = f"/app/pins/{pin.public_id}/versions/1/diff"
    assert "on an earlier version" in page and diff_url in page
    diff = client.get(diff_url).content.decode()
    assert "<del><span aria-hidden=\"true\">− </span>Pin 1</del>" in diff
    assert "<ins><span aria-hidden=\"true\">+ </span>An oak chair</ins>" in diff
    assert "description" not in diff  # unchanged fields are not listed
    assert client.get(f"/app/pins/{pin.public_id}/versions/2/diff").status_code == 404  # 2 is current


def test_another_teams_member_cannot_post_or_read_the_diff(cast, login, make_pin, workspace):
    pin = make_pin(actor=cast.manager)
    pin_edit(pin=pin, actor=Actor.for_user(cast.manager, workspace), data={"title": "Changed"})
    client = login(cast.outsider)
    assert client.post(f"/app/pins/{pin.public_id}/comments", {"body": "Hi"}).status_code == 404
    assert client.get(f"/app/pins/{pin.public_id}/versions/1/diff").status_code == 404
