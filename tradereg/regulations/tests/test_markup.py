from tradereg.regulations.markup import render_markdown


def test_markdown_becomes_html():
    html = render_markdown("## 标题\n\n- **一**\n- 二\n\n|甲|乙|\n|-|-|\n|1|2|")

    assert "<h2>标题</h2>" in html
    assert "<strong>一</strong>" in html
    assert "<td>1</td>" in html


def test_script_and_its_content_are_removed():
    html = render_markdown('前<script>alert("x")</script>后')

    assert "<script" not in html
    assert "alert" not in html
    assert "前" in html
    assert "后" in html


def test_event_handlers_styles_and_unsafe_urls_are_removed():
    html = render_markdown(
        '<a href="https://www.mofcom.gov.cn/" onclick="steal()">商务部</a> '
        '<img src="x" onerror="steal()"> <b style="color:red">粗</b> '
        "[坏链接](javascript:alert(1)) <iframe src='https://example.cn'></iframe>"
    )

    for unsafe in ["onclick", "onerror", "style=", "javascript:", "<img", "<iframe"]:
        assert unsafe not in html
    assert "<b>粗</b>" in html


def test_links_get_rel_noopener_nofollow():
    html = render_markdown("见[官方来源](https://flk.npc.gov.cn/)。")

    assert '<a href="https://flk.npc.gov.cn/" rel="noopener nofollow">官方来源</a>' in html


def test_a_level_one_heading_becomes_level_two():
    assert render_markdown("# 一级").strip() == "<h2>一级</h2>"


def test_empty_body_renders_nothing():
    assert render_markdown("") == ""
