"""Helpers of the `dsfr_crispy` template pack (templates/dsfr_crispy/): DSFR markup for fields.

The pack's templates decide the structure (groups, labels, hints, messages); these tags only
compute what a template cannot: which DSFR component a widget is, the classes and ARIA
attributes of the widget, the hidden initial value of a field that tracks what the user
changed.
"""

from django import forms, template
from django.utils.html import format_html_join

register = template.Library()

# The DSFR component of each kind of field, and the class of its control.
_CONTROL_CLASSES = {
    "input": "fr-input",
    "password": "fr-input",
    "select": "fr-select",
    "file": "fr-upload",
}


@register.filter
def dsfr_kind(field):
    """input, password, select, file, checkbox, radio or checkboxes."""
    widget = field.field.widget
    if isinstance(widget, forms.PasswordInput):
        return "password"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "select"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


def messages_id(field):
    return f"{field.auto_id}-messages"


@register.filter
def dsfr_messages_id(field):
    return messages_id(field)


@register.filter
def dsfr_anchor(field):
    """The id a link to this field should target (the first option of a group)."""
    if dsfr_kind(field) in {"radio", "checkboxes"}:
        for option in field.subwidgets:
            return option.id_for_label
    return field.id_for_label or field.auto_id


@register.simple_tag
def dsfr_widget(field, css_class=""):
    """The field's control with its DSFR class, error state and described-by ids."""
    widget = field.field.widget
    kind = dsfr_kind(field)
    attrs = {}
    control = _CONTROL_CLASSES.get(kind)
    classes = [widget.attrs.get("class", "")]
    if control:
        classes.append(control)
        if field.errors:
            classes.append(f"{control}--error")
    if kind == "password":
        classes.append("fr-password__input")
    classes.append(css_class)
    classes = " ".join(name for name in classes if name)
    if classes:
        attrs["class"] = classes
    described = []
    if field.help_text and field.auto_id:
        described.append(f"{field.auto_id}_helptext")
    if field.errors and field.auto_id:
        described.append(messages_id(field))
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def dsfr_hidden_initial(field):
    """The hidden value a field was drawn with, for fields with `show_hidden_initial`.

    Django would write back what the user typed once the form is bound; the value the form
    was first drawn with must travel unchanged, so that the next save still knows what the
    user changed (and what someone else may have changed meanwhile).
    """
    if not field.field.show_hidden_initial:
        return ""
    hidden = field.field.hidden_widget()
    if field.form.is_bound:
        value = field.form.data.get(field.html_initial_name, "")
    else:
        value = field.field.prepare_value(field.initial)
    return hidden.render(field.html_initial_name, value, attrs={"id": field.html_initial_id})


@register.filter
def dsfr_hidden_errors(form):
    """The errors of the hidden fields (a missing version...): shown with the form's own."""
    return [error for field in form.hidden_fields() for error in field.errors]


@register.filter
def dsfr_button_class(input_object):
    """DSFR classes for a crispy button: its own classes, without Bootstrap's."""
    own = [
        name
        for name in (getattr(input_object, "field_classes", "") or "").split()
        if name != "btn" and not name.startswith("btn-")
    ]
    base = "fr-btn" if input_object.input_type == "submit" else "fr-btn fr-btn--secondary"
    return " ".join([base, *own])


@register.simple_tag
def dsfr_error_links(form):
    """The list items of an error summary: one link per field error, to the field."""
    items = []
    for field in form.visible_fields():
        for error in field.errors:
            items.append((dsfr_anchor(field), field.label, error))
    return format_html_join(
        "",
        '<li><a href="#{}">{}&nbsp;: {}</a></li>',
        items,
    )
