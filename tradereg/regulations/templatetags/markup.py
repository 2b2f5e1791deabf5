from django import template
from django.utils.safestring import SafeString

from tradereg.regulations.markup import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """``{{ obj.body|markdown }}``: administrators' Markdown as sanitised HTML."""
    return render_markdown(text)
