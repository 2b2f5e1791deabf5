"""Model fields that keep personal data sealed at rest (see ``tradereg.common.crypto``)."""

from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from tradereg.common.crypto import keyring


def field_context(model: type[models.Model], name: str) -> str:
    """Bound into each ciphertext, so a value copied to another column does not open."""
    return f"{model._meta.label}.{name}"


class EncryptedCharField(models.TextField):
    """A short text stored sealed and read back plain.

    ``max_length`` limits the plain value (forms); the column holds the longer sealed
    text. The ciphertext differs each time, so the only lookup is ``isnull``: search goes
    through a ``BlindIndexField`` beside it.
    """

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        self.context = field_context(cls, name)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return keyring().open(value, self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return keyring().seal(value, self.context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.context} is encrypted; look it up through its blind index, "
                f"not with __{lookup_name}."
            )
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """The keyed index of another field's plain value, computed whenever the row is saved."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 32), ("editable", False), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        plain = getattr(model_instance, self.source) or ""
        value = keyring().index(plain) if plain else ""
        setattr(model_instance, self.attname, value)
        return value
