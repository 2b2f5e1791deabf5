"""``{% once %}…{% endonce %}``: a part of a template that reads nothing from the request
(labels, links reversed from URL names, static files), rendered once per language and URL
prefix in each process and reused. ``{% translate %}`` and ``{% url %}`` made up most of a
public page's cost; inside ``once`` they run once.

Only text the same for every visitor belongs inside: no user, no path, no CSRF token.
"""

from django import template
from django.template.base import Node, NodeList, Parser, Token
from django.template.context import Context
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


class OnceNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.rendered: dict[tuple[str | None, str], SafeString] = {}

    def render(self, context: Context) -> SafeString:
        key = (get_language(), get_script_prefix())
        text = self.rendered.get(key)
        if text is None:
            text = self.rendered[key] = mark_safe(self.nodelist.render(context))  # noqa: S308 - rendered by the template engine, escaped there
        return text


@register.tag
def once(parser: Parser, token: Token) -> OnceNode:
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist)
