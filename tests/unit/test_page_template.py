"""index.html's template escapes every value it is given, as html.escape would, unless it is the page's own code."""

from __future__ import annotations

import math

from markupsafe import Markup

from nk_pipeline.map import render_html

HOSTILE = "<script>alert('x')</script> & \"quoted\""


def test_every_value_is_escaped_like_html_escape():
    assert render_html.escaped(HOSTILE) == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;"
    assert render_html.escaped(None) == "" and render_html.escaped(math.nan) == ""
    assert render_html.escaped(Markup("<b>own</b>")) == "<b>own</b>"


def test_the_page_environment_escapes_text_and_attributes():
    env = render_html._template().environment
    page = env.from_string('<a title="{{ t }}">{{ t }}</a>{{ swatch }}').render(t=HOSTILE, swatch=Markup("<svg/>"))
    assert "<script>" not in page and page.count("&lt;script&gt;") == 2
    assert page.endswith("<svg/>")
