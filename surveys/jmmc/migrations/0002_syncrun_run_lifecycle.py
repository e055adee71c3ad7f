"""SyncRun on the run lifecycle of domain.runs: phase "done" becomes "completed"; a heartbeat for the stale sweep."""

from django.db import migrations, models


RENAMED = {"done": "completed"}


def phases_forward(apps, schema_editor):
    SyncRun = apps.get_model("jmmc", "SyncRun")
    for old, new in RENAMED.items():
        SyncRun.objects.filter(phase=old).update(phase=new)


def phases_backward(apps, schema_editor):
    SyncRun = apps.get_model("jmmc", "SyncRun")
    for old, new in RENAMED.items():
        SyncRun.objects.filter(phase=new).update(phase=old)
    SyncRun.objects.filter(phase="pending").update(phase="running")


class Migration(migrations.Migration):

    dependencies = [
        ('jmmc', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='syncrun',
            name='heartbeat',
            field=models.DateTimeField(blank=True, help_text='last sign of life of the sync', null=True),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='phase',
            field=models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('completed', 'Completed'), ('failed', 'Failed')], default='running', max_length=10),
        ),
        migrations.RunPython(phases_forward, phases_backward),
    ]
