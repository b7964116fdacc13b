"""Markdown to safe HTML: fenced divs, figures, code, checks, sanitising."""

import pytest

from lms.courses.render import ContentError, LessonRenderer, parse_check


def render(body: str):
    return LessonRenderer("test.md", lambda name: {"02-next.md": "02-next"}.get(name)).render(body)


def test_fenced_divs_become_boxes_and_solutions_fold():
    result = render(
        "::::: challenge\n\n## Try it\n\nWhat does `ls` do?\n\n:::: solution\n\n## Solution\n\nIt lists files.\n\n::::\n:::::\n"
    )
    html = result.html
    assert '<section class="box box-challenge" aria-label="Exercise">' in html
    assert "<details class=\"solution\"><summary>Show the solution</summary>" in html
    assert "It lists files." in html.split("<details")[1]
    assert ":::" not in html


def test_unknown_div_class_is_a_plain_box_and_instructor_notes_vanish():
    html = render("::: mystery\nStrange words.\n:::\n\n::: instructor\nTEACHER-ONLY note.\n:::\n\nAfter.").html
    assert '<div class="box"><p>Strange words.</p></div>' in html
    assert "TEACHER-ONLY" not in html and "instructor" not in html
    assert "<p>After.</p>" in html


def test_spoiler_uses_its_heading_as_the_summary():
    html = render("::: spoiler\n\n## Clearing your terminal\n\nUse clear.\n\n:::\n").html
    assert "<summary>Clearing your terminal</summary>" in html


def test_pandoc_image_attributes_give_alt_text_and_collect_the_figure():
    result = render("![](fig/tree.svg){alt='A tree of \\*folders\\*'}\n")
    assert '<img src="media/fig/tree.svg" alt="A tree of *folders*">' in result.html
    assert "{alt=" not in result.html
    assert result.assets == {"fig/tree.svg"}


def test_remote_images_become_links_so_pages_fetch_nothing_elsewhere():
    html = render("![A chart](https://cdn.example.com/chart.png)\n").html
    assert "<img" not in html
    assert '<a href="https://cdn.example.com/chart.png" rel="noopener noreferrer">A chart</a>' in html


def test_code_blocks_are_highlighted_and_output_is_labelled():
    html = render("```bash\n$ ls -F\n```\n\n```output\nfile.txt\n```\n\n  ```bash\n  $ indented\n  ```\n").html
    assert '<div class="code code-code"><p class="code-label">bash</p><div class="highlight">' in html
    assert '<div class="code code-output"><p class="code-label">Output</p>' in html
    assert html.count('<p class="code-label">bash</p>') == 2  # the fence indented in a list is code too
    assert "indented\n</code>" in html and "```" not in html


def test_colons_inside_code_are_not_divs():
    html = render("```text\n::: not a div\n```\n").html
    assert "::: not a div" in html and "box" not in html


def test_links_to_other_episodes_point_to_lessons_and_outside_pages_keep_their_words():
    html = render("See [the next one](02-next.md#top) and [setup](../learners/setup.md) and [web](https://example.com).").html
    assert '<a href="02-next#top"' in html
    assert '<span class="dead-link">setup</span>' in html
    assert 'href="https://example.com"' in html


def test_headings_get_unique_anchors():
    result = render("## Intro\n\ntext\n\n## Intro\n\n::: callout\n## Boxed\n:::\n")
    assert '<h2 id="intro">Intro <a class="anchor" href="#intro"' in result.html
    assert 'id="intro-2"' in result.html
    assert result.headings == [[2, "intro", "Intro", False], [2, "intro-2", "Intro", False], [2, "boxed", "Boxed", True]]


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ("<script>alert('x')</script>", "<script"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "javascript:"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<div onclick="steal()">hi</div>', "onclick"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<p style="position:fixed">x</p>', "style="),
        ("<svg><script>alert(1)</script></svg>", "<svg"),
        ('<form action="https://evil.example"><input name="password"></form>', "<form"),
    ],
)
def test_author_html_is_sanitised(payload, forbidden):
    html = render(f"Hello\n\n{payload}\n\nworld").html
    assert forbidden not in html.lower()


def test_checks_are_taken_out_of_the_body_with_their_answers():
    result = render("Text\n\n```check\nid: one\nkind: multiple\nquestion: Pick\nchoices: [a, b, c]\ncorrect: [1, 3]\nexplanation: Because.\n```\n")
    assert "Pick" not in result.html
    (check,) = result.checks
    assert check.answer == {"correct": [0, 2]} and check.choices == ["a", "b", "c"]


@pytest.mark.parametrize(
    "source, message",
    [
        ("kind: single\nquestion: Q\nchoices: [a, b]\ncorrect: 1\nexplanation: E", "`id`"),
        ("id: x\nkind: single\nquestion: Q\nchoices: [a, b]\ncorrect: 3\nexplanation: E", "`correct`"),
        ("id: x\nkind: single\nquestion: Q\nchoices: [a, b]\ncorrect: [1, 2]\nexplanation: E", "exactly one"),
        ("id: x\nkind: text\nquestion: Q\nexplanation: E", "`answers`"),
        ("id: x\nkind: single\nquestion: Q\nchoices: [a, b]\ncorrect: 1", "`explanation`"),
        ("id: x\nquestion: Q: broken: yaml", "not valid YAML"),
    ],
)
def test_broken_checks_are_refused_with_the_reason(source, message):
    with pytest.raises(ContentError, match=message):
        parse_check(source, "lesson.md")


def test_text_answers_ignore_case_and_spacing():
    check = parse_check("id: x\nkind: text\nquestion: Q\nanswers: ['Ninety  Days', 90]\nexplanation: E", "l.md")
    assert check.answer == {"accepted": ["90", "ninety days"]}


def test_reference_links_defined_at_the_end_work_inside_boxes():
    html = render(
        "::: callout\nThe [**argument**][Arguments] and [Options] matter.\n:::\n\nSee [Arguments].\n\n"
        "[Arguments]: https://example.com/reference#argument\n[Options]: https://example.com/reference#option\n"
    ).html
    assert "[Arguments]" not in html and "][" not in html and "[Options]" not in html
    assert html.count('href="https://example.com/reference#argument"') == 2
    assert '<a href="https://example.com/reference#option" rel="noopener noreferrer">Options</a>' in html


@pytest.mark.parametrize(
    "cls, label",
    [
        ("objectives", "Objectives"), ("questions", "Questions"), ("keypoints", "Key points"),
        ("checklist", "Checklist"), ("testimonial", "Testimonial"), ("discussion", "Discussion"),
        ("challenge", "Exercise"), ("prereq", "Prerequisites"),
    ],
)
def test_every_workbench_box_is_labelled_and_never_raw(cls, label):
    html = render(f"::::: {cls}\n\nInside the {cls} box.\n\n:::::\n").html
    assert f'class="box box-{cls}" aria-label="{label}"><p class="box-label">{label}</p>' in html
    assert f"<p>Inside the {cls} box.</p>" in html and ":::" not in html


def test_callout_with_a_title_and_a_spoiler_without_heading():
    html = render("::: callout\n## Tip of the day\nUse tab.\n:::\n\n::: spoiler\nHidden words.\n:::\n").html
    assert '<aside class="box box-callout"><h2 id="tip-of-the-day">Tip of the day' in html
    assert '<details class="spoiler"><summary>Show more</summary><div class="details-body"><p>Hidden words.</p>' in html


def test_image_markup_shown_as_code_is_left_as_written():
    result = render('```output\n<img src="logo.png" alt="Logo">\n```\n\nInline `<img src="a.png">` too.\n\n![Real](fig/real.png)\n')
    assert '&lt;img src="logo.png" alt="Logo"&gt;' in result.html
    assert '<code>&lt;img src="a.png"&gt;</code>' in result.html
    assert '<img alt="Real" src="media/fig/real.png">' in result.html
    assert result.assets == {"fig/real.png"}
