from django.contrib import admin

from tradereg.authorities.models import Authority


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "pinyin_initials", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "pinyin_initials"]
    raw_id_fields = ["region", "parent"]
