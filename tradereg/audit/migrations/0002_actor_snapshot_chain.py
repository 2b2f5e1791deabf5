"""Actor snapshot, generic object, outcome and the hash chain; the events recorded before
are given their snapshot from today's user rows and chained in id order.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from tradereg.audit.chain import event_hash


def _outcome_of(event):
    if event.endswith("_refused"):
        return "refused"
    if event.endswith("_failed"):
        return "failed"
    return "ok"


def seal_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    users = {}
    prev = ""
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.actor_id is not None:
            if event.actor_id not in users:
                users[event.actor_id] = (
                    User.objects.filter(pk=event.actor_id).select_related("authority").first()
                )
            user = users[event.actor_id]
            if user is not None:
                event.actor_name = user.username
                event.actor_role = getattr(user, "role", "") or ""
                authority = getattr(user, "authority", None)
                if authority is not None:
                    event.actor_authority = f"{authority.name}（{authority.code}）"
        if event.filing_id is not None:
            event.object_type, event.object_id = "filing", str(event.filing_id)
        event.outcome = _outcome_of(event.event)
        event.prev_hash = prev
        event.hash = prev = event_hash(prev, event)
        event.save()


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        ('filings', '0006_remove_decision'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                ('last_id', models.BigIntegerField(verbose_name='最后清理的事件编号')),
                ('last_hash', models.CharField(max_length=64, verbose_name='最后清理的事件哈希')),
                ('purged_count', models.PositiveIntegerField(verbose_name='清理条数')),
                ('cutoff', models.DateTimeField(verbose_name='清理截止时间')),
            ],
            options={
                'verbose_name': '审计链起点',
                'verbose_name_plural': '审计链起点',
                'ordering': ['-id'],
            },
        ),
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['-id'], 'verbose_name': '审计事件', 'verbose_name_plural': '审计事件'},
        ),
        migrations.AddField(
            model_name='auditevent',
            name='actor_authority',
            field=models.CharField(blank=True, max_length=120, verbose_name='所属机关'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='actor_name',
            field=models.CharField(blank=True, max_length=150, verbose_name='操作人'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='actor_role',
            field=models.CharField(blank=True, max_length=30, verbose_name='角色'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='哈希'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='object_id',
            field=models.CharField(blank=True, max_length=64, verbose_name='对象编号'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='object_type',
            field=models.CharField(blank=True, max_length=40, verbose_name='对象类型'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='outcome',
            field=models.CharField(choices=[('ok', '成功'), ('refused', '拒绝'), ('failed', '失败')], default='ok', max_length=10, verbose_name='结果'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='上一条哈希'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='created_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='时间'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='data',
            field=models.JSONField(blank=True, default=dict, verbose_name='详情'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='filing',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='audit_events', to='filings.filing'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='ip_address',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['object_type', 'object_id'], name='audit_object'),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
